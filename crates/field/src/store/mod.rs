//! The device store: one SQLite file (WAL, `synchronous=FULL`) beside a folder of photos.
//! Every user action is ONE transaction writing the domain rows and an outbox op.

mod events;
mod outbox;
mod photos;
mod rep;
mod routes;
mod stops;
mod sync;
pub mod territory;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use doorstep_domain::migration::{self, Migration};
use doorstep_domain::Clock;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use uuid::Uuid;

use crate::views::{Saved, SyncState};
use crate::{FieldError, Result};

pub use events::{ConditionNotes, FailedAttempts, Pods};
pub use outbox::{Outbox, OutboxEntry};
pub use photos::Photos;
pub use rep::{Rep, RepFilter};
pub use routes::Routes;
pub use stops::Stops;
pub use sync::Rejections;
pub(crate) use sync::{Applied, Credentials};
pub use territory::{DeliveryFilter, RepStop, RepTerritory, Territory, TerritoryApplied};

/// One migration file of `crates/field/migrations`.
macro_rules! migration {
    ($file:literal) => {
        Migration {
            file: $file,
            sql: include_str!(concat!("../../migrations/", $file)),
        }
    };
}

/// Migrations in the order they apply. Append-only: never edit one that has landed; each
/// file's SHA-256 is in `migrations/MANIFEST`, and a database that applied another version of
/// a file is refused.
pub const MIGRATIONS: &[Migration] = &[
    migration!("0001_init.sql"),
    migration!("0002_sync.sql"),
    migration!("0003_territory.sql"),
    migration!("0004_rep_detail.sql"),
    migration!("0005_route_boxes.sql"),
];

pub const DB_FILE: &str = "doorstep.db";
pub const PHOTO_DIR: &str = "photos";

/// Who this device is on the wire: `(device_id, epoch)` numbers every outbox op.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceIdentity {
    pub device_id: Uuid,
    pub epoch: u32,
}

/// The device's store. Open one per data folder; it is not shared between processes.
pub struct Store {
    conn: Connection,
    photo_dir: PathBuf,
    clock: Arc<dyn Clock>,
    device: DeviceIdentity,
}

impl Store {
    /// Opens (or creates) the store in `dir`, applying any pending migrations.
    pub fn open(dir: &Path, clock: Arc<dyn Clock>) -> Result<Store> {
        let photo_dir = dir.join(PHOTO_DIR);
        std::fs::create_dir_all(&photo_dir).map_err(|e| FieldError::io(&photo_dir, e))?;
        let mut conn = Connection::open(dir.join(DB_FILE))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: a commit the UI confirmed survives power loss, not only a process crash.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrate(&mut conn, &*clock)?;
        let device = ensure_device(&mut conn, &*clock)?;
        Ok(Store {
            conn,
            photo_dir,
            clock,
            device,
        })
    }

    pub fn device(&self) -> DeviceIdentity {
        self.device
    }

    pub fn clock(&self) -> &dyn Clock {
        &*self.clock
    }

    pub fn routes(&mut self) -> Routes<'_> {
        Routes { store: self }
    }

    pub fn stops(&mut self) -> Stops<'_> {
        Stops { store: self }
    }

    /// A sales rep's territories and the deliveries inside them.
    /// A sales rep's screens and resolutions.
    pub fn rep(&mut self) -> Rep<'_> {
        Rep { store: self }
    }

    pub fn territory(&mut self) -> Territory<'_> {
        Territory { store: self }
    }

    pub fn pods(&mut self) -> Pods<'_> {
        Pods { store: self }
    }

    pub fn failed_attempts(&mut self) -> FailedAttempts<'_> {
        FailedAttempts { store: self }
    }

    pub fn condition_notes(&mut self) -> ConditionNotes<'_> {
        ConditionNotes { store: self }
    }

    pub fn photos(&mut self) -> Photos<'_> {
        Photos { store: self }
    }

    pub fn outbox(&self) -> Outbox<'_> {
        Outbox { conn: &self.conn }
    }

    /// What waits to sync and how the last sync went. Until the device is connected to a
    /// planner, `planner_url` is `None` and everything waits, safe on the phone.
    pub fn sync_state(&self) -> Result<SyncState> {
        let waiting_ops = self.outbox().len()?;
        let waiting_photo_bytes: i64 = self.conn.query_row(
            "SELECT COALESCE(SUM(p.bytes), 0) FROM photos p
             WHERE p.uploaded = 0 AND EXISTS (SELECT 1 FROM event_photos e WHERE e.sha256 = p.sha256)",
            [],
            |r| r.get(0),
        )?;
        let (planner_url, last_sync_at, last_error, unseen_rejections, role, user_name) =
            self.conn.query_row(
                "SELECT planner_url, last_sync_at, last_error,
                    (SELECT COUNT(*) FROM rejections WHERE seen_at IS NULL), role, user_name
             FROM sync_state WHERE id = 1",
                [],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                },
            )?;
        Ok(SyncState {
            waiting_ops,
            waiting_photo_bytes: waiting_photo_bytes as u64,
            planner_url,
            last_sync_at,
            last_error,
            unseen_rejections,
            role,
            user_name,
        })
    }

    /// `PRAGMA integrity_check` plus the outbox's own invariant (contiguous seq). `Ok(())` or
    /// a description of what is broken.
    /// Removes what a crash can leave in the photo folder: a half-written `.partial` file, or
    /// a whole file whose row never committed. No row names either, so nothing refers to them;
    /// a photo taken again is written again. Call it once at start-up, before a second
    /// connection (the sync loop's) opens, so no photo is being saved meanwhile.
    pub fn sweep_orphan_photos(&self) -> Result<usize> {
        sweep_photo_dir(&self.conn, &self.photo_dir)
    }

    pub fn check_integrity(&self) -> Result<()> {
        let verdict: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if verdict != "ok" {
            return Err(FieldError::Invalid(format!(
                "the database is damaged: {verdict}"
            )));
        }
        self.outbox().check_contiguous()
    }

    /// Runs `f` in one transaction: all of it commits, or none of it does.
    fn write<T>(&mut self, f: impl FnOnce(&Transaction<'_>, &Ctx<'_>) -> Result<T>) -> Result<T> {
        let ctx = Ctx {
            clock: &*self.clock,
            device: self.device,
        };
        // IMMEDIATE: the sync loop may hold a second connection to the same file; taking the
        // write lock up front waits (busy_timeout) instead of failing on a read-to-write upgrade.
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let out = f(&tx, &ctx)?;
        crate::failpoint::hit("store.before_commit");
        tx.commit()?;
        crate::failpoint::hit("store.after_commit");
        Ok(out)
    }

    fn saved(&self, id: Uuid, stop_status: doorstep_domain::StopStatus) -> Result<Saved> {
        Ok(Saved {
            id,
            stop_status,
            waiting_to_sync: self.outbox().len()?,
        })
    }
}

