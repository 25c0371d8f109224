//! The HTTP API (docs/SYNC.md): thin handlers that authenticate, parse, and call the storage
//! on a blocking thread.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use doorstep_domain::sync::{EnrollRequest, EnrollResponse, PullRequest, PushRequest};
use doorstep_domain::{is_sha256_hex, Clock};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::auth::{hash_secret, random_secret};
use crate::storage::{Principal, Role, StopEdit, Storage};
use crate::{PlannerError, Result};

/// Requests larger than this are refused with 413 (photos travel in chunks below it).
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub storage: Arc<dyn Storage>,
    pub clock: Arc<dyn Clock>,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route(
            "/healthz",
            get(|| async { Json(serde_json::json!({ "ok": true })) }),
        )
        .route("/v1/enroll", post(enroll))
        .route("/v1/sync/push", post(push))
        .route("/v1/sync/pull", post(pull))
        .route(
            "/v1/blobs/{sha256}",
            patch(blob_append).head(blob_head).get(blob_get),
        )
        .route("/v1/routes/{id}", get(route_report))
        .route("/v1/routes/{id}/assign", post(assign_route))
        .route("/v1/stops/{id}", patch(edit_stop))
        .route("/v1/devices/{id}/revoke", post(revoke_device))
        .fallback(|| async { PlannerError::NotFound("no such endpoint".into()) })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// Runs a storage call off the async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| PlannerError::Internal(format!("worker failed: {e}")))?
}

fn parse_json<T: DeserializeOwned>(body: &Bytes) -> Result<T> {
    serde_json::from_slice(body)
        .map_err(|e| PlannerError::Invalid(format!("the request body is not valid: {e}")))
}

fn parse_id(s: &str, what: &str) -> Result<Uuid> {
    Uuid::parse_str(s).map_err(|_| PlannerError::Invalid(format!("\"{s}\" is not a {what} id")))
}

async fn caller(state: &AppState, headers: &HeaderMap) -> Result<Principal> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| {
            PlannerError::Unauthorized(
                "sign in: this call needs an Authorization: Bearer token".into(),
            )
        })?
        .to_owned();
    let storage = state.storage.clone();
    blocking(move || storage.principal(&hash_secret(&token)))
        .await?
        .ok_or_else(|| PlannerError::Unauthorized("this token is unknown or was revoked".into()))
}

/// The caller, who must be dispatch (or an admin).
async fn dispatcher(state: &AppState, headers: &HeaderMap) -> Result<Principal> {
    let who = caller(state, headers).await?;
    match who.role {
        Role::Dispatcher | Role::Admin => Ok(who),
        _ => Err(PlannerError::Forbidden("only dispatch can do this".into())),
    }
}

async fn enroll(State(state): State<AppState>, body: Bytes) -> Result<Json<EnrollResponse>> {
    let req: EnrollRequest = parse_json(&body)?;
    if req.code.trim().is_empty() {
        return Err(PlannerError::Invalid(
            "type the enrolment code dispatch gave you".into(),
        ));
    }
    let token = random_secret(32)?;
    let token_hash = hash_secret(&token);
    let now = state.clock.now();
    let storage = state.storage.clone();
    let (who, tenant_name) = blocking(move || {
        storage.enroll(
            &hash_secret(&req.code),
            req.device_id,
            req.device_name.as_deref(),
            &token_hash,
            now,
        )
    })
    .await?;
    tracing::info!(tenant = %who.tenant_id, user = %who.user_id, "device enrolled");
    Ok(Json(EnrollResponse {
        token,
        user_name: who.user_name,
        role: who.role.as_str().to_owned(),
        tenant_name,
    }))
}

async fn push(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Result<Response> {
    let who = caller(&state, &headers).await?;
    let req: PushRequest = parse_json(&body)?;
    let now = state.clock.now();
    let storage = state.storage.clone();
    let answer = blocking(move || storage.push(&who, &req, now)).await?;
    Ok(Json(answer).into_response())
}

async fn pull(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Result<Response> {
    let who = caller(&state, &headers).await?;
    let req: PullRequest = parse_json(&body)?;
    let storage = state.storage.clone();
    let answer = blocking(move || storage.pull(&who, &req)).await?;
    Ok(Json(answer).into_response())
}

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

async fn blob_head(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(sha): Path<String>,
) -> Result<Response> {
    let who = caller(&state, &headers).await?;
    check_sha(&sha)?;
    let storage = state.storage.clone();
    let offset = blocking(move || storage.blob_offset(who.tenant_id, &sha)).await?;
    Ok((
        StatusCode::OK,
        [("upload-offset", HeaderValue::from(offset))],
    )
        .into_response())
}

async fn blob_append(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(sha): Path<String>,
    body: Bytes,
) -> Result<Response> {
    let who = caller(&state, &headers).await?;
    check_sha(&sha)?;
    let offset = header_u64(&headers, "upload-offset")?;
    let total = header_u64(&headers, "upload-length")?;
    let storage = state.storage.clone();
    let held =
        blocking(move || storage.blob_append(who.tenant_id, &sha, offset, total, &body)).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [("upload-offset", HeaderValue::from(held))],
    )
        .into_response())
}

async fn blob_get(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(sha): Path<String>,
) -> Result<Response> {
    let who = caller(&state, &headers).await?;
    check_sha(&sha)?;
    let storage = state.storage.clone();
    let bytes = blocking(move || storage.blob(who.tenant_id, &sha))
        .await?
        .ok_or_else(|| {
            PlannerError::NotFound("no such photo (or it has not fully arrived yet)".into())
        })?;
    Ok(([("content-type", "image/jpeg")], bytes).into_response())
}

async fn route_report(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response> {
    let who = dispatcher(&state, &headers).await?;
    let id = parse_id(&id, "route")?;
    let storage = state.storage.clone();
    let report = blocking(move || storage.route_report(who.tenant_id, id)).await?;
    Ok(Json(report).into_response())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Assign {
    courier_id: Uuid,
}

async fn assign_route(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response> {
    let who = dispatcher(&state, &headers).await?;
    let id = parse_id(&id, "route")?;
    let req: Assign = parse_json(&body)?;
    let storage = state.storage.clone();
    let version = blocking(move || storage.assign_route(who.tenant_id, id, req.courier_id)).await?;
    Ok(Json(serde_json::json!({ "version": version })).into_response())
}

async fn edit_stop(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response> {
    let who = dispatcher(&state, &headers).await?;
    let id = parse_id(&id, "stop")?;
    let edit: StopEdit = parse_json(&body)?;
    let storage = state.storage.clone();
    let version = blocking(move || storage.edit_stop(who.tenant_id, id, &edit)).await?;
    Ok(Json(serde_json::json!({ "version": version })).into_response())
}

async fn revoke_device(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response> {
    let who = dispatcher(&state, &headers).await?;
    let id = parse_id(&id, "device")?;
    let now = state.clock.now();
    let storage = state.storage.clone();
    blocking(move || storage.revoke_device(who.tenant_id, id, now)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
