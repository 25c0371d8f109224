use doorstep_domain::DomainError;
use uuid::Uuid;

/// Everything the device engine can refuse or fail at, in words the courier can act on.
#[derive(Debug, thiserror::Error)]
pub enum FieldError {
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("this stop is not on this device (id {0})")]
    StopNotFound(Uuid),
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
        match self {
            FieldError::Domain(DomainError::IllegalStatus { .. }) => "illegal_status",
            FieldError::Domain(DomainError::Invalid(_))
            | FieldError::Invalid(_)
            | FieldError::RouteExists => "invalid",
            FieldError::StopNotFound(_)
            | FieldError::StopPositionNotFound(_)
            | FieldError::PodNotFound(_)
            | FieldError::TerritoryNotFound(_)
            | FieldError::AccountNotFound(_) => "not_found",
            FieldError::OutsideTerritory(_) => "outside_territory",
            FieldError::PhotoMissing(_)
            | FieldError::NotAnImage(_)
            | FieldError::PhotoTooLarge { .. } => "photo_rejected",
            FieldError::Sync(e) if e.needs_enrolment() => "not_enrolled",
            FieldError::Sync(_) => "sync",
            FieldError::Storage(_) | FieldError::Io { .. } => "storage",
        }
    }

    pub fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        FieldError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}
