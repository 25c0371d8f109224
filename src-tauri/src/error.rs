use doorstep_field::FieldError;
use serde::Serialize;

/// How an error crosses to the UI: `{"code": "...", "message": "..."}` (docs/COMMANDS.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommandError {
    pub code: &'static str,
    pub message: String,
}

impl CommandError {
    pub fn invalid(message: impl Into<String>) -> Self {
        CommandError {
            code: "invalid",
            message: message.into(),
        }
    }
}

impl CommandError {
    /// The app itself failed (not the courier's input, not the network).
    pub fn internal() -> Self {
        CommandError {
            code: "internal",
            message: "the app hit an internal error; restart it — saved records are safe".into(),
        }
    }
}

impl From<FieldError> for CommandError {
    fn from(e: FieldError) -> Self {
        CommandError {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

impl From<std::sync::PoisonError<std::sync::MutexGuard<'_, doorstep_field::Store>>>
    for CommandError
{
    fn from(_: std::sync::PoisonError<std::sync::MutexGuard<'_, doorstep_field::Store>>) -> Self {
        CommandError {
            code: "storage",
            message: "the app hit an internal error; restart it — saved records are safe".into(),
        }
    }
}
