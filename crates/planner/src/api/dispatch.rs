//! Dispatch's routes, stops, devices, imports and events (tag `dispatch`).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use doorstep_domain::sync::OpBody;
use uuid::Uuid;

use super::auth::Dispatcher;
use super::{parse_id, parse_json, AppState};
use crate::import::Format;
use crate::openapi::{
    Forbidden, Invalid, NotFound, ServerError, TooLarge, Unauthorized, UnsupportedMediaType,
};
use crate::storage::StopEdit;
use crate::{PlannerError, Result};

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
pub(super) async fn route_report(
    Dispatcher(who): Dispatcher,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response> {
    let id = parse_id(&id, "route")?;
    let report = state
        .store(move |s| s.route_report(who.tenant_id, id))
        .await?;
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
pub(super) async fn assign_route(
    Dispatcher(who): Dispatcher,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response> {
    let id = parse_id(&id, "route")?;
    let req: Assign = parse_json(&body)?;
    let version = state
        .store(move |s| s.assign_route(who.tenant_id, id, req.courier_id))
        .await?;
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
pub(super) async fn edit_stop(
    Dispatcher(who): Dispatcher,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response> {
    let id = parse_id(&id, "stop")?;
    let edit: StopEdit = parse_json(&body)?;
    let version = state
        .store(move |s| s.edit_stop(who.tenant_id, id, &edit))
        .await?;
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
pub(super) async fn revoke_device(
    Dispatcher(who): Dispatcher,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response> {
    let id = parse_id(&id, "device")?;
    let now = state.clock.now();
    state
        .store(move |s| s.revoke_device(who.tenant_id, id, now))
        .await?;
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
            (inline(crate::openapi::Binary) = "text/csv", example = json!(include_str!("../../examples/import.csv")))
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
pub(super) async fn import_file(
    Dispatcher(who): Dispatcher,
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    let format = import_format(&headers)?;
    let clock = state.clock.clone();
    let imported = state
        .store(move |storage| -> Result<_> {
            let read = match format {
                Format::Json => crate::import::from_json(&body, &*clock)?,
                Format::Csv => crate::import::from_csv(&body, &*clock)?,
            };
            Ok(storage.import(who.tenant_id, &read)?)
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
        (status = 200, description = "The signature's strokes as an SVG image.", content((inline(crate::openapi::Binary) = "image/svg+xml"))),
        (status = 400, response = Invalid),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, description = "No such event, or it is not a proof of delivery, or it has no signature (`not_found`).", body = doorstep_domain::sync::ErrorBody),
        (status = "5XX", response = ServerError)
    )
)]
pub(super) async fn event_signature(
    Dispatcher(who): Dispatcher,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response> {
    let id = parse_id(&id, "event")?;
    let event = state
        .store(move |s| s.event(who.tenant_id, id))
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
pub(super) async fn replacement_orders(
    Dispatcher(who): Dispatcher,
    State(state): State<AppState>,
) -> Result<Response> {
    let list = state
        .store(move |s| s.replacement_orders(who.tenant_id))
        .await?;
    Ok(Json(list).into_response())
}