/// What a write needs besides the transaction.
struct Ctx<'a> {
    clock: &'a dyn Clock,
    device: DeviceIdentity,
}

impl Ctx<'_> {
    /// The device time at the precision it is stored with (milliseconds), so what a record
    /// says and what its row says never differ.
    fn now(&self) -> DateTime<Utc> {
        let t = self.clock.now();
        DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap_or(t)
    }
}

/// Brings the schema up to date, refusing a database another build migrated (a file's hash
/// differs, or a version this build does not know).
fn migrate(conn: &mut Connection, clock: &dyn Clock) -> Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL,
            sha256 TEXT)",
    )?;
    // One writer at a time: a second process opening the file waits, then finds nothing to do.
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    adopt_unhashed(&tx)?;
    let applied = tx
        .prepare("SELECT version, sha256 FROM schema_migrations ORDER BY version")?
        .query_map([], |r| {
            Ok(migration::Applied {
                version: r.get(0)?,
                sha256: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let pending =
        migration::pending(MIGRATIONS, &applied).map_err(|e| FieldError::Invalid(e.to_string()))?;
    for m in pending {
        tx.execute_batch(m.sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at, sha256)
             VALUES (?1, ?2, ?3, ?4)",
            params![m.version(), m.name(), ts(clock.now()), m.sha256()],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// A database made before migrations were hashed has no `sha256` column. Nothing recorded
/// which files it ran, so it takes this build's hashes of the versions it has.
fn adopt_unhashed(tx: &rusqlite::Transaction<'_>) -> Result<()> {
    let hashed: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM pragma_table_info('schema_migrations') WHERE name = 'sha256')",
        [],
        |r| r.get(0),
    )?;
    if !hashed {
        tx.execute_batch("ALTER TABLE schema_migrations ADD COLUMN sha256 TEXT")?;
        for m in MIGRATIONS {
            tx.execute(
                "UPDATE schema_migrations SET sha256 = ?1 WHERE version = ?2",
                params![m.sha256(), m.version()],
            )?;
        }
    }
    Ok(())
}

fn ensure_device(conn: &mut Connection, clock: &dyn Clock) -> Result<DeviceIdentity> {
    let tx = conn.transaction()?;
    let found = tx
        .query_row(
            "SELECT device_id, epoch FROM device WHERE id = 1",
            [],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?)),
        )
        .optional()?;
    let identity = match found {
        Some((id, epoch)) => DeviceIdentity {
            device_id: parse_uuid(&id)?,
            epoch,
        },
        None => {
            let identity = DeviceIdentity {
                device_id: clock.new_id(),
                epoch: 1,
            };
            tx.execute(
                "INSERT INTO device (id, device_id, epoch, last_seq, created_at) VALUES (1, ?1, ?2, 0, ?3)",
                params![identity.device_id.to_string(), identity.epoch, ts(clock.now())],
            )?;
            identity
        }
    };
    tx.commit()?;
    Ok(identity)
}

fn sweep_photo_dir(conn: &Connection, dir: &Path) -> Result<usize> {
    let mut removed = 0;
    let entries = std::fs::read_dir(dir).map_err(|e| FieldError::io(dir, e))?;
    let mut known = conn.prepare("SELECT EXISTS (SELECT 1 FROM photos WHERE sha256 = ?1)")?;
    for entry in entries {
        let path = entry.map_err(|e| FieldError::io(dir, e))?.path();
        let orphan = match path.extension().and_then(|e| e.to_str()) {
            Some("partial") => true,
            Some("jpg") => {
                let sha = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
                !known.query_row([sha], |r| r.get::<_, bool>(0))?
            }
            _ => false,
        };
        if orphan {
            std::fs::remove_file(&path).map_err(|e| FieldError::io(&path, e))?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// How timestamps are stored: RFC 3339, UTC, milliseconds.
pub(crate) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub(crate) fn parse_ts(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| FieldError::Invalid(format!("stored time \"{s}\" is unreadable: {e}")))
}

pub(crate) fn parse_uuid(s: &str) -> Result<Uuid> {
    Uuid::parse_str(s)
        .map_err(|e| FieldError::Invalid(format!("stored id \"{s}\" is unreadable: {e}")))
}

/// Reads a snake_case enum stored as text through its serde name.
pub(crate) fn parse_enum<T: serde::de::DeserializeOwned>(s: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|_| FieldError::Invalid(format!("stored value \"{s}\" is unknown")))
}

/// The serde name of a snake_case enum, for storing it as text.
pub(crate) fn enum_str<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => unreachable!("only unit enum variants are stored as text"),
    }
}
