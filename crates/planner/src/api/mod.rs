//! The HTTP API (docs/SYNC.md): thin handlers that parse and call the storage on a blocking
//! thread. A handler's signature says who may call it ([`auth`]); one module per part of the
//! API, by OpenAPI tag.

mod accounts;
pub mod auth;
mod dispatch;
mod photos;
mod service;
mod sync;
mod territories;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::Router;
use doorstep_domain::Clock;
use serde::de::DeserializeOwned;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::{Entropy, OsEntropy};
use crate::storage::Storage;
use crate::{PlannerError, Result};

#[cfg(test)]
pub(crate) use dispatch::Assign;
pub use service::Health;

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

    /// Runs `f` on the storage off the async threads (storage calls block).
    async fn store<T: Send + 'static, E: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn Storage) -> std::result::Result<T, E> + Send + 'static,
    ) -> Result<T>
    where
        PlannerError: From<E>,
    {
        let storage = self.storage.clone();
        Ok(tokio::task::spawn_blocking(move || f(&*storage))
            .await
            .map_err(|e| PlannerError::Internal(format!("worker failed: {e}")))??)
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
        .routes(routes!(service::healthz))
        .routes(routes!(service::openapi_json))
        .routes(routes!(sync::enroll))
        .routes(routes!(sync::push))
        .routes(routes!(sync::pull))
        .routes(routes!(
            photos::blob_head,
            photos::blob_append,
            photos::blob_get
        ))
        .routes(routes!(dispatch::route_report))
        .routes(routes!(dispatch::assign_route))
        .routes(routes!(dispatch::edit_stop))
        .routes(routes!(dispatch::revoke_device))
        .routes(routes!(dispatch::import_file))
        .routes(routes!(dispatch::event_signature))
        .routes(routes!(
            territories::import_territories,
            territories::list_territories
        ))
        .routes(routes!(territories::assign_territory))
        .routes(routes!(accounts::save_accounts))
        .routes(routes!(accounts::get_account))
        .routes(routes!(territories::territory_deliveries))
        .routes(routes!(sync::territory_scope))
        .routes(routes!(dispatch::replacement_orders))
}

fn parse_json<T: DeserializeOwned>(body: &Bytes) -> Result<T> {
    let first = match serde_json::from_slice(body) {
        Ok(parsed) => return Ok(parsed),
        Err(e) => e,
    };
    // JSON has one kind of number: to JSON Schema, and so to the API document's clients, `3.0`
    // is the integer 3. A body refused as it is is read again with whole numbers as integers.
    if let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(body) {
        if whole_numbers_as_integers(&mut value) {
            if let Ok(parsed) = serde_json::from_value(value) {
                return Ok(parsed);
            }
        }
    }
    Err(PlannerError::Invalid(format!(
        "the request body is not valid: {first}"
    )))
}

/// Writes every number with a zero fraction (`3.0`) as the integer it is; false when none was.
fn whole_numbers_as_integers(value: &mut serde_json::Value) -> bool {
    use serde_json::Value;
    match value {
        Value::Number(n) => match n.as_f64() {
            Some(f)
                if n.is_f64() && f.fract() == 0.0 && (0.0..18446744073709551616.0).contains(&f) =>
            {
                *value = Value::from(f as u64);
                true
            }
            Some(f)
                if n.is_f64() && f.fract() == 0.0 && (-9223372036854775808.0..0.0).contains(&f) =>
            {
                *value = Value::from(f as i64);
                true
            }
            _ => false,
        },
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |any, v| whole_numbers_as_integers(v) | any),
        Value::Object(map) => map
            .values_mut()
            .fold(false, |any, v| whole_numbers_as_integers(v) | any),
        _ => false,
    }
}

fn parse_id(s: &str, what: &str) -> Result<Uuid> {
    Uuid::parse_str(s).map_err(|_| PlannerError::Invalid(format!("\"{s}\" is not a {what} id")))
}
