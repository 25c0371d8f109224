//! One storage trait, one implementation per database, chosen from the URL at start-up.

pub mod accounts;
mod blobs;
mod error;
pub mod geojson;
mod import;
mod postgres;
mod routes;
pub mod sql;
mod sqlite;
mod sync;
mod territories;
mod users;

use chrono::{DateTime, Utc};
use doorstep_domain::sync::{OpBody, PullRequest, PullResponse, PushRequest, PushResponse};
use doorstep_domain::Route;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use accounts::{AccountsImport, NewAccount};
pub use doorstep_domain::account::Account;
pub use error::{Result, StorageError};
pub use postgres::Postgres;
pub use sqlite::Sqlite;
pub use territories::{Delivery, NewTerritory, ReplacementOrder, TerritoryInfo};

use sql::Db;

use crate::import::{Import, Imported};

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
            .map_err(|_| StorageError::Invalid(format!("\"{s}\" is not a role")))
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
#[derive(Debug, Clone, Default, PartialEq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"address": "Keizersgracht 12, Amsterdam", "window_start": "09:00:00", "window_end": "11:30:00"}))]
pub struct StopEdit {
    pub address: Option<String>,
    /// `HH:MM` or `HH:MM:SS`.
    #[schema(pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,9})?)?$")]
    pub window_start: Option<chrono::NaiveTime>,
    /// After `window_start`.
    #[schema(pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,9})?)?$")]
    pub window_end: Option<chrono::NaiveTime>,
    pub cancelled: Option<bool>,
}

