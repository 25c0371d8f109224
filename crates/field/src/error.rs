use doorstep_domain::DomainError;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Everything the device engine can refuse or fail at, in words the courier can act on.
#[derive(Debug, thiserror::Error)]
pub enum FieldError {
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("this stop is not on this device (id {0})")]
    StopNotFound(Uuid),
    #[error("Dispatch cancelled this stop: nothing more can be recorded on it.")]
    StopCancelled(Uuid),
    #[error("there is no stop number {0} on today's route")]
    StopPositionNotFound(u32),
    #[error("this proof of delivery is not on this device (id {0})")]
    PodNotFound(Uuid),
    #[error("a photo of this record is missing on the phone: add it again ({0})")]
    PhotoMissing(String),
    #[error("photo is not an image (expected JPEG or PNG): {0}")]
    NotAnImage(String),
    #[error("photo is too large ({mb:.1} MB; at most 25 MB)")]
    PhotoTooLarge { mb: f64 },
    #[error("this territory is not on this device (id {0})")]
    TerritoryNotFound(Uuid),
    #[error("this delivery is outside your territory")]
    OutsideTerritory(Uuid),
    #[error("this account is not on this device (id {0})")]
    AccountNotFound(Uuid),
    #[error("a route with this id is already on the device")]
    RouteExists,
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Sync(#[from] crate::sync::SyncError),
    #[error("the phone's storage failed: {0}")]
    Storage(#[from] rusqlite::Error),
    #[error("could not read or write {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl FieldError {
    /// A stable code the UI may branch on (DESIGN: codes only where the UI branches).
    pub fn code(&self) -> &'static str {
        self.error_code().as_str()
    }

    /// [`FieldError::code`] as the type the UI's generated contract names.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            FieldError::Domain(DomainError::IllegalStatus { .. }) => ErrorCode::IllegalStatus,
            FieldError::Domain(DomainError::Invalid(_))
            | FieldError::Invalid(_)
            | FieldError::RouteExists => ErrorCode::Invalid,
            FieldError::StopNotFound(_)
            | FieldError::StopPositionNotFound(_)
            | FieldError::PodNotFound(_)
            | FieldError::TerritoryNotFound(_)
            | FieldError::AccountNotFound(_) => ErrorCode::NotFound,
            FieldError::StopCancelled(_) => ErrorCode::Cancelled,
            FieldError::OutsideTerritory(_) => ErrorCode::OutsideTerritory,
            FieldError::PhotoMissing(_)
            | FieldError::NotAnImage(_)
            | FieldError::PhotoTooLarge { .. } => ErrorCode::PhotoRejected,
            FieldError::Sync(e) if e.needs_enrolment() => ErrorCode::NotEnrolled,
            FieldError::Sync(_) => ErrorCode::Sync,
            FieldError::Storage(_) | FieldError::Io { .. } => ErrorCode::Storage,
        }
    }

    pub fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        FieldError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

/// The codes an error crosses to the UI with (docs/COMMANDS.md); the message says the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Bad input: the message says what to fix.
    Invalid,
    NotFound,
    /// The stop is already finished (or the status would move back).
    IllegalStatus,
    /// Dispatch cancelled the stop: nothing more is recorded on it.
    Cancelled,
    /// Not an image, or too large.
    PhotoRejected,
    /// A sales rep's delivery outside their territories.
    OutsideTerritory,
    /// The phone has no planner yet: offer to enrol.
    NotEnrolled,
    /// The device store failed.
    Storage,
    /// The planner could not be reached or refused: the message says why.
    Sync,
    /// The app itself failed.
    Internal,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 10] = [
        ErrorCode::Invalid,
        ErrorCode::NotFound,
        ErrorCode::IllegalStatus,
        ErrorCode::Cancelled,
        ErrorCode::PhotoRejected,
        ErrorCode::OutsideTerritory,
        ErrorCode::NotEnrolled,
        ErrorCode::Storage,
        ErrorCode::Sync,
        ErrorCode::Internal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Invalid => "invalid",
            ErrorCode::NotFound => "not_found",
            ErrorCode::IllegalStatus => "illegal_status",
            ErrorCode::Cancelled => "cancelled",
            ErrorCode::PhotoRejected => "photo_rejected",
            ErrorCode::OutsideTerritory => "outside_territory",
            ErrorCode::NotEnrolled => "not_enrolled",
            ErrorCode::Storage => "storage",
            ErrorCode::Sync => "sync",
            ErrorCode::Internal => "internal",
        }
    }
}

/// How an error crosses to the UI: `{"code": "...", "message": "..."}`, the message a plain
/// sentence for the courier or the rep.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CommandError {
    pub code: ErrorCode,
    pub message: String,
}

impl CommandError {
    pub fn invalid(message: impl Into<String>) -> Self {
        CommandError {
            code: ErrorCode::Invalid,
            message: message.into(),
        }
    }

    /// The app itself failed (not the user's input, not the network).
    pub fn internal() -> Self {
        CommandError {
            code: ErrorCode::Internal,
            message: "the app hit an internal error; restart it — saved records are safe".into(),
        }
    }
}

impl From<FieldError> for CommandError {
    fn from(e: FieldError) -> Self {
        CommandError {
            code: e.error_code(),
            message: e.to_string(),
        }
    }
}

/// A panic while the store was held: the store may be mid-way, so nothing more is trusted.
impl From<std::sync::PoisonError<std::sync::MutexGuard<'_, crate::Store>>> for CommandError {
    fn from(_: std::sync::PoisonError<std::sync::MutexGuard<'_, crate::Store>>) -> Self {
        CommandError {
            code: ErrorCode::Storage,
            message: "the app hit an internal error; restart it — saved records are safe".into(),
        }
    }
}
