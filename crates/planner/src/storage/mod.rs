//! One storage trait, one implementation per database, chosen from the URL at start-up.

mod sqlite;

use chrono::{DateTime, Utc};
use doorstep_domain::sync::{PullRequest, PullResponse, PushRequest, PushResponse};
use doorstep_domain::Route;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use sqlite::SqliteStorage;

use crate::{PlannerError, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Courier,
    Merchandiser,
    SalesRep,
    Dispatcher,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Courier => "courier",
            Role::Merchandiser => "merchandiser",
            Role::SalesRep => "sales_rep",
            Role::Dispatcher => "dispatcher",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Result<Role> {
        serde_json::from_value(serde_json::Value::String(s.to_owned()))
            .map_err(|_| PlannerError::Invalid(format!("\"{s}\" is not a role")))
    }
}

/// Who is calling: resolved from a device token or a user token.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    pub tenant_id: Uuid,
    pub user_id: Uuid,
    pub user_name: String,
    pub role: Role,
    /// Set when the caller is an enrolled device.
    pub device_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: Uuid,
    pub name: String,
    pub role: Role,
}

/// What dispatch may change on a stop. `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StopEdit {
    pub address: Option<String>,
    pub window_start: Option<chrono::NaiveTime>,
    pub window_end: Option<chrono::NaiveTime>,
    pub cancelled: Option<bool>,
}

/// The dispatcher's view of one route: each stop with its status and its events.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RouteReport {
    pub route: Route,
    pub courier_id: Option<Uuid>,
    pub version: u64,
    pub cancelled: Vec<Uuid>,
    pub events: Vec<EventReport>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventReport {
    pub id: Uuid,
    pub stop_id: Uuid,
    pub kind: String,
    pub body: serde_json::Value,
    pub photos: Vec<PhotoState>,
    /// False while a photo it names has not fully arrived.
    pub complete: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhotoState {
    pub sha256: String,
    pub received: bool,
}

/// Everything the planner stores. Methods are whole business operations, each one transaction.
pub trait Storage: Send + Sync {
    fn create_tenant(&self, id: Uuid, name: &str) -> Result<()>;
    fn create_user(&self, tenant: Uuid, user: &User) -> Result<()>;
    fn add_enrolment_code(
        &self,
        tenant: Uuid,
        user: Uuid,
        code_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<()>;
    fn add_user_token(
        &self,
        tenant: Uuid,
        user: Uuid,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<()>;
    /// Consumes a one-time code and registers the device under `token_hash`.
    fn enroll(
        &self,
        code_hash: &str,
        device_id: Uuid,
        device_name: Option<&str>,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<(Principal, String)>;
    /// The caller behind a token, unless unknown or revoked.
    fn principal(&self, token_hash: &str) -> Result<Option<Principal>>;
    fn revoke_device(&self, tenant: Uuid, device_id: Uuid, now: DateTime<Utc>) -> Result<()>;
    /// Stores a new route, or replaces an existing one's plan, assigned to `courier`.
    fn save_route(&self, tenant: Uuid, route: &Route, courier: Option<Uuid>) -> Result<u64>;
    fn assign_route(&self, tenant: Uuid, route: Uuid, courier: Uuid) -> Result<u64>;
    fn edit_stop(&self, tenant: Uuid, stop: Uuid, edit: &StopEdit) -> Result<u64>;
    fn route_report(&self, tenant: Uuid, route: Uuid) -> Result<RouteReport>;
    fn push(&self, who: &Principal, req: &PushRequest, now: DateTime<Utc>) -> Result<PushResponse>;
    fn pull(&self, who: &Principal, req: &PullRequest) -> Result<PullResponse>;
    fn blob_offset(&self, tenant: Uuid, sha256: &str) -> Result<u64>;
    /// Appends `bytes` at `offset`; when the blob reaches `total` its hash is checked.
    fn blob_append(
        &self,
        tenant: Uuid,
        sha256: &str,
        offset: u64,
        total: u64,
        bytes: &[u8],
    ) -> Result<u64>;
    fn blob(&self, tenant: Uuid, sha256: &str) -> Result<Option<Vec<u8>>>;
}

/// Opens the storage a URL names: `sqlite://PATH` (the default) or `postgres://…`.
pub fn open(url: &str) -> Result<std::sync::Arc<dyn Storage>> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        return Ok(std::sync::Arc::new(SqliteStorage::open(
            std::path::Path::new(path),
        )?));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Err(PlannerError::Invalid(
            "the PostgreSQL store is not built yet in this version; use sqlite://PATH".into(),
        ));
    }
    Err(PlannerError::Invalid(format!(
        "\"{url}\" is not a database URL (expected sqlite://PATH)"
    )))
}
