//! Sales territories: what sales reps and dispatch read (tag `territories`), and what dispatch
//! imports and assigns (tag `dispatch`).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use uuid::Uuid;

use super::auth::{Caller, Dispatcher};
use super::{parse_id, parse_json, AppState};
use crate::openapi::{Forbidden, Invalid, NotFound, ServerError, TooLarge, Unauthorized};
use crate::storage::Role;
use crate::{PlannerError, Result};

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
pub(super) async fn import_territories(
    Dispatcher(who): Dispatcher,
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Response> {
    let clock = state.clock.clone();
    let stored = state
        .store(move |storage| -> Result<_> {
            let list = crate::storage::geojson::territories_from_geojson(&body, &*clock)?;
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
pub(super) async fn list_territories(
    Caller(who): Caller,
    State(state): State<AppState>,
) -> Result<Response> {
    let rep = match who.role {
        Role::Dispatcher | Role::Admin => None,
        Role::SalesRep => Some(who.user_id),
        _ => {
            return Err(PlannerError::Forbidden(
                "territories are for sales reps and dispatch".into(),
            ))
        }
    };
    let list = state
        .store(move |s| s.territories(who.tenant_id, rep))
        .await?;
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
pub(super) async fn assign_territory(
    Dispatcher(who): Dispatcher,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response> {
    let id = parse_id(&id, "territory")?;
    let req: AssignTerritory = parse_json(&body)?;
    state
        .store(move |s| s.assign_territory(who.tenant_id, id, req.rep_id))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DeliveriesQuery {
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
        ("date" = Option<chrono::NaiveDate>, Query, description = "The day (YYYY-MM-DD); today by the planner's clock when absent."),
        ("at" = Option<String>, Query, description = "The local time to judge lateness at (YYYY-MM-DDTHH:MM:SS, no offset); now when absent.",
            pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$"),
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
pub(super) async fn territory_deliveries(
    Caller(who): Caller,
    State(state): State<AppState>,
    query: std::result::Result<
        axum::extract::Query<DeliveriesQuery>,
        axum::extract::rejection::QueryRejection,
    >,
) -> Result<Response> {
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
    let list = state
        .store(move |s| s.territory_deliveries(who.tenant_id, rep, date, now))
        .await?;
    Ok(Json(list).into_response())
}
