//! The HTTP API (docs/SYNC.md): thin handlers that authenticate, parse, and call the storage
//! on a blocking thread.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use doorstep_domain::sync::{EnrollRequest, EnrollResponse, OpBody, PullRequest, PushRequest};
use doorstep_domain::{is_sha256_hex, Clock};
use serde::de::DeserializeOwned;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::{hash_secret, random_secret, Entropy, OsEntropy};
use crate::import::Format;
use crate::openapi::{
    Conflict, Forbidden, Invalid, NotFound, ServerError, TooLarge, Unauthorized, Unprocessable,
    UnsupportedMediaType,
};
use crate::storage::{Principal, Role, StopEdit, Storage};
use crate::{PlannerError, Result};

/// Requests larger than this are refused with 413 (photos travel in chunks below it).
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub storage: Arc<dyn Storage>,
    pub clock: Arc<dyn Clock>,
    /// Randomness for device tokens.
    pub entropy: Arc<dyn Entropy>,
}

impl AppState {
    /// A planner on `storage` that makes its secrets from the operating system's randomness.
    pub fn new(storage: Arc<dyn Storage>, clock: Arc<dyn Clock>) -> AppState {
        AppState {
            storage,
            clock,
            entropy: Arc::new(OsEntropy),
        }
    }
}

pub fn router(state: AppState) -> Router {
    let (api, _) = documented().split_for_parts();
    api.fallback(|| async { PlannerError::NotFound("no such endpoint".into()) })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // Answers go gzip-compressed to clients that ask (the device does); tower-http leaves
        // images and tiny bodies as they are.
        .layer(tower_http::compression::CompressionLayer::new())
        .with_state(state)
}

/// Every endpoint, each routed by its handler's `#[utoipa::path]` annotation: the same list
/// builds the router and the OpenAPI document (`crate::openapi`), so they cannot disagree.
/// Add an endpoint only as `.routes(routes!(handler))`.
pub fn documented() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(crate::openapi::Base::openapi())
        .routes(routes!(healthz))
        .routes(routes!(openapi_json))
        .routes(routes!(enroll))
        .routes(routes!(push))
        .routes(routes!(pull))
        .routes(routes!(blob_head, blob_append, blob_get))
        .routes(routes!(route_report))
        .routes(routes!(assign_route))
        .routes(routes!(edit_stop))
        .routes(routes!(revoke_device))
        .routes(routes!(import_file))
        .routes(routes!(event_signature))
        .routes(routes!(import_territories, list_territories))
        .routes(routes!(assign_territory))
        .routes(routes!(save_accounts))
        .routes(routes!(get_account))
        .routes(routes!(territory_deliveries))
        .routes(routes!(territory_scope))
        .routes(routes!(replacement_orders))
}

/// Whether the planner answers.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "service",
    responses((status = 200, description = "The planner is up.", body = Health))
)]
async fn healthz() -> Json<Health> {
    Json(Health { ok: true })
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Health {
    /// Always true.
    ok: bool,
}

/// This document (OpenAPI 3.1), exactly as checked in.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "service",
    responses((status = 200, description = "The API document.", body = serde_json::Value))
)]
async fn openapi_json() -> Response {
    (
        [("content-type", "application/json")],
        crate::openapi::CHECKED_IN,
    )
        .into_response()
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
async fn enroll(State(state): State<AppState>, body: Bytes) -> Result<Json<EnrollResponse>> {
    let req: EnrollRequest = parse_json(&body)?;
    if req.code.trim().is_empty() {
        return Err(PlannerError::Invalid(
            "type the enrolment code dispatch gave you".into(),
        ));
    }
    let token = random_secret(&*state.entropy, 32)?;
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
async fn push(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Result<Response> {
    let who = caller(&state, &headers).await?;
    let req: PushRequest = parse_json(&body)?;
    let now = state.clock.now();
    let storage = state.storage.clone();
    let answer = blocking(move || storage.push(&who, &req, now)).await?;
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
        ("Upload-Length" = u64, Header, description = "The photo's total length in bytes; the same on every chunk.")
    ),
    request_body(content_type = "application/octet-stream", description = "The chunk's raw bytes."),
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

/// Download a photo once it has fully arrived.
#[utoipa::path(
    get,
    path = "/v1/blobs/{sha256}",
    tag = "photos",
    security(("dispatcher_token" = []), ("device_token" = [])),
    params(("sha256" = String, Path, description = "The photo's name: the lowercase hex SHA-256 of its bytes.", pattern = "^[0-9a-f]{64}$")),
    responses(
        (status = 200, description = "The photo.", content(("image/jpeg"))),
        (status = 400, response = Invalid),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = "5XX", response = ServerError)
    )
)]
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

