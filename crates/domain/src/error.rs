use crate::route::StopStatus;

/// Why the business refuses something. Each message is a sentence the courier can act on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DomainError {
    #[error("{0}")]
    Invalid(String),
    #[error("this stop is already {} and cannot be marked {}", .from.label(), .to.label())]
    IllegalStatus { from: StopStatus, to: StopStatus },
}

impl DomainError {
    pub(crate) fn invalid(msg: impl Into<String>) -> Self {
        DomainError::Invalid(msg.into())
    }
}
