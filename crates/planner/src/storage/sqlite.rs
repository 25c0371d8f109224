//! The embedded planner store: one SQLite file, WAL, `synchronous=FULL`.

use std::path::Path;
use std::sync::Mutex;

use chrono::{DateTime, NaiveDate, NaiveTime, SecondsFormat, Utc};
use doorstep_domain::sync::{
    scope_checksum, OpBody, PullRequest, PullResponse, PushRequest, PushResponse, Rejection,
    RouteState,
};
use doorstep_domain::{sha256_hex, OrderLine, Route, Stop, StopStatus};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use uuid::Uuid;

use super::{EventReport, PhotoState, Principal, Role, RouteReport, StopEdit, Storage, User};
use crate::{PlannerError, Result};

const MIGRATIONS: &[(i64, &str)] = &[(1, include_str!("../../migrations/sqlite/0001_init.sql"))];
const MAX_BLOB_BYTES: u64 = 25 * 1024 * 1024;

pub struct SqliteStorage {
    conn: Mutex<Connection>,
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn uuid(s: &str) -> Result<Uuid> {
    Uuid::parse_str(s).map_err(|e| PlannerError::Internal(format!("stored id {s}: {e}")))
}

fn parse<T: serde::de::DeserializeOwned>(s: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|_| PlannerError::Internal(format!("stored value \"{s}\" is unknown")))
}

impl SqliteStorage {
    pub fn open(path: &Path) -> Result<SqliteStorage> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                PlannerError::Invalid(format!("cannot create {}: {e}", dir.display()))
            })?;
        }
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)",
        )?;
        for (version, sql) in MIGRATIONS {
            let tx = conn.transaction()?;
            let done: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?1)",
                [version],
                |r| r.get(0),
            )?;
            if !done {
                tx.execute_batch(sql)?;
                tx.execute(
                    "INSERT INTO schema_migrations (version) VALUES (?1)",
                    [version],
                )?;
            }
            tx.commit()?;
        }
        Ok(SqliteStorage {
            conn: Mutex::new(conn),
        })
    }

    fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self
            .conn
            .lock()
            .map_err(|_| PlannerError::Internal("storage lock poisoned".into()))?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }
}

/// Records that a route changed; returns its new version (its place in the change log).
fn bump(tx: &Connection, tenant: Uuid, route: Uuid) -> Result<u64> {
    tx.execute(
        "INSERT INTO changes (tenant_id, route_id) VALUES (?1, ?2)",
        params![tenant.to_string(), route.to_string()],
    )?;
    let version = tx.last_insert_rowid() as u64;
    tx.execute(
        "UPDATE routes SET version = ?3 WHERE tenant_id = ?1 AND id = ?2",
        params![tenant.to_string(), route.to_string(), version],
    )?;
    Ok(version)
}

