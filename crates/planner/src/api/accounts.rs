//! B2B accounts, kept by dispatch (tag `dispatch`).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use uuid::Uuid;

use super::auth::Dispatcher;
use super::{parse_id, parse_json, AppState};
use crate::openapi::{Forbidden, Invalid, NotFound, ServerError, TooLarge, Unauthorized};
use crate::Result;

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
pub(super) async fn save_accounts(
    Dispatcher(who): Dispatcher,
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Response> {
    let list: crate::storage::AccountsImport = parse_json(&body)?;
    let clock = state.clock.clone();
    let ids = state
        .store(move |storage| {
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
pub(super) async fn get_account(
    Dispatcher(who): Dispatcher,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response> {
    let id = parse_id(&id, "account")?;
    let account = state.store(move |s| s.account(who.tenant_id, id)).await?;
    Ok(Json(account).into_response())
}
