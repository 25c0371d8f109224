//! What the storage refuses or fails at, in its own words: the HTTP edge
//! ([`crate::PlannerError`]) decides which status code each one becomes.

use crate::import::RowProblem;

/// Everything a storage operation can refuse or fail at.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The request cannot be stored as it is (a bad value, a rule it breaks).
    #[error("{0}")]
    Invalid(String),
    /// An import with problems: every row that has one is listed, and nothing was stored.
    #[error("{message}")]
    InvalidImport {
        message: String,
        rows: Vec<RowProblem>,
    },
    /// A code or token the planner does not know, or no longer accepts.
    #[error("{0}")]
    Unauthorized(String),
    /// The caller is known but may not do this.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// The record exists already, or differs from what the caller expects.
    #[error("{0}")]
    Conflict(String),
    /// A push that skips seqs the planner has not received.
    #[error("{0}")]
    Gap(String),
    /// A photo whose bytes do not match its SHA-256 name.
    #[error("{0}")]
    HashMismatch(String),
    #[error("{0}")]
    TooLarge(String),
    /// The database is unreachable or too busy; the caller should retry later.
    #[error("{0}")]
    Unavailable(String),
    /// A transaction lost a race (serialisation failure, deadlock); the store retries it.
    #[error("a transaction must be retried: {0}")]
    Retry(String),
    /// The database answered with an error.
    #[error("the planner's storage failed: {0}")]
    Database(String),
    /// Stored data that cannot be read back, or a broken invariant.
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = StorageError> = std::result::Result<T, E>;

impl From<rusqlite::Error> for StorageError {
    fn from(e: rusqlite::Error) -> StorageError {
        use rusqlite::{ffi, ErrorCode};
        let extended = match &e {
            rusqlite::Error::SqliteFailure(f, _) => f.extended_code,
            _ => 0,
        };
        match (e.sqlite_error_code(), extended) {
            (_, ffi::SQLITE_CONSTRAINT_PRIMARYKEY | ffi::SQLITE_CONSTRAINT_UNIQUE) => {
                StorageError::Conflict("this record exists already".into())
            }
            (_, ffi::SQLITE_CONSTRAINT_FOREIGNKEY) => {
                StorageError::Invalid("this refers to something the planner does not hold".into())
            }
            (Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked), _) => {
                StorageError::Unavailable("the planner's database is busy; try again".into())
            }
            _ => StorageError::Database(e.to_string()),
        }
    }
}