/// One route as dispatch sees it: each stop with its status, and every event with its photos.
#[utoipa::path(
    get,
    path = "/v1/routes/{id}",
    tag = "dispatch",
    security(("dispatcher_token" = [])),
    params(("id" = Uuid, Path, description = "The route's id.")),
    responses(
        (status = 200, description = "The route's report.", body = crate::storage::RouteReport),
        (status = 400, response = Invalid),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = "5XX", response = ServerError)
    )
)]
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

/// The body of `POST /v1/routes/{id}/assign`.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"courier_id": "0192f1d6-5b7a-7e21-9c3d-2a4b6c8d0e1f"}))]
pub(crate) struct Assign {
    /// The courier (a user id) who drives the route from now on.
    courier_id: Uuid,
}

/// A change dispatch made, and the version it gave the route.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct Versioned {
    /// The route's new version (its change-log position); the courier's next pull brings it.
    version: u64,
}

/// Give a route to a courier; it leaves the previous courier's phone at their next pull.
#[utoipa::path(
    post,
    path = "/v1/routes/{id}/assign",
    tag = "dispatch",
    security(("dispatcher_token" = [])),
    params(("id" = Uuid, Path, description = "The route's id.")),
    request_body = Assign,
    responses(
        (status = 200, description = "The route is assigned.", body = Versioned),
        (status = 400, response = Invalid),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = "5XX", response = ServerError)
    )
)]
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
    Ok(Json(Versioned { version }).into_response())
}

/// Change a stop's address or time window, or cancel it; absent fields stay as they are.
#[utoipa::path(
    patch,
    path = "/v1/stops/{id}",
    tag = "dispatch",
    security(("dispatcher_token" = [])),
    params(("id" = Uuid, Path, description = "The stop's id.")),
    request_body = StopEdit,
    responses(
        (status = 200, description = "The stop is changed.", body = Versioned),
        (status = 400, response = Invalid),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = "5XX", response = ServerError)
    )
)]
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
    Ok(Json(Versioned { version }).into_response())
}

/// Revoke a device's token, e.g. for a lost phone; its next call is refused.
#[utoipa::path(
    post,
    path = "/v1/devices/{id}/revoke",
    tag = "dispatch",
    security(("dispatcher_token" = [])),
    params(("id" = Uuid, Path, description = "The device's id.")),
    responses(
        (status = 204, description = "The device's token no longer works."),
        (status = 400, response = Invalid),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = "5XX", response = ServerError)
    )
)]
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

/// What an import is written in, from its Content-Type.
fn import_format(headers: &HeaderMap) -> Result<Format> {
    let value = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut parts = value.split(';').map(str::trim);
    let mime = parts.next().unwrap_or("");
    let charset = parts.find_map(|p| p.strip_prefix("charset="));
    if charset.is_some_and(|c| !matches!(c.trim_matches('"'), "utf-8" | "utf8" | "us-ascii")) {
        return Err(PlannerError::UnsupportedMediaType(
            "an import must be UTF-8 text: save the file as CSV UTF-8".into(),
        ));
    }
    match mime {
        "application/json" => Ok(Format::Json),
        "text/csv" | "application/csv" => Ok(Format::Csv),
        "" => Err(PlannerError::UnsupportedMediaType(
            "say what the import is written in: Content-Type: application/json or text/csv".into(),
        )),
        other => Err(PlannerError::UnsupportedMediaType(format!(
            "an import is read from application/json or text/csv, not {other}"
        ))),
    }
}