fn load_route(
    conn: &Connection,
    tenant: Uuid,
    id: Uuid,
) -> Result<(Route, Option<Uuid>, u64, Vec<Uuid>)> {
    let head = conn
        .query_row(
            "SELECT date, courier_name, courier_id, version FROM routes WHERE tenant_id = ?1 AND id = ?2",
            params![tenant.to_string(), id.to_string()],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?, r.get::<_, u64>(3)?)),
        )
        .optional()?
        .ok_or_else(|| PlannerError::NotFound(format!("no route {id}")))?;
    let mut stmt = conn.prepare_cached(
        "SELECT id, position, customer_name, customer_kind, address, lat, lon, contact_name, contact_phone,
                window_start, window_end, instructions, status, cancelled
         FROM stops WHERE tenant_id = ?1 AND route_id = ?2 ORDER BY position",
    )?;
    let rows = stmt
        .query_map(params![tenant.to_string(), id.to_string()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, u32>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, f64>(5)?,
                r.get::<_, f64>(6)?,
                r.get::<_, Option<String>>(7)?,
                r.get::<_, Option<String>>(8)?,
                r.get::<_, String>(9)?,
                r.get::<_, String>(10)?,
                r.get::<_, Option<String>>(11)?,
                r.get::<_, String>(12)?,
                r.get::<_, bool>(13)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut stops = Vec::with_capacity(rows.len());
    let mut cancelled = vec![];
    let time = |s: &str| {
        NaiveTime::parse_from_str(s, "%H:%M")
            .map_err(|e| PlannerError::Internal(format!("stored time {s}: {e}")))
    };
    for row in rows {
        let stop_id = uuid(&row.0)?;
        if row.13 {
            cancelled.push(stop_id);
        }
        stops.push(Stop {
            id: stop_id,
            position: row.1,
            customer_name: row.2,
            customer_kind: row
                .3
                .parse()
                .map_err(|e| PlannerError::Internal(format!("{e}")))?,
            address: row.4,
            lat: row.5,
            lon: row.6,
            contact_name: row.7,
            contact_phone: row.8,
            window_start: time(&row.9)?,
            window_end: time(&row.10)?,
            instructions: row.11,
            status: parse(&row.12)?,
            lines: lines_of(conn, tenant, stop_id)?,
        });
    }
    let route = Route {
        id,
        date: NaiveDate::parse_from_str(&head.0, "%Y-%m-%d")
            .map_err(|e| PlannerError::Internal(format!("stored date: {e}")))?,
        courier_name: head.1,
        stops,
    };
    Ok((
        route,
        head.2.as_deref().map(uuid).transpose()?,
        head.3,
        cancelled,
    ))
}

fn lines_of(conn: &Connection, tenant: Uuid, stop: Uuid) -> Result<Vec<OrderLine>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, sku, description, ordered_qty, unit, barcode FROM order_lines
         WHERE tenant_id = ?1 AND stop_id = ?2 ORDER BY position",
    )?;
    let rows = stmt
        .query_map(params![tenant.to_string(), stop.to_string()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, u32>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(id, sku, description, ordered_qty, unit, barcode)| {
            Ok(OrderLine {
                id: uuid(&id)?,
                sku,
                description,
                ordered_qty,
                unit,
                barcode,
            })
        })
        .collect()
}

/// The stop an op names, if it lies on a route of the caller.
struct StopRow {
    route_id: Uuid,
    status: StopStatus,
    cancelled: bool,
    courier_id: Option<Uuid>,
}

fn stop_row(tx: &Connection, tenant: Uuid, stop: Uuid) -> Result<Option<StopRow>> {
    let row = tx
        .query_row(
            "SELECT s.route_id, s.status, s.cancelled, r.courier_id FROM stops s JOIN routes r ON r.id = s.route_id
             WHERE s.tenant_id = ?1 AND s.id = ?2",
            params![tenant.to_string(), stop.to_string()],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, bool>(2)?, r.get::<_, Option<String>>(3)?)),
        )
        .optional()?;
    row.map(|(route, status, cancelled, courier)| {
        Ok(StopRow {
            route_id: uuid(&route)?,
            status: parse(&status)?,
            cancelled,
            courier_id: courier.as_deref().map(uuid).transpose()?,
        })
    })
    .transpose()
}

