//! What devices call to enrol and sync (tag `sync`): enrolment, push, pull and a sales rep's
//! territory scope.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use doorstep_domain::sync::{EnrollRequest, EnrollResponse, PullRequest, PushRequest};

use super::auth::{Caller, SalesRep};
use super::{parse_json, AppState};
use crate::auth::{hash_secret, random_secret};
use crate::openapi::{
    Conflict, Forbidden, Invalid, ServerError, TooLarge, Unauthorized, Unprocessable,
};
use crate::{PlannerError, Result};

/// Trade a one-time enrolment code for a device token.
///
/// The code is single-use; the token is shown once (the planner keeps only its hash).
#[utoipa::path(
    post,
    path = "/v1/enroll",
    tag = "sync",
    request_body = EnrollRequest,
    responses(
        (status = 200, description = "The device is enrolled.", body = EnrollResponse),
        (status = 400, response = Invalid),
        (status = 401, description = "The code is unknown, used or expired (`unauthorized`).", body = doorstep_domain::sync::ErrorBody),
        (status = 409, response = Conflict),
        (status = 413, response = TooLarge),
        (status = "5XX", response = ServerError)
    )
)]
pub(super) async fn enroll(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Json<EnrollResponse>> {
    let req: EnrollRequest = parse_json(&body)?;
    if req.code.trim().is_empty() {
        return Err(PlannerError::Invalid(
            "type the enrolment code dispatch gave you".into(),
        ));
    }
    let token = random_secret(&*state.entropy, 32)?;
    let token_hash = hash_secret(&token);
    let now = state.clock.now();
    let (who, tenant_name) = state
        .store(move |storage| {
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

/// Send outbox ops, `(device_id, epoch, seq)` in seq order and contiguous.
///
/// A replay of stored seqs with the same hash is ignored; an op that cannot be applied is
/// stored, acked and answered as a rejection with the reason.
#[utoipa::path(
    post,
    path = "/v1/sync/push",
    tag = "sync",
    security(("device_token" = [])),
    request_body = PushRequest,
    responses(
        (status = 200, description = "Ops up to `acked_seq` are stored.", body = doorstep_domain::sync::PushResponse),
        (status = 400, response = Invalid),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 413, response = TooLarge),
        (status = 422, response = Unprocessable),
        (status = "5XX", response = ServerError)
    )
)]
pub(super) async fn push(
    Caller(who): Caller,
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Response> {
    let req: PushRequest = parse_json(&body)?;
    let now = state.clock.now();
    let answer = state.store(move |s| s.push(&who, &req, now)).await?;
    Ok(Json(answer).into_response())
}

/// Fetch the routes in the caller's scope that changed after a cursor.
///
/// With removals, the new cursor, the whole scope's checksum and the device's acked seq.
#[utoipa::path(
    post,
    path = "/v1/sync/pull",
    tag = "sync",
    security(("device_token" = [])),
    request_body = PullRequest,
    responses(
        (status = 200, description = "What changed since the cursor.", body = doorstep_domain::sync::PullResponse),
        (status = 400, response = Invalid),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = "5XX", response = ServerError)
    )
)]
pub(super) async fn pull(
    Caller(who): Caller,
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Response> {
    let req: PullRequest = parse_json(&body)?;
    let answer = state.store(move |s| s.pull(&who, &req)).await?;
    Ok(Json(answer).into_response())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ScopeQuery {
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
}

/// What a sales rep's phone caches: their territories, and every stop of the routes that pass
/// through them on the days asked (today by default; at most 31 days).
#[utoipa::path(
    get,
    path = "/v1/sync/territory",
    tag = "sync",
    security(("device_token" = [])),
    params(
        ("from" = Option<chrono::NaiveDate>, Query, description = "The first day (YYYY-MM-DD); today when absent."),
        ("to" = Option<chrono::NaiveDate>, Query, description = "The last day (YYYY-MM-DD), at most 31 days after `from`; `from` when absent.")
    ),
    responses(
        (status = 200, description = "The whole scope, with an `ETag`.", body = doorstep_domain::sync::TerritoryScope,
            headers(("ETag" = String, description = "The SHA-256 of this answer: send it back as `If-None-Match`."))),
        (status = 304, description = "The scope is what `If-None-Match` names: the phone's cache is current."),
        (status = 400, response = Invalid),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = "5XX", response = ServerError)
    )
)]
pub(super) async fn territory_scope(
    SalesRep(who): SalesRep,
    State(state): State<AppState>,
    headers: HeaderMap,
    query: std::result::Result<
        axum::extract::Query<ScopeQuery>,
        axum::extract::rejection::QueryRejection,
    >,
) -> Result<Response> {
    let axum::extract::Query(q) = query.map_err(|e| {
        PlannerError::Invalid(format!(
            "{}: use from=YYYY-MM-DD&to=YYYY-MM-DD",
            e.body_text()
        ))
    })?;
    let today = state
        .clock
        .now()
        .with_timezone(&state.clock.local_offset())
        .date_naive();
    let from = q.from.unwrap_or(today);
    let to = q.to.unwrap_or(from);
    if (to - from).num_days() > 31 {
        return Err(PlannerError::Invalid(
            "ask for at most 31 days at a time".into(),
        ));
    }
    let (body, etag) = state
        .store(move |storage| -> Result<_> {
            let scope = storage.territory_scope(who.tenant_id, who.user_id, from, to)?;
            let body =
                serde_json::to_vec(&scope).map_err(|e| PlannerError::Internal(e.to_string()))?;
            let etag = format!("\"{}\"", doorstep_domain::sha256_hex(&body));
            Ok((body, etag))
        })
        .await?;
    // A phone whose cache is current gets no body: nothing to send, nothing to apply.
    let current = headers
        .get(axum::http::header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == etag);
    let etag = HeaderValue::from_str(&etag).map_err(|e| PlannerError::Internal(e.to_string()))?;
    if current {
        return Ok((StatusCode::NOT_MODIFIED, [(axum::http::header::ETAG, etag)]).into_response());
    }
    Ok((
        StatusCode::OK,
        [
            (
                axum::http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (axum::http::header::ETAG, etag),
        ],
        body,
    )
        .into_response())
}
