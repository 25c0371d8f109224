//! The service's own endpoints: health and this API document (tag `service`).

use axum::response::{IntoResponse, Response};
use axum::Json;

/// Whether the planner answers.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "service",
    responses((status = 200, description = "The planner is up.", body = Health))
)]
pub(super) async fn healthz() -> Json<Health> {
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
pub(super) async fn openapi_json() -> Response {
    (
        [("content-type", "application/json")],
        crate::openapi::CHECKED_IN,
    )
        .into_response()
}