/// Applies one op. `Ok(Some(reason))` is a rejection: the op is stored and acked, not applied.
fn apply(tx: &Connection, who: &Principal, device: Uuid, body: &OpBody) -> Result<Option<String>> {
    let tenant = who.tenant_id;
    let stop_id = body.stop_id();
    let Some(stop) = stop_row(tx, tenant, stop_id)? else {
        return Ok(Some("this stop is not known to the planner".into()));
    };
    if who.role == Role::Courier && stop.courier_id != Some(who.user_id) {
        return Ok(Some(
            "this stop is on a route that is not assigned to you".into(),
        ));
    }
    let (event_id, kind, captured_at, photos, new_status): (
        Uuid,
        &str,
        DateTime<Utc>,
        Vec<String>,
        Option<StopStatus>,
    ) = match body {
        OpBody::PodRecorded { pod } => {
            let to = pod.outcome.status();
            let status = match pod.corrects {
                Some(original) => {
                    let known: bool = tx.query_row(
                        "SELECT EXISTS (SELECT 1 FROM events WHERE tenant_id = ?1 AND id = ?2 AND stop_id = ?3)",
                        params![tenant.to_string(), original.to_string(), stop_id.to_string()],
                        |r| r.get(0),
                    )?;
                    if !known {
                        return Ok(Some(
                            "the proof of delivery this one corrects is not known".into(),
                        ));
                    }
                    Some(to)
                }
                None => {
                    if stop.cancelled {
                        return Ok(Some("dispatch cancelled this stop before the delivery arrived; call dispatch".into()));
                    }
                    match stop.status.advance(to) {
                        Ok(s) => Some(s),
                        Err(e) => return Ok(Some(e.to_string())),
                    }
                }
            };
            (pod.id, "pod", pod.captured_at, pod.photos.clone(), status)
        }
        OpBody::FailedAttemptRecorded { attempt } => {
            if stop.cancelled {
                return Ok(Some(
                    "dispatch cancelled this stop; no attempt was needed".into(),
                ));
            }
            let status = match stop.status.advance(StopStatus::Failed) {
                Ok(s) => s,
                Err(e) => return Ok(Some(e.to_string())),
            };
            (
                attempt.id,
                "failed_attempt",
                attempt.captured_at,
                attempt.photo.iter().cloned().collect(),
                Some(status),
            )
        }
        OpBody::ConditionNoteRecorded { note } => (
            note.id,
            "condition_note",
            note.captured_at,
            note.photos.clone(),
            None,
        ),
        OpBody::StopAdvanced { status, .. } => {
            return match stop.status.advance(*status) {
                Ok(s) => {
                    set_status(tx, tenant, stop_id, s)?;
                    bump(tx, tenant, stop.route_id)?;
                    Ok(None)
                }
                Err(e) => Ok(Some(e.to_string())),
            };
        }
    };
    let body_json =
        serde_json::to_string(body).map_err(|e| PlannerError::Internal(e.to_string()))?;
    let inserted = tx.execute(
        "INSERT OR IGNORE INTO events (id, tenant_id, stop_id, kind, body, captured_at, device_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            event_id.to_string(),
            tenant.to_string(),
            stop_id.to_string(),
            kind,
            body_json,
            ts(captured_at),
            device.to_string()
        ],
    )?;
    if inserted == 0 {
        return Ok(None); // the same event arrived before (e.g. from a restored copy): set union
    }
    for p in &photos {
        tx.execute(
            "INSERT OR IGNORE INTO event_photos (tenant_id, event_id, sha256) VALUES (?1, ?2, ?3)",
            params![tenant.to_string(), event_id.to_string(), p],
        )?;
    }
    if let Some(s) = new_status {
        set_status(tx, tenant, stop_id, s)?;
        bump(tx, tenant, stop.route_id)?;
    }
    Ok(None)
}

fn set_status(tx: &Connection, tenant: Uuid, stop: Uuid, status: StopStatus) -> Result<()> {
    tx.execute(
        "UPDATE stops SET status = ?3 WHERE tenant_id = ?1 AND id = ?2",
        params![tenant.to_string(), stop.to_string(), status.as_str()],
    )?;
    Ok(())
}

fn acked(tx: &Connection, device: Uuid, epoch: u32) -> Result<u64> {
    Ok(tx.query_row(
        "SELECT COALESCE(MAX(seq), 0) FROM ops WHERE device_id = ?1 AND epoch = ?2",
        params![device.to_string(), epoch],
        |r| r.get(0),
    )?)
}