/// Imports customers and routes from JSON or CSV: all of it, or nothing with every problem
/// listed by row (docs/DISPATCH.md).
#[utoipa::path(
    post,
    path = "/v1/import",
    tag = "dispatch",
    security(("dispatcher_token" = [])),
    request_body(
        description = "Customers and routes as JSON, or as CSV with one row per order line and \
            these columns (a header row first; `,` or `;` separated; UTF-8): route, date, \
            courier, stop, position, customer_ref, customer_name, customer_kind, address, lat, \
            lon, contact_name, contact_phone, window_start, window_end, instructions, sku, \
            description, qty, unit, barcode. Rows of one route (or stop) repeat its columns.",
        content(
            (crate::openapi::ImportFile = "application/json"),
            ("text/csv", example = json!(include_str!("../examples/import.csv")))
        )
    ),
    responses(
        (status = 201, description = "Everything is stored.", body = crate::import::Imported),
        (status = 400, description = "Nothing was stored: the rows with problems (`invalid_import`), or an unreadable body (`invalid`).",
            body = crate::openapi::ImportErrorBody,
            example = json!({"error": {
                "code": "invalid_import",
                "message": "2 rows have errors; nothing was imported",
                "rows": [
                    {"row": 3, "message": "window_end 08:00 is not after window_start 09:00"},
                    {"row": 7, "message": "qty \"two\" is not a whole number"}
                ]
            }})),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 413, response = TooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = "5XX", response = ServerError)
    )
)]
async fn import_file(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    let who = dispatcher(&state, &headers).await?;
    let format = import_format(&headers)?;
    let (storage, clock) = (state.storage.clone(), state.clock.clone());
    let imported = blocking(move || {
        let read = match format {
            Format::Json => crate::import::from_json(&body, &*clock)?,
            Format::Csv => crate::import::from_csv(&body, &*clock)?,
        };
        storage.import(who.tenant_id, &read)
    })
    .await?;
    tracing::info!(tenant = %who.tenant_id, routes = imported.routes, stops = imported.stops, "import stored");
    Ok((StatusCode::CREATED, Json(imported)).into_response())
}

/// The signature of a proof of delivery, drawn as SVG.
#[utoipa::path(
    get,
    path = "/v1/events/{id}/signature.svg",
    tag = "dispatch",
    security(("dispatcher_token" = [])),
    params(("id" = Uuid, Path, description = "The proof of delivery's event id (see the route report).")),
    responses(
        (status = 200, description = "The signature's strokes as an SVG image.", content(("image/svg+xml"))),
        (status = 400, response = Invalid),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, description = "No such event, or it is not a proof of delivery, or it has no signature (`not_found`).", body = doorstep_domain::sync::ErrorBody),
        (status = "5XX", response = ServerError)
    )
)]
async fn event_signature(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response> {
    let who = dispatcher(&state, &headers).await?;
    let id = parse_id(&id, "event")?;
    let storage = state.storage.clone();
    let event = blocking(move || storage.event(who.tenant_id, id))
        .await?
        .ok_or_else(|| PlannerError::NotFound(format!("no event {id}")))?;
    let OpBody::PodRecorded { pod } = event else {
        return Err(PlannerError::NotFound(
            "this event is not a proof of delivery, so it has no signature".into(),
        ));
    };
    let signature = pod.signature.ok_or_else(|| {
        PlannerError::NotFound(
            "this proof of delivery has no signature (it was proven with a photo)".into(),
        )
    })?;
    Ok((
        [
            ("content-type", "image/svg+xml"),
            // Drawn from a device's data: never let a browser run anything in it.
            (
                "content-security-policy",
                "default-src 'none'; style-src 'unsafe-inline'",
            ),
            ("x-content-type-options", "nosniff"),
            // An event never changes once recorded.
            ("cache-control", "private, max-age=86400, immutable"),
        ],
        signature.to_svg(),
    )
        .into_response())
}

/// Imports sales territories from GeoJSON: all of them, or none with every problem listed.
///
/// A FeatureCollection (or one Feature); each feature a Polygon or MultiPolygon with
/// `properties.name` and optionally `properties.rep_id` (a sales rep). A known name gets the
/// new area (and rep, when given).
#[utoipa::path(
    post,
    path = "/v1/territories",
    tag = "dispatch",
    security(("dispatcher_token" = [])),
    request_body(content = Object, description = "A GeoJSON FeatureCollection of territories.", content_type = "application/json",
        example = json!({"type": "FeatureCollection", "features": [{"type": "Feature",
            "properties": {"name": "Jordaan", "rep_id": "0192f1d6-7d1c-7b4e-9a51-6c1f2e3d4a5b"},
            "geometry": {"type": "Polygon", "coordinates": [[[4.874, 52.368], [4.890, 52.368], [4.890, 52.382], [4.874, 52.382], [4.874, 52.368]]]}}]})),
    responses(
        (status = 201, description = "The territories are stored.", body = Vec<crate::storage::TerritoryInfo>),
        (status = 400, description = "Nothing was stored: the features with problems (`invalid_import`), or an unreadable body (`invalid`).", body = crate::openapi::ImportErrorBody),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 413, response = TooLarge),
        (status = "5XX", response = ServerError)
    )
)]
async fn import_territories(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    let who = dispatcher(&state, &headers).await?;
    let (storage, clock) = (state.storage.clone(), state.clock.clone());
    let stored = blocking(move || {
        let list = crate::import::territories_from_geojson(&body, &*clock)?;
        let ids = storage.save_territories(who.tenant_id, &list)?;
        let all = storage.territories(who.tenant_id, None)?;
        Ok(all
            .into_iter()
            .filter(|t| ids.contains(&t.id))
            .collect::<Vec<_>>())
    })
    .await?;
    Ok((StatusCode::CREATED, Json(stored)).into_response())
}

