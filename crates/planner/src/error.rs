use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use doorstep_domain::sync::{ErrorBody, ErrorDetail};

use crate::storage::StorageError;

/// Everything the planner refuses or fails at. Client mistakes are 4xx with a plain sentence;
/// internal failures are logged and answered without details.
#[derive(Debug, thiserror::Error)]
pub enum PlannerError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Gap(String),
    #[error("{0}")]
    HashMismatch(String),
    #[error("{0}")]
    TooLarge(String),
    /// An import with problems: every row that has one is listed, and nothing was stored.
    #[error("{message}")]
    InvalidImport {
        message: String,
        rows: Vec<crate::import::RowProblem>,
    },
    /// A body in a format the endpoint does not read (415).
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The database is unreachable or too busy; the client should retry later (503).
    #[error("{0}")]
    Unavailable(String),
    /// A transaction lost a race (serialisation failure, deadlock); the store retries it.
    #[error("a transaction must be retried: {0}")]
    Retry(String),
    #[error("the planner's storage failed: {0}")]
    Storage(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl PlannerError {
    pub fn status(&self) -> StatusCode {
        match self {
            PlannerError::Invalid(_) | PlannerError::InvalidImport { .. } => {
                StatusCode::BAD_REQUEST
            }
            PlannerError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            PlannerError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            PlannerError::Forbidden(_) => StatusCode::FORBIDDEN,
            PlannerError::NotFound(_) => StatusCode::NOT_FOUND,
            PlannerError::Conflict(_) => StatusCode::CONFLICT,
            PlannerError::Gap(_) | PlannerError::HashMismatch(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            PlannerError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            PlannerError::Unavailable(_) | PlannerError::Retry(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            PlannerError::Storage(_) | PlannerError::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            PlannerError::Invalid(_) => "invalid",
            PlannerError::InvalidImport { .. } => "invalid_import",
            PlannerError::UnsupportedMediaType(_) => "unsupported_media_type",
            PlannerError::Unauthorized(_) => "unauthorized",
            PlannerError::Forbidden(_) => "forbidden",
            PlannerError::NotFound(_) => "not_found",
            PlannerError::Conflict(_) => "conflict",
            PlannerError::Gap(_) => "gap",
            PlannerError::HashMismatch(_) => "hash_mismatch",
            PlannerError::TooLarge(_) => "too_large",
            PlannerError::Unavailable(_) | PlannerError::Retry(_) => "unavailable",
            PlannerError::Storage(_) | PlannerError::Internal(_) => "internal",
        }
    }
}

impl From<StorageError> for PlannerError {
    /// What the storage said, as the HTTP edge answers it.
    fn from(e: StorageError) -> PlannerError {
        match e {
            StorageError::Invalid(m) => PlannerError::Invalid(m),
            StorageError::InvalidImport { message, rows } => {
                PlannerError::InvalidImport { message, rows }
            }
            StorageError::Unauthorized(m) => PlannerError::Unauthorized(m),
            StorageError::Forbidden(m) => PlannerError::Forbidden(m),
            StorageError::NotFound(m) => PlannerError::NotFound(m),
            StorageError::Conflict(m) => PlannerError::Conflict(m),
            StorageError::Gap(m) => PlannerError::Gap(m),
            StorageError::HashMismatch(m) => PlannerError::HashMismatch(m),
            StorageError::TooLarge(m) => PlannerError::TooLarge(m),
            StorageError::Unavailable(m) => PlannerError::Unavailable(m),
            StorageError::Retry(m) => PlannerError::Retry(m),
            StorageError::Database(m) => PlannerError::Storage(m),
            StorageError::Internal(m) => PlannerError::Internal(m),
        }
    }
}

impl IntoResponse for PlannerError {
    fn into_response(self) -> Response {
        let status = self.status();
        let message = if status == StatusCode::SERVICE_UNAVAILABLE {
            tracing::warn!(error = %self, "request deferred");
            "the planner is busy or its database is unreachable; try again shortly".to_owned()
        } else if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
            "the planner hit an internal error; try again".to_owned()
        } else {
            self.to_string()
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code().to_owned(),
                message,
            },
        };
        if let PlannerError::InvalidImport { rows, .. } = &self {
            // The usual body, with the rows that have problems beside code and message.
            let mut body = serde_json::json!(body);
            body["error"]["rows"] = serde_json::json!(rows);
            return (status, axum::Json(body)).into_response();
        }
        (status, axum::Json(body)).into_response()
    }
}