fn rejections(tx: &Connection, device: Uuid, epoch: u32, after: u64) -> Result<Vec<Rejection>> {
    let mut stmt = tx.prepare_cached(
        "SELECT seq, stop_id, reason FROM rejections WHERE device_id = ?1 AND epoch = ?2 AND seq > ?3 ORDER BY seq",
    )?;
    let rows = stmt
        .query_map(params![device.to_string(), epoch, after], |r| {
            Ok((
                r.get::<_, u64>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(seq, stop, reason)| {
            Ok(Rejection {
                epoch,
                seq,
                stop_id: stop.as_deref().map(uuid).transpose()?,
                reason,
            })
        })
        .collect()
}

fn device_of(who: &Principal, device_id: Uuid) -> Result<Uuid> {
    match who.device_id {
        Some(d) if d == device_id => Ok(d),
        Some(_) => Err(PlannerError::Forbidden(
            "this token belongs to another device".into(),
        )),
        None => Err(PlannerError::Forbidden(
            "sync needs a device token; enrol the device first".into(),
        )),
    }
}

impl Storage for SqliteStorage {
    fn create_tenant(&self, id: Uuid, name: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO tenants (id, name) VALUES (?1, ?2)",
                params![id.to_string(), name],
            )?;
            Ok(())
        })
    }

    fn create_user(&self, tenant: Uuid, user: &User) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO users (id, tenant_id, name, role) VALUES (?1, ?2, ?3, ?4)",
                params![
                    user.id.to_string(),
                    tenant.to_string(),
                    user.name,
                    user.role.as_str()
                ],
            )?;
            Ok(())
        })
    }

    fn add_enrolment_code(
        &self,
        tenant: Uuid,
        user: Uuid,
        code_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO enrolment_codes (code_hash, tenant_id, user_id, expires_at) VALUES (?1, ?2, ?3, ?4)",
                params![code_hash, tenant.to_string(), user.to_string(), ts(expires_at)],
            )?;
            Ok(())
        })
    }

    fn add_user_token(
        &self,
        tenant: Uuid,
        user: Uuid,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO user_tokens (token_hash, tenant_id, user_id, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![token_hash, tenant.to_string(), user.to_string(), ts(now)],
            )?;
            Ok(())
        })
    }

    fn enroll(
        &self,
        code_hash: &str,
        device_id: Uuid,
        device_name: Option<&str>,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<(Principal, String)> {
        self.write(|tx| {
            let row = tx
                .query_row(
                    "SELECT c.tenant_id, c.user_id, c.expires_at, c.used_at, u.name, u.role, t.name
                     FROM enrolment_codes c JOIN users u ON u.id = c.user_id JOIN tenants t ON t.id = c.tenant_id
                     WHERE c.code_hash = ?1",
                    [code_hash],
                    |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, Option<String>>(3)?, r.get::<_, String>(4)?, r.get::<_, String>(5)?, r.get::<_, String>(6)?)),
                )
                .optional()?;
            let Some((tenant, user, expires_at, used_at, user_name, role, tenant_name)) = row else {
                return Err(PlannerError::Unauthorized("this enrolment code is not valid; ask dispatch for a new one".into()));
            };
            if used_at.is_some() {
                return Err(PlannerError::Unauthorized("this enrolment code was used already; ask dispatch for a new one".into()));
            }
            if expires_at < ts(now) {
                return Err(PlannerError::Unauthorized("this enrolment code has expired; ask dispatch for a new one".into()));
            }
            let taken: bool = tx.query_row("SELECT EXISTS (SELECT 1 FROM devices WHERE id = ?1)", [device_id.to_string()], |r| r.get(0))?;
            if taken {
                return Err(PlannerError::Conflict("a device with this id is enrolled already".into()));
            }
            tx.execute("UPDATE enrolment_codes SET used_at = ?2 WHERE code_hash = ?1", params![code_hash, ts(now)])?;
            tx.execute(
                "INSERT INTO devices (id, tenant_id, user_id, name, token_hash, enrolled_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![device_id.to_string(), tenant, user, device_name, token_hash, ts(now)],
            )?;
            Ok((
                Principal { tenant_id: uuid(&tenant)?, user_id: uuid(&user)?, user_name, role: Role::parse(&role)?, device_id: Some(device_id) },
                tenant_name,
            ))
        })
    }

    fn principal(&self, token_hash: &str) -> Result<Option<Principal>> {
        let conn = self
            .conn
            .lock()
            .map_err(|_| PlannerError::Internal("storage lock poisoned".into()))?;
        let device = conn
            .query_row(
                "SELECT d.tenant_id, d.user_id, u.name, u.role, d.id, d.revoked_at FROM devices d JOIN users u ON u.id = d.user_id
                 WHERE d.token_hash = ?1",
                [token_hash],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?, Some(r.get::<_, String>(4)?), r.get::<_, Option<String>>(5)?)),
            )
            .optional()?;
        let row = match device {
            Some(row) => Some(row),
            None => conn
                .query_row(
                    "SELECT t.tenant_id, t.user_id, u.name, u.role FROM user_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?1",
                    [token_hash],
                    |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?, None, None)),
                )
                .optional()?,
        };
        match row {
            None | Some((_, _, _, _, _, Some(_))) => Ok(None),
            Some((tenant, user, name, role, device, None)) => Ok(Some(Principal {
                tenant_id: uuid(&tenant)?,
                user_id: uuid(&user)?,
                user_name: name,
                role: Role::parse(&role)?,
                device_id: device.as_deref().map(uuid).transpose()?,
            })),
        }
    }

    fn revoke_device(&self, tenant: Uuid, device_id: Uuid, now: DateTime<Utc>) -> Result<()> {
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE devices SET revoked_at = COALESCE(revoked_at, ?3) WHERE tenant_id = ?1 AND id = ?2",
                params![tenant.to_string(), device_id.to_string(), ts(now)],
            )?;
            if n == 0 {
                return Err(PlannerError::NotFound(format!("no device {device_id}")));
            }
            Ok(())
        })
    }

    fn save_route(&self, tenant: Uuid, route: &Route, courier: Option<Uuid>) -> Result<u64> {
        route
            .validate()
            .map_err(|e| PlannerError::Invalid(e.to_string()))?;
        self.write(|tx| {
            if let Some(c) = courier {
                let ok: bool = tx.query_row(
                    "SELECT EXISTS (SELECT 1 FROM users WHERE tenant_id = ?1 AND id = ?2 AND role = 'courier')",
                    params![tenant.to_string(), c.to_string()],
                    |r| r.get(0),
                )?;
                if !ok {
                    return Err(PlannerError::Invalid(format!("{c} is not a courier of this tenant")));
                }
            }
            let owner: Option<String> = tx
                .query_row("SELECT tenant_id FROM routes WHERE id = ?1", [route.id.to_string()], |r| r.get(0))
                .optional()?;
            if owner.is_some() {
                return Err(PlannerError::Conflict(format!("route {} exists already", route.id)));
            }
            tx.execute(
                "INSERT INTO routes (id, tenant_id, date, courier_id, courier_name) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![route.id.to_string(), tenant.to_string(), route.date.to_string(), courier.map(|c| c.to_string()), route.courier_name],
            )?;
            for s in &route.stops {
                tx.execute(
                    "INSERT INTO stops (id, tenant_id, route_id, position, customer_name, customer_kind, address, lat, lon,
                        contact_name, contact_phone, window_start, window_end, instructions, status)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
                    params![
                        s.id.to_string(), tenant.to_string(), route.id.to_string(), s.position, s.customer_name,
                        s.customer_kind.as_str(), s.address, s.lat, s.lon, s.contact_name, s.contact_phone,
                        s.window_start.format("%H:%M").to_string(), s.window_end.format("%H:%M").to_string(),
                        s.instructions, s.status.as_str()
                    ],
                )?;
                for (i, l) in s.lines.iter().enumerate() {
                    tx.execute(
                        "INSERT INTO order_lines (id, tenant_id, stop_id, position, sku, description, ordered_qty, unit, barcode)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                        params![l.id.to_string(), tenant.to_string(), s.id.to_string(), i as u32, l.sku, l.description, l.ordered_qty, l.unit, l.barcode],
                    )?;
                }
            }
            bump(tx, tenant, route.id)
        })
    }

    fn assign_route(&self, tenant: Uuid, route: Uuid, courier: Uuid) -> Result<u64> {
        self.write(|tx| {
            let name: Option<String> = tx
                .query_row(
                    "SELECT name FROM users WHERE tenant_id = ?1 AND id = ?2 AND role = 'courier'",
                    params![tenant.to_string(), courier.to_string()],
                    |r| r.get(0),
                )
                .optional()?;
            let name = name.ok_or_else(|| PlannerError::Invalid(format!("{courier} is not a courier of this tenant")))?;
            let n = tx.execute(
                "UPDATE routes SET courier_id = ?3, courier_name = ?4 WHERE tenant_id = ?1 AND id = ?2",
                params![tenant.to_string(), route.to_string(), courier.to_string(), name],
            )?;
            if n == 0 {
                return Err(PlannerError::NotFound(format!("no route {route}")));
            }
            bump(tx, tenant, route)
        })
    }

    fn edit_stop(&self, tenant: Uuid, stop: Uuid, edit: &StopEdit) -> Result<u64> {
        self.write(|tx| {
            let row = tx
                .query_row(
                    "SELECT route_id, window_start, window_end FROM stops WHERE tenant_id = ?1 AND id = ?2",
                    params![tenant.to_string(), stop.to_string()],
                    |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)),
                )
                .optional()?
                .ok_or_else(|| PlannerError::NotFound(format!("no stop {stop}")))?;
            let parse_t = |s: &str| NaiveTime::parse_from_str(s, "%H:%M").map_err(|e| PlannerError::Internal(e.to_string()));
            let start = edit.window_start.map_or_else(|| parse_t(&row.1), Ok)?;
            let end = edit.window_end.map_or_else(|| parse_t(&row.2), Ok)?;
            if end <= start {
                return Err(PlannerError::Invalid("the time window must end after it starts".into()));
            }
            if let Some(address) = &edit.address {
                if address.trim().is_empty() {
                    return Err(PlannerError::Invalid("the address cannot be empty".into()));
                }
                tx.execute("UPDATE stops SET address = ?3 WHERE tenant_id = ?1 AND id = ?2", params![tenant.to_string(), stop.to_string(), address.trim()])?;
            }
            tx.execute(
                "UPDATE stops SET window_start = ?3, window_end = ?4 WHERE tenant_id = ?1 AND id = ?2",
                params![tenant.to_string(), stop.to_string(), start.format("%H:%M").to_string(), end.format("%H:%M").to_string()],
            )?;
            if let Some(c) = edit.cancelled {
                tx.execute("UPDATE stops SET cancelled = ?3 WHERE tenant_id = ?1 AND id = ?2", params![tenant.to_string(), stop.to_string(), c])?;
            }
            bump(tx, tenant, uuid(&row.0)?)
        })
    }

    fn route_report(&self, tenant: Uuid, route: Uuid) -> Result<RouteReport> {
        let conn = self
            .conn
            .lock()
            .map_err(|_| PlannerError::Internal("storage lock poisoned".into()))?;
        let (route, courier_id, version, cancelled) = load_route(&conn, tenant, route)?;
        let mut events = vec![];
        let mut stmt = conn.prepare_cached("SELECT id, kind, body FROM events WHERE tenant_id = ?1 AND stop_id = ?2 ORDER BY captured_at, id")?;
        let mut photos = conn.prepare_cached(
            "SELECT p.sha256, EXISTS (SELECT 1 FROM blobs b WHERE b.tenant_id = p.tenant_id AND b.sha256 = p.sha256 AND b.complete = 1)
             FROM event_photos p WHERE p.tenant_id = ?1 AND p.event_id = ?2 ORDER BY p.sha256",
        )?;
        for stop in &route.stops {
            let rows = stmt
                .query_map(params![tenant.to_string(), stop.id.to_string()], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            for (id, kind, body) in rows {
                let photo_states = photos
                    .query_map(params![tenant.to_string(), id], |r| {
                        Ok(PhotoState {
                            sha256: r.get(0)?,
                            received: r.get(1)?,
                        })
                    })?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                events.push(EventReport {
                    id: uuid(&id)?,
                    stop_id: stop.id,
                    kind,
                    body: serde_json::from_str(&body)
                        .map_err(|e| PlannerError::Internal(e.to_string()))?,
                    complete: photo_states.iter().all(|p| p.received),
                    photos: photo_states,
                });
            }
        }
        Ok(RouteReport {
            route,
            courier_id,
            version,
            cancelled,
            events,
        })
    }

    fn push(&self, who: &Principal, req: &PushRequest, now: DateTime<Utc>) -> Result<PushResponse> {
        let device = device_of(who, req.device_id)?;
        if req.epoch == 0 {
            return Err(PlannerError::Invalid("epoch starts at 1".into()));
        }
        for op in &req.ops {
            if op.device_id != device || op.epoch != req.epoch {
                return Err(PlannerError::Invalid(format!(
                    "op {} names another device or epoch than the request",
                    op.seq
                )));
            }
            let json =
                serde_json::to_vec(&op.body).map_err(|e| PlannerError::Internal(e.to_string()))?;
            if sha256_hex(&json) != op.sha256 {
                return Err(PlannerError::Invalid(format!(
                    "op {}: its hash does not match its content",
                    op.seq
                )));
            }
        }
        if req.ops.windows(2).any(|w| w[1].seq != w[0].seq + 1) {
            return Err(PlannerError::Gap(
                "ops in a push must have contiguous seq numbers".into(),
            ));
        }
        self.write(|tx| {
            let stored = acked(tx, device, req.epoch)?;
            if let Some(first) = req.ops.first() {
                if first.seq == 0 || first.seq > stored + 1 {
                    return Err(PlannerError::Gap(format!(
                        "the planner holds ops up to {stored} for this device; the push starts at {}",
                        first.seq
                    )));
                }
            }
            for op in &req.ops {
                if op.seq <= stored {
                    let hash: String = tx.query_row(
                        "SELECT sha256 FROM ops WHERE device_id = ?1 AND epoch = ?2 AND seq = ?3",
                        params![device.to_string(), req.epoch, op.seq],
                        |r| r.get(0),
                    )?;
                    if hash != op.sha256 {
                        tracing::warn!(device = %device, epoch = req.epoch, seq = op.seq, "op replayed with different content");
                        return Err(PlannerError::Conflict(format!(
                            "op {} was received before with different content; call dispatch",
                            op.seq
                        )));
                    }
                    continue;
                }
                let body = serde_json::to_string(&op.body).map_err(|e| PlannerError::Internal(e.to_string()))?;
                tx.execute(
                    "INSERT INTO ops (tenant_id, device_id, epoch, seq, sha256, kind, body, received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![who.tenant_id.to_string(), device.to_string(), req.epoch, op.seq, op.sha256, op.body.kind(), body, ts(now)],
                )?;
                if let Some(reason) = apply(tx, who, device, &op.body)? {
                    tx.execute(
                        "INSERT INTO rejections (tenant_id, device_id, epoch, seq, stop_id, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        params![who.tenant_id.to_string(), device.to_string(), req.epoch, op.seq, op.body.stop_id().to_string(), reason],
                    )?;
                }
            }
            let acked_seq = acked(tx, device, req.epoch)?;
            // Rejections of earlier pushes whose answer was lost come back too.
            let first = req.ops.first().map_or(acked_seq, |o| o.seq.saturating_sub(1));
            let mut all = rejections(tx, device, req.epoch, first)?;
            all.retain(|r| r.seq <= acked_seq);
            Ok(PushResponse { acked_seq, rejections: all })
        })
    }

    fn pull(&self, who: &Principal, req: &PullRequest) -> Result<PullResponse> {
        let device = device_of(who, req.device_id)?;
        let conn = self
            .conn
            .lock()
            .map_err(|_| PlannerError::Internal("storage lock poisoned".into()))?;
        let tenant = who.tenant_id.to_string();
        let head: u64 = conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM changes", [], |r| {
            r.get(0)
        })?;
        if req.cursor > head {
            return Err(PlannerError::Invalid(
                "this cursor is ahead of the planner; pull from 0".into(),
            ));
        }
        let mut scope: Vec<(Uuid, u64)> = conn
            .prepare_cached(
                "SELECT id, version FROM routes WHERE tenant_id = ?1 AND courier_id = ?2",
            )?
            .query_map(params![tenant, who.user_id.to_string()], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?
            .into_iter()
            .map(|(id, v)| Ok((uuid(&id)?, v)))
            .collect::<Result<_>>()?;
        let in_scope: std::collections::HashSet<Uuid> = scope.iter().map(|(id, _)| *id).collect();
        let changed: Vec<Uuid> = conn
            .prepare_cached(
                "SELECT DISTINCT route_id FROM changes WHERE tenant_id = ?1 AND seq > ?2",
            )?
            .query_map(params![tenant, req.cursor], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?
            .iter()
            .map(|s| uuid(s))
            .collect::<Result<_>>()?;
        let mut routes = vec![];
        let mut removed = vec![];
        for id in changed {
            if in_scope.contains(&id) {
                let (route, _, version, cancelled) = load_route(&conn, who.tenant_id, id)?;
                routes.push(RouteState {
                    route,
                    version,
                    cancelled,
                });
            } else if req.cursor > 0 {
                removed.push(id);
            }
        }
        routes.sort_by_key(|r| r.route.id);
        let acked_seq = acked(&conn, device, req.epoch)?;
        Ok(PullResponse {
            cursor: head,
            routes,
            removed,
            scope_checksum: scope_checksum(&mut scope),
            acked_seq,
            rejections: rejections(&conn, device, req.epoch, 0)?,
        })
    }

    fn blob_offset(&self, tenant: Uuid, sha256: &str) -> Result<u64> {
        let conn = self
            .conn
            .lock()
            .map_err(|_| PlannerError::Internal("storage lock poisoned".into()))?;
        let complete: Option<u64> = conn
            .query_row(
                "SELECT length(data) FROM blobs WHERE tenant_id = ?1 AND sha256 = ?2",
                params![tenant.to_string(), sha256],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(len) = complete {
            return Ok(len);
        }
        Ok(conn.query_row(
            "SELECT COALESCE(SUM(length(data)), 0) FROM blob_chunks WHERE tenant_id = ?1 AND sha256 = ?2",
            params![tenant.to_string(), sha256],
            |r| r.get(0),
        )?)
    }

    fn blob_append(
        &self,
        tenant: Uuid,
        sha256: &str,
        offset: u64,
        total: u64,
        bytes: &[u8],
    ) -> Result<u64> {
        if total == 0 || total > MAX_BLOB_BYTES {
            return Err(PlannerError::TooLarge(format!(
                "a photo must be between 1 byte and {MAX_BLOB_BYTES} bytes"
            )));
        }
        if offset + bytes.len() as u64 > total {
            return Err(PlannerError::Invalid(
                "the chunk runs past Upload-Length".into(),
            ));
        }
        let t = tenant.to_string();
        let held = self.write(|tx| {
            let complete: Option<u64> = tx
                .query_row("SELECT length(data) FROM blobs WHERE tenant_id = ?1 AND sha256 = ?2", params![t, sha256], |r| r.get(0))
                .optional()?;
            if let Some(len) = complete {
                return Ok(Some(len));
            }
            let (held, stored_total): (u64, Option<u64>) = tx.query_row(
                "SELECT COALESCE(SUM(length(data)), 0), MAX(total) FROM blob_chunks WHERE tenant_id = ?1 AND sha256 = ?2",
                params![t, sha256],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            if stored_total.is_some_and(|st| st != total) {
                return Err(PlannerError::Conflict(format!("Upload-Length {total} differs from the one given before")));
            }
            if offset != held {
                return Err(PlannerError::Conflict(format!("the planner holds {held} bytes of this photo; send from there")));
            }
            if !bytes.is_empty() {
                tx.execute(
                    "INSERT INTO blob_chunks (tenant_id, sha256, offset, total, data) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![t, sha256, offset, total, bytes],
                )?;
            }
            let held = held + bytes.len() as u64;
            if held < total {
                return Ok(Some(held));
            }
            let mut data = Vec::with_capacity(total as usize);
            {
                let mut stmt = tx.prepare("SELECT data FROM blob_chunks WHERE tenant_id = ?1 AND sha256 = ?2 ORDER BY offset")?;
                let mut rows = stmt.query(params![t, sha256])?;
                while let Some(row) = rows.next()? {
                    let chunk: Vec<u8> = row.get(0)?;
                    data.extend_from_slice(&chunk);
                }
            }
            tx.execute("DELETE FROM blob_chunks WHERE tenant_id = ?1 AND sha256 = ?2", params![t, sha256])?;
            if sha256_hex(&data) != sha256 {
                return Ok(None); // the partial bytes are dropped; the caller hears why
            }
            tx.execute("INSERT INTO blobs (tenant_id, sha256, data) VALUES (?1, ?2, ?3)", params![t, sha256, data])?;
            Ok(Some(held))
        })?;
        held.ok_or_else(|| {
            PlannerError::HashMismatch(
                "the photo's bytes do not match its SHA-256 name; send it again".into(),
            )
        })
    }

    fn blob(&self, tenant: Uuid, sha256: &str) -> Result<Option<Vec<u8>>> {
        let conn = self
            .conn
            .lock()
            .map_err(|_| PlannerError::Internal("storage lock poisoned".into()))?;
        Ok(conn
            .query_row(
                "SELECT data FROM blobs WHERE tenant_id = ?1 AND sha256 = ?2 AND complete = 1",
                params![tenant.to_string(), sha256],
                |r| r.get(0),
            )
            .optional()?)
    }
}