/// Stores B2B accounts (stores with contacts and a service plan) by `ref`: all of them, or
/// none with every problem listed. Stops already planned for the same name at the same
/// address are tied to the account, so the rep's phone shows them in its order history.
#[utoipa::path(
    post,
    path = "/v1/accounts",
    tag = "dispatch",
    security(("dispatcher_token" = [])),
    request_body = crate::storage::AccountsImport,
    responses(
        (status = 201, description = "The accounts are stored; their ids, in order.", body = Vec<Uuid>),
        (status = 400, response = Invalid),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 413, response = TooLarge),
        (status = "5XX", response = ServerError)
    )
)]
async fn save_accounts(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    let who = dispatcher(&state, &headers).await?;
    let list: crate::storage::AccountsImport = parse_json(&body)?;
    let (storage, clock) = (state.storage.clone(), state.clock.clone());
    let ids = blocking(move || {
        let fresh: Vec<Uuid> = list.accounts.iter().map(|_| clock.new_id()).collect();
        storage.save_accounts(who.tenant_id, &list, &fresh)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(ids)).into_response())
}

/// One B2B account: its contacts and service plan.
#[utoipa::path(
    get,
    path = "/v1/accounts/{id}",
    tag = "dispatch",
    security(("dispatcher_token" = [])),
    params(("id" = Uuid, Path, description = "The account's id.")),
    responses(
        (status = 200, description = "The account.", body = doorstep_domain::account::Account),
        (status = 400, response = Invalid),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = "5XX", response = ServerError)
    )
)]
async fn get_account(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response> {
    let who = dispatcher(&state, &headers).await?;
    let id = parse_id(&id, "account")?;
    let storage = state.storage.clone();
    let account = blocking(move || storage.account(who.tenant_id, id)).await?;
    Ok(Json(account).into_response())
}

/// The territories: all of them for dispatch, a sales rep's own for a sales rep.
#[utoipa::path(
    get,
    path = "/v1/territories",
    tag = "territories",
    security(("dispatcher_token" = []), ("device_token" = [])),
    responses(
        (status = 200, description = "The territories, by name.", body = Vec<crate::storage::TerritoryInfo>),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = "5XX", response = ServerError)
    )
)]
async fn list_territories(State(state): State<AppState>, headers: HeaderMap) -> Result<Response> {
    let who = caller(&state, &headers).await?;
    let rep = match who.role {
        Role::Dispatcher | Role::Admin => None,
        Role::SalesRep => Some(who.user_id),
        _ => {
            return Err(PlannerError::Forbidden(
                "territories are for sales reps and dispatch".into(),
            ))
        }
    };
    let storage = state.storage.clone();
    let list = blocking(move || storage.territories(who.tenant_id, rep)).await?;
    Ok(Json(list).into_response())
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AssignTerritory {
    /// The sales rep who gets the territory.
    rep_id: Uuid,
}

/// Give a territory to a sales rep: its deliveries leave the previous rep's view.
#[utoipa::path(
    post,
    path = "/v1/territories/{id}/assign",
    tag = "dispatch",
    security(("dispatcher_token" = [])),
    params(("id" = Uuid, Path, description = "The territory's id.")),
    request_body = AssignTerritory,
    responses(
        (status = 204, description = "The territory is assigned."),
        (status = 400, response = Invalid),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = "5XX", response = ServerError)
    )
)]
async fn assign_territory(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response> {
    let who = dispatcher(&state, &headers).await?;
    let id = parse_id(&id, "territory")?;
    let req: AssignTerritory = parse_json(&body)?;
    let storage = state.storage.clone();
    blocking(move || storage.assign_territory(who.tenant_id, id, req.rep_id)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DeliveriesQuery {
    date: Option<chrono::NaiveDate>,
    at: Option<chrono::NaiveDateTime>,
    rep: Option<Uuid>,
}

/// The deliveries inside a sales rep's territories on a day, late and incomplete first.
#[utoipa::path(
    get,
    path = "/v1/territories/deliveries",
    tag = "territories",
    security(("device_token" = []), ("dispatcher_token" = [])),
    params(
        ("date" = Option<String>, Query, description = "The day (YYYY-MM-DD); today by the planner's clock when absent."),
        ("at" = Option<String>, Query, description = "The local time to judge lateness at (YYYY-MM-DDTHH:MM:SS); now when absent."),
        ("rep" = Option<Uuid>, Query, description = "Dispatch only: whose territories.")
    ),
    responses(
        (status = 200, description = "The deliveries, each with how it stands.", body = Vec<crate::storage::Delivery>),
        (status = 400, response = Invalid),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = "5XX", response = ServerError)
    )
)]
async fn territory_deliveries(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: std::result::Result<
        axum::extract::Query<DeliveriesQuery>,
        axum::extract::rejection::QueryRejection,
    >,
) -> Result<Response> {
    let who = caller(&state, &headers).await?;
    let axum::extract::Query(q) = query.map_err(|e| {
        PlannerError::Invalid(format!(
            "{}: use date=YYYY-MM-DD, at=YYYY-MM-DDTHH:MM:SS and (for dispatch) rep=ID",
            e.body_text()
        ))
    })?;
    let rep = match (who.role, q.rep) {
        (Role::SalesRep, None) => who.user_id,
        (Role::SalesRep, Some(_)) => {
            return Err(PlannerError::Forbidden(
                "a sales rep sees only their own territories".into(),
            ))
        }
        (Role::Dispatcher | Role::Admin, Some(rep)) => rep,
        (Role::Dispatcher | Role::Admin, None) => {
            return Err(PlannerError::Invalid(
                "say whose territories: rep=ID".into(),
            ))
        }
        _ => {
            return Err(PlannerError::Forbidden(
                "territories are for sales reps and dispatch".into(),
            ))
        }
    };
    let local = state.clock.now().with_timezone(&state.clock.local_offset());
    let now = q.at.unwrap_or_else(|| local.naive_local());
    let date = q.date.unwrap_or_else(|| now.date());
    let storage = state.storage.clone();
    let list =
        blocking(move || storage.territory_deliveries(who.tenant_id, rep, date, now)).await?;
    Ok(Json(list).into_response())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ScopeQuery {
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
        ("from" = Option<String>, Query, description = "The first day (YYYY-MM-DD); today when absent."),
        ("to" = Option<String>, Query, description = "The last day (YYYY-MM-DD); `from` when absent.")
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
async fn territory_scope(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: std::result::Result<
        axum::extract::Query<ScopeQuery>,
        axum::extract::rejection::QueryRejection,
    >,
) -> Result<Response> {
    let who = caller(&state, &headers).await?;
    if who.role != Role::SalesRep {
        return Err(PlannerError::Forbidden(
            "a territory's deliveries are synced to sales reps".into(),
        ));
    }
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
    let storage = state.storage.clone();
    let (body, etag) = blocking(move || {
        let scope = storage.territory_scope(who.tenant_id, who.user_id, from, to)?;
        let body = serde_json::to_vec(&scope).map_err(|e| PlannerError::Internal(e.to_string()))?;
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

/// Replacement orders sales reps requested for late or short deliveries, newest first, each
/// waiting for dispatch to route it.
#[utoipa::path(
    get,
    path = "/v1/replacements",
    tag = "dispatch",
    security(("dispatcher_token" = [])),
    responses(
        (status = 200, description = "The replacement orders.", body = Vec<crate::storage::ReplacementOrder>),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = "5XX", response = ServerError)
    )
)]
async fn replacement_orders(State(state): State<AppState>, headers: HeaderMap) -> Result<Response> {
    let who = dispatcher(&state, &headers).await?;
    let storage = state.storage.clone();
    let list = blocking(move || storage.replacement_orders(who.tenant_id)).await?;
    Ok(Json(list).into_response())
}