/// The dispatcher's view of one route: each stop with its status and its events.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RouteReport {
    pub route: Route,
    pub courier_id: Option<Uuid>,
    pub version: u64,
    pub cancelled: Vec<Uuid>,
    pub events: Vec<EventReport>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct EventReport {
    pub id: Uuid,
    pub stop_id: Uuid,
    /// `pod`, `failed_attempt` or `condition_note`.
    pub kind: String,
    /// The body of the op that recorded it, as the device sent it.
    #[schema(value_type = doorstep_domain::sync::OpBody)]
    pub body: serde_json::Value,
    pub photos: Vec<PhotoState>,
    /// False while a photo it names has not fully arrived.
    pub complete: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
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
    /// Stores a read import in one transaction: upserts its customers by ref and saves its
    /// routes, each announced in the change log so couriers' devices get them on their next
    /// pull. When anything is wrong (an unknown courier or customer, a route id that exists)
    /// nothing is stored and every problem is listed (`StorageError::InvalidImport`).
    fn import(&self, tenant: Uuid, import: &Import) -> Result<Imported>;
    /// An event as the device recorded it, unless unknown in this tenant.
    fn event(&self, tenant: Uuid, id: Uuid) -> Result<Option<OpBody>>;
    /// Stores territories by name (a known name gets the new area), all or nothing; their ids.
    fn save_territories(&self, tenant: Uuid, list: &[NewTerritory]) -> Result<Vec<Uuid>>;
    fn assign_territory(&self, tenant: Uuid, territory: Uuid, rep: Uuid) -> Result<()>;
    /// The tenant's territories, or only those of `rep`.
    fn territories(&self, tenant: Uuid, rep: Option<Uuid>) -> Result<Vec<TerritoryInfo>>;
    /// Replacement orders sales reps requested, newest first.
    fn replacement_orders(&self, tenant: Uuid) -> Result<Vec<ReplacementOrder>>;
    /// A sales rep's whole scope for the days `from..=to` (what their phone caches).
    fn territory_scope(
        &self,
        tenant: Uuid,
        rep: Uuid,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<doorstep_domain::sync::TerritoryScope>;
    /// Stores B2B accounts by ref, all or nothing (`ids`: one fresh id per account, used when
    /// the ref is new); stops planned for the same name and address are tied to them.
    fn save_accounts(&self, tenant: Uuid, list: &AccountsImport, ids: &[Uuid])
        -> Result<Vec<Uuid>>;
    fn account(&self, tenant: Uuid, id: Uuid) -> Result<Account>;
    /// The deliveries of `date` inside `rep`'s territories, assessed at local time `now`.
    fn territory_deliveries(
        &self,
        tenant: Uuid,
        rep: Uuid,
        date: chrono::NaiveDate,
        now: chrono::NaiveDateTime,
    ) -> Result<Vec<Delivery>>;
}

/// A database that runs one closure as one transaction. The closure may run more than once
/// (PostgreSQL retries a transaction that lost a race), so it must not have side effects
/// outside the transaction.
pub trait Backend: Send + Sync {
    fn dialect(&self) -> sql::Dialect;
    fn write<T>(&self, f: &mut dyn FnMut(&mut dyn Db) -> Result<T>) -> Result<T>;
    fn read<T>(&self, f: &mut dyn FnMut(&mut dyn Db) -> Result<T>) -> Result<T>;
}

/// The planner's storage on a SQL backend: the rules in one module per subject (users,
/// routes, sync, blobs, import, territories, accounts), each operation in one transaction.
pub struct SqlStorage<B>(pub B);

pub type SqliteStorage = SqlStorage<Sqlite>;
pub type PostgresStorage = SqlStorage<Postgres>;

impl SqliteStorage {
    pub fn open(path: &std::path::Path) -> Result<SqliteStorage> {
        Ok(SqlStorage(Sqlite::open(path)?))
    }
}

impl PostgresStorage {
    /// Connections the pool opens at most, unless the URL's caller asks otherwise.
    pub const DEFAULT_CONNECTIONS: usize = 16;

    pub fn open(url: &str) -> Result<PostgresStorage> {
        Ok(SqlStorage(Postgres::open(url, Self::DEFAULT_CONNECTIONS)?))
    }
}

impl<B: Backend> Storage for SqlStorage<B> {
    fn create_tenant(&self, id: Uuid, name: &str) -> Result<()> {
        self.0.write(&mut |db| users::create_tenant(db, id, name))
    }

    fn create_user(&self, tenant: Uuid, user: &User) -> Result<()> {
        self.0.write(&mut |db| users::create_user(db, tenant, user))
    }

    fn add_enrolment_code(
        &self,
        tenant: Uuid,
        user: Uuid,
        code_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        self.0
            .write(&mut |db| users::add_enrolment_code(db, tenant, user, code_hash, expires_at))
    }

    fn add_user_token(
        &self,
        tenant: Uuid,
        user: Uuid,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.0
            .write(&mut |db| users::add_user_token(db, tenant, user, token_hash, now))
    }

    fn enroll(
        &self,
        code_hash: &str,
        device_id: Uuid,
        device_name: Option<&str>,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<(Principal, String)> {
        self.0
            .write(&mut |db| users::enroll(db, code_hash, device_id, device_name, token_hash, now))
    }

    fn principal(&self, token_hash: &str) -> Result<Option<Principal>> {
        self.0.read(&mut |db| users::principal(db, token_hash))
    }

    fn revoke_device(&self, tenant: Uuid, device_id: Uuid, now: DateTime<Utc>) -> Result<()> {
        self.0
            .write(&mut |db| users::revoke_device(db, tenant, device_id, now))
    }

    fn save_route(&self, tenant: Uuid, route: &Route, courier: Option<Uuid>) -> Result<u64> {
        self.0
            .write(&mut |db| routes::save_route(db, tenant, route, courier))
    }

    fn assign_route(&self, tenant: Uuid, route: Uuid, courier: Uuid) -> Result<u64> {
        self.0
            .write(&mut |db| routes::assign_route(db, tenant, route, courier))
    }

    fn edit_stop(&self, tenant: Uuid, stop: Uuid, edit: &StopEdit) -> Result<u64> {
        self.0
            .write(&mut |db| routes::edit_stop(db, tenant, stop, edit))
    }

    fn route_report(&self, tenant: Uuid, route: Uuid) -> Result<RouteReport> {
        self.0
            .read(&mut |db| routes::route_report(db, tenant, route))
    }

    fn push(&self, who: &Principal, req: &PushRequest, now: DateTime<Utc>) -> Result<PushResponse> {
        let device = sync::check_push(who, req)?;
        self.0
            .write(&mut |db| sync::push(db, who, device, req, now))
    }

    fn pull(&self, who: &Principal, req: &PullRequest) -> Result<PullResponse> {
        if self.0.dialect() == sql::Dialect::Postgres {
            self.0
                .write(&mut |db| sync::number_changes(db, who.tenant_id))?;
        }
        self.0.read(&mut |db| sync::pull(db, who, req))
    }

    fn blob_offset(&self, tenant: Uuid, sha256: &str) -> Result<u64> {
        self.0
            .read(&mut |db| blobs::blob_offset(db, tenant, sha256))
    }

    fn blob_append(
        &self,
        tenant: Uuid,
        sha256: &str,
        offset: u64,
        total: u64,
        bytes: &[u8],
    ) -> Result<u64> {
        if total == 0 || total > blobs::MAX_BLOB_BYTES {
            return Err(StorageError::TooLarge(format!(
                "a photo must be between 1 byte and {} bytes",
                blobs::MAX_BLOB_BYTES
            )));
        }
        if offset + bytes.len() as u64 > total {
            return Err(StorageError::Invalid(
                "the chunk runs past Upload-Length".into(),
            ));
        }
        // A wrong hash commits the removal of the partial bytes, then refuses.
        self.0
            .write(&mut |db| blobs::blob_append(db, tenant, sha256, offset, total, bytes))?
            .ok_or_else(|| {
                StorageError::HashMismatch(
                    "the photo's bytes do not match its SHA-256 name; send it again".into(),
                )
            })
    }

    fn blob(&self, tenant: Uuid, sha256: &str) -> Result<Option<Vec<u8>>> {
        self.0.read(&mut |db| blobs::blob(db, tenant, sha256))
    }

    fn import(&self, tenant: Uuid, import: &Import) -> Result<Imported> {
        self.0.write(&mut |db| import::import(db, tenant, import))
    }

    fn event(&self, tenant: Uuid, id: Uuid) -> Result<Option<OpBody>> {
        self.0.read(&mut |db| routes::event(db, tenant, id))
    }

    fn save_territories(&self, tenant: Uuid, list: &[NewTerritory]) -> Result<Vec<Uuid>> {
        self.0.write(&mut |db| territories::save(db, tenant, list))
    }

    fn assign_territory(&self, tenant: Uuid, territory: Uuid, rep: Uuid) -> Result<()> {
        self.0
            .write(&mut |db| territories::assign(db, tenant, territory, rep))
    }

    fn territories(&self, tenant: Uuid, rep: Option<Uuid>) -> Result<Vec<TerritoryInfo>> {
        self.0.read(&mut |db| territories::list(db, tenant, rep))
    }

    fn replacement_orders(&self, tenant: Uuid) -> Result<Vec<ReplacementOrder>> {
        self.0.read(&mut |db| territories::replacements(db, tenant))
    }

    fn territory_scope(
        &self,
        tenant: Uuid,
        rep: Uuid,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<doorstep_domain::sync::TerritoryScope> {
        self.0
            .read(&mut |db| territories::scope(db, tenant, rep, from, to))
    }

    fn save_accounts(
        &self,
        tenant: Uuid,
        list: &AccountsImport,
        ids: &[Uuid],
    ) -> Result<Vec<Uuid>> {
        list.validate()?;
        self.0
            .write(&mut |db| accounts::save(db, tenant, list, ids))
    }

    fn account(&self, tenant: Uuid, id: Uuid) -> Result<Account> {
        self.0.read(&mut |db| accounts::get(db, tenant, id))
    }

    fn territory_deliveries(
        &self,
        tenant: Uuid,
        rep: Uuid,
        date: chrono::NaiveDate,
        now: chrono::NaiveDateTime,
    ) -> Result<Vec<Delivery>> {
        self.0
            .read(&mut |db| territories::deliveries(db, tenant, rep, date, now))
    }
}

/// Opens the storage a URL names: `sqlite://PATH` (the default) or `postgres://…`.
pub fn open(url: &str) -> Result<std::sync::Arc<dyn Storage>> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        return Ok(std::sync::Arc::new(SqliteStorage::open(
            std::path::Path::new(path),
        )?));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(std::sync::Arc::new(PostgresStorage::open(url)?));
    }
    Err(StorageError::Invalid(format!(
        "\"{url}\" is not a database URL (expected sqlite://PATH or postgres://USER@HOST:PORT/DB)"
    )))
}
