//! Photos (tag `photos`): resumable uploads by SHA-256 name, and downloads.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use doorstep_domain::is_sha256_hex;

use super::auth::Caller;
use super::AppState;
use crate::openapi::{
    Conflict, Invalid, NotFound, ServerError, TooLarge, Unauthorized, Unprocessable,
};
use crate::{PlannerError, Result};

fn check_sha(sha: &str) -> Result<()> {
    if is_sha256_hex(sha) {
        Ok(())
    } else {
        Err(PlannerError::Invalid(format!(
            "\"{sha}\" is not a photo name (64 lowercase hex digits)"
        )))
    }
}

fn header_u64(headers: &HeaderMap, name: &str) -> Result<u64> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| {
            PlannerError::Invalid(format!("the {name} header is missing or not a number"))
        })
}

/// How many bytes of a photo the planner holds: where an upload resumes.
#[utoipa::path(
    head,
    path = "/v1/blobs/{sha256}",
    tag = "photos",
    security(("device_token" = [])),
    params(("sha256" = String, Path, description = "The photo's name: the lowercase hex SHA-256 of its bytes.", pattern = "^[0-9a-f]{64}$")),
    responses(
        (status = 200, description = "No body; the header says how much is held (the full length once complete).",
            headers(("Upload-Offset" = u64, description = "Bytes the planner holds."))),
        (status = 400, description = "The name is not 64 lowercase hex digits (`invalid`; a HEAD answer has no body)."),
        (status = 401, description = "No token, or an unknown or revoked one (`unauthorized`; no body)."),
        (status = "5XX", description = "The planner failed or is busy; try again (no body).")
    )
)]
pub(super) async fn blob_head(
    Caller(who): Caller,
    State(state): State<AppState>,
    Path(sha): Path<String>,
) -> Result<Response> {
    check_sha(&sha)?;
    let offset = state
        .store(move |s| s.blob_offset(who.tenant_id, &sha))
        .await?;
    Ok((
        StatusCode::OK,
        [("upload-offset", HeaderValue::from(offset))],
    )
        .into_response())
}

/// Append a chunk of a photo's bytes at the offset the planner holds.
///
/// When the offset reaches `Upload-Length` the planner checks the SHA-256 and keeps the photo,
/// or drops the partial bytes and answers `hash_mismatch`.
#[utoipa::path(
    patch,
    path = "/v1/blobs/{sha256}",
    tag = "photos",
    security(("device_token" = [])),
    params(
        ("sha256" = String, Path, description = "The photo's name: the lowercase hex SHA-256 of its bytes.", pattern = "^[0-9a-f]{64}$"),
        ("Upload-Offset" = u64, Header, description = "Where this chunk starts: must equal what the planner holds (see HEAD)."),
        ("Upload-Length" = u64, Header, minimum = 1, maximum = 26214400,
            description = "The photo's total length in bytes (at most 25 MiB; 413 beyond); the same on every chunk.")
    ),
    request_body(content = inline(crate::openapi::Binary), content_type = "application/octet-stream", description = "The chunk's raw bytes; an empty chunk (or none) changes nothing."),
    responses(
        (status = 204, description = "The chunk is stored.",
            headers(("Upload-Offset" = u64, description = "Bytes the planner now holds."))),
        (status = 400, response = Invalid),
        (status = 401, response = Unauthorized),
        (status = 409, response = Conflict),
        (status = 413, response = TooLarge),
        (status = 422, response = Unprocessable),
        (status = "5XX", response = ServerError)
    )
)]
pub(super) async fn blob_append(
    Caller(who): Caller,
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(sha): Path<String>,
    body: Bytes,
) -> Result<Response> {
    check_sha(&sha)?;
    let offset = header_u64(&headers, "upload-offset")?;
    let total = header_u64(&headers, "upload-length")?;
    let held = state
        .store(move |s| s.blob_append(who.tenant_id, &sha, offset, total, &body))
        .await?;
    Ok((
        StatusCode::NO_CONTENT,
        [("upload-offset", HeaderValue::from(held))],
    )
        .into_response())
}

/// Download a photo once it has fully arrived.
#[utoipa::path(
    get,
    path = "/v1/blobs/{sha256}",
    tag = "photos",
    security(("dispatcher_token" = []), ("device_token" = [])),
    params(("sha256" = String, Path, description = "The photo's name: the lowercase hex SHA-256 of its bytes.", pattern = "^[0-9a-f]{64}$")),
    responses(
        (status = 200, description = "The photo.", content((inline(crate::openapi::Binary) = "image/jpeg"))),
        (status = 400, response = Invalid),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = "5XX", response = ServerError)
    )
)]
pub(super) async fn blob_get(
    Caller(who): Caller,
    State(state): State<AppState>,
    Path(sha): Path<String>,
) -> Result<Response> {
    check_sha(&sha)?;
    let bytes = state
        .store(move |s| s.blob(who.tenant_id, &sha))
        .await?
        .ok_or_else(|| {
            PlannerError::NotFound("no such photo (or it has not fully arrived yet)".into())
        })?;
    Ok(([("content-type", "image/jpeg")], bytes).into_response())
}
