//! The planner's business operations, written once against [`Db`] and run by both stores.
//! Each public function is one whole operation; the caller runs it inside one transaction.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use doorstep_domain::resolution::Resolution;
use doorstep_domain::sync::{
    scope_checksum, Op, OpBody, PullRequest, PullResponse, PushRequest, PushResponse, Rejection,
    RouteState,
};
use doorstep_domain::{sha256_hex, OrderLine, Route, Stop, StopStatus};
use uuid::Uuid;

use super::sql::{p, Db, Row, Val};
use super::{EventReport, PhotoState, Principal, Role, RouteReport, StopEdit, User};
use crate::import::{CustomerOf, Import, Imported, NewCustomer, Problems};
use crate::{PlannerError, Result};

pub const MAX_BLOB_BYTES: u64 = 25 * 1024 * 1024;

pub(super) fn parse<T: serde::de::DeserializeOwned>(s: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|_| PlannerError::Internal(format!("stored value \"{s}\" is unknown")))
}

pub(super) fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| PlannerError::Internal(e.to_string()))
}

pub fn create_tenant(db: &mut dyn Db, id: Uuid, name: &str) -> Result<()> {
    db.exec(
        "INSERT INTO tenants (id, name) VALUES ($1, $2)",
        p![id, name],
    )?;
    Ok(())
}

pub fn create_user(db: &mut dyn Db, tenant: Uuid, user: &User) -> Result<()> {
    db.exec(
        "INSERT INTO users (id, tenant_id, name, role) VALUES ($1, $2, $3, $4)",
        p![user.id, tenant, &user.name, user.role.as_str()],
    )?;
    Ok(())
}

pub fn add_enrolment_code(
    db: &mut dyn Db,
    tenant: Uuid,
    user: Uuid,
    code_hash: &str,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    db.exec(
        "INSERT INTO enrolment_codes (code_hash, tenant_id, user_id, expires_at) VALUES ($1, $2, $3, $4)",
        p![code_hash, tenant, user, expires_at],
    )?;
    Ok(())
}

pub fn add_user_token(
    db: &mut dyn Db,
    tenant: Uuid,
    user: Uuid,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    db.exec(
        "INSERT INTO user_tokens (token_hash, tenant_id, user_id, created_at) VALUES ($1, $2, $3, $4)",
        p![token_hash, tenant, user, now],
    )?;
    Ok(())
}

pub fn enroll(
    db: &mut dyn Db,
    code_hash: &str,
    device_id: Uuid,
    device_name: Option<&str>,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<(Principal, String)> {
    let sql = format!(
        "SELECT c.tenant_id, c.user_id, c.expires_at, c.used_at, u.name, u.role, t.name
         FROM enrolment_codes c JOIN users u ON u.id = c.user_id JOIN tenants t ON t.id = c.tenant_id
         WHERE c.code_hash = $1{}",
        db.dialect().for_update("c")
    );
    let Some(row) = db.one(&sql, p![code_hash])? else {
        return Err(PlannerError::Unauthorized(
            "this enrolment code is not valid; ask dispatch for a new one".into(),
        ));
    };
    if row.opt_instant(3)?.is_some() {
        return Err(PlannerError::Unauthorized(
            "this enrolment code was used already; ask dispatch for a new one".into(),
        ));
    }
    if row.instant(2)? < now {
        return Err(PlannerError::Unauthorized(
            "this enrolment code has expired; ask dispatch for a new one".into(),
        ));
    }
    let (tenant, user) = (row.id(0)?, row.id(1)?);
    let known = db.one(
        "SELECT tenant_id, user_id FROM devices WHERE id = $1",
        p![device_id],
    )?;
    match known {
        // The same phone again, for the same person, with a fresh code: its earlier
        // enrolment's answer was lost on the way (or it was revoked and dispatch let it back
        // in). It gets a new token; the old one stops working; its ops keep their numbers.
        Some(d) if d.id(0)? == tenant && d.id(1)? == user => {
            db.exec(
                "UPDATE devices SET token_hash = $2, name = COALESCE($3, name), enrolled_at = $4,
                        revoked_at = NULL
                 WHERE id = $1",
                p![device_id, token_hash, device_name, now],
            )?;
        }
        Some(_) => {
            return Err(PlannerError::Conflict(
                "this device is enrolled for someone else; reinstall the app to enrol it for this person".into(),
            ));
        }
        None => {
            db.exec(
                "INSERT INTO devices (id, tenant_id, user_id, name, token_hash, enrolled_at) VALUES ($1, $2, $3, $4, $5, $6)",
                p![device_id, tenant, user, device_name, token_hash, now],
            )?;
        }
    }
    db.exec(
        "UPDATE enrolment_codes SET used_at = $2 WHERE code_hash = $1",
        p![code_hash, now],
    )?;
    Ok((
        Principal {
            tenant_id: tenant,
            user_id: user,
            user_name: row.text(4)?,
            role: Role::parse(&row.text(5)?)?,
            device_id: Some(device_id),
        },
        row.text(6)?,
    ))
}

pub fn principal(db: &mut dyn Db, token_hash: &str) -> Result<Option<Principal>> {
    let device = db.one(
        "SELECT d.tenant_id, d.user_id, u.name, u.role, d.id, d.revoked_at
         FROM devices d JOIN users u ON u.id = d.user_id WHERE d.token_hash = $1",
        p![token_hash],
    )?;
    let row = match device {
        Some(row) => row,
        None => match db.one(
            "SELECT t.tenant_id, t.user_id, u.name, u.role, NULL, NULL
             FROM user_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
            p![token_hash],
        )? {
            Some(row) => row,
            None => return Ok(None),
        },
    };
    if row.opt_instant(5)?.is_some() {
        return Ok(None); // revoked
    }
    Ok(Some(Principal {
        tenant_id: row.id(0)?,
        user_id: row.id(1)?,
        user_name: row.text(2)?,
        role: Role::parse(&row.text(3)?)?,
        device_id: row.opt_id(4)?,
    }))
}

pub fn revoke_device(
    db: &mut dyn Db,
    tenant: Uuid,
    device_id: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    let n = db.exec(
        "UPDATE devices SET revoked_at = COALESCE(revoked_at, $3) WHERE tenant_id = $1 AND id = $2",
        p![tenant, device_id, now],
    )?;
    if n == 0 {
        return Err(PlannerError::NotFound(format!("no device {device_id}")));
    }
    Ok(())
}

/// Numbers the tenant's changes that have committed since the last call, in one short
/// transaction under the tenant's change-log lock (PostgreSQL). Writers append changes
/// unnumbered and hold no shared lock; a change is numbered only once it has committed, and
/// numbering transactions take turns, so seq order is commit order: a pull cursor never steps
/// over a change that commits late (DESIGN.md §3). Pulls call it first (read-your-writes).
/// SQLite has one writer: AUTOINCREMENT is already commit order.
pub fn number_changes(db: &mut dyn Db, tenant: Uuid) -> Result<()> {
    if db.dialect() == super::sql::Dialect::Sqlite {
        return Ok(());
    }
    db.lock(&format!("changes:{tenant}"))?;
    db.exec(
        "UPDATE changes SET seq = nextval('change_numbers') WHERE tenant_id = $1 AND seq IS NULL",
        p![tenant],
    )?;
    Ok(())
}

/// Records that a route changed; returns its new version. `left` is the user whose scope the
/// route just left (a reassignment), who will hear of it as a removal.
fn bump(db: &mut dyn Db, tenant: Uuid, route: Uuid, left: Option<Uuid>) -> Result<u64> {
    db.exec(
        "INSERT INTO changes (tenant_id, route_id, left_user_id) VALUES ($1, $2, $3)",
        p![tenant, route, left],
    )?;
    db.row(
        "UPDATE routes SET version = version + 1 WHERE tenant_id = $1 AND id = $2 RETURNING version",
        p![tenant, route],
    )?
    .uint(0)
}

fn courier_name(db: &mut dyn Db, tenant: Uuid, courier: Uuid) -> Result<String> {
    db.one(
        "SELECT name FROM users WHERE tenant_id = $1 AND id = $2 AND role = 'courier'",
        p![tenant, courier],
    )?
    .map(|r| r.text(0))
    .transpose()?
    .ok_or_else(|| PlannerError::Invalid(format!("{courier} is not a courier of this tenant")))
}

pub fn save_route(
    db: &mut dyn Db,
    tenant: Uuid,
    route: &Route,
    courier: Option<Uuid>,
) -> Result<u64> {
    insert_route(db, tenant, route, courier, &[])?;
    bump(db, tenant, route.id, None)
}

/// Inserts a new route with its stops and lines, without announcing it (the caller bumps it).
/// `customers[i]` is the customer stop `i` was planned for, when it came from one.
fn insert_route(
    db: &mut dyn Db,
    tenant: Uuid,
    route: &Route,
    courier: Option<Uuid>,
    customers: &[Option<Uuid>],
) -> Result<()> {
    route
        .validate()
        .map_err(|e| PlannerError::Invalid(e.to_string()))?;
    if let Some(c) = courier {
        courier_name(db, tenant, c)?;
    }
    let exists = db
        .row(
            "SELECT EXISTS (SELECT 1 FROM routes WHERE id = $1)",
            p![route.id],
        )?
        .flag(0)?;
    if exists {
        return Err(PlannerError::Conflict(format!(
            "route {} exists already",
            route.id
        )));
    }
    db.exec(
        "INSERT INTO routes (id, tenant_id, date, courier_id, courier_name) VALUES ($1, $2, $3, $4, $5)",
        p![route.id, tenant, route.date, courier, &route.courier_name],
    )?;
    for (k, s) in route.stops.iter().enumerate() {
        let customer = customers.get(k).copied().flatten();
        db.exec(
            "INSERT INTO stops (id, tenant_id, route_id, position, customer_name, customer_kind, address, lat, lon,
                contact_name, contact_phone, window_start, window_end, instructions, status, customer_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
            p![
                s.id, tenant, route.id, s.position, &s.customer_name, s.customer_kind.as_str(),
                &s.address, s.lat, s.lon, &s.contact_name, &s.contact_phone, s.window_start,
                s.window_end, &s.instructions, s.status.as_str(), customer
            ],
        )?;
        for (i, l) in s.lines.iter().enumerate() {
            db.exec(
                "INSERT INTO order_lines (id, tenant_id, stop_id, position, sku, description, ordered_qty, unit, barcode)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                p![l.id, tenant, s.id, i, &l.sku, &l.description, l.ordered_qty, &l.unit, &l.barcode],
            )?;
        }
    }
    Ok(())
}

pub fn assign_route(db: &mut dyn Db, tenant: Uuid, route: Uuid, courier: Uuid) -> Result<u64> {
    let name = courier_name(db, tenant, courier)?;
    let sql = format!(
        "SELECT r.courier_id FROM routes r WHERE r.tenant_id = $1 AND r.id = $2{}",
        db.dialect().for_update("r")
    );
    let before = db
        .one(&sql, p![tenant, route])?
        .ok_or_else(|| PlannerError::NotFound(format!("no route {route}")))?
        .opt_id(0)?;
    db.exec(
        "UPDATE routes SET courier_id = $3, courier_name = $4 WHERE tenant_id = $1 AND id = $2",
        p![tenant, route, courier, name],
    )?;
    bump(db, tenant, route, before.filter(|b| *b != courier))
}

pub fn edit_stop(db: &mut dyn Db, tenant: Uuid, stop: Uuid, edit: &StopEdit) -> Result<u64> {
    let sql = format!(
        "SELECT s.route_id, s.window_start, s.window_end FROM stops s WHERE s.tenant_id = $1 AND s.id = $2{}",
        db.dialect().for_update("s")
    );
    let row = db
        .one(&sql, p![tenant, stop])?
        .ok_or_else(|| PlannerError::NotFound(format!("no stop {stop}")))?;
    let start = edit.window_start.map_or_else(|| row.clock(1), Ok)?;
    let end = edit.window_end.map_or_else(|| row.clock(2), Ok)?;
    if end <= start {
        return Err(PlannerError::Invalid(
            "the time window must end after it starts".into(),
        ));
    }
    let address = edit.address.as_deref().map(str::trim);
    if address == Some("") {
        return Err(PlannerError::Invalid("the address cannot be empty".into()));
    }
    db.exec(
        "UPDATE stops SET address = COALESCE($3, address), window_start = $4, window_end = $5,
                          cancelled = COALESCE($6, cancelled)
         WHERE tenant_id = $1 AND id = $2",
        p![tenant, stop, address, start, end, edit.cancelled],
    )?;
    bump(db, tenant, row.id(0)?, None)
}

/// A route with its courier, version and cancelled stops.
fn load_route(
    db: &mut dyn Db,
    tenant: Uuid,
    id: Uuid,
) -> Result<(Route, Option<Uuid>, u64, Vec<Uuid>)> {
    let head = db
        .one(
            "SELECT date, courier_name, courier_id, version FROM routes WHERE tenant_id = $1 AND id = $2",
            p![tenant, id],
        )?
        .ok_or_else(|| PlannerError::NotFound(format!("no route {id}")))?;
    let rows = db.query(
        "SELECT id, position, customer_name, customer_kind, address, lat, lon, contact_name, contact_phone,
                window_start, window_end, instructions, status, cancelled
         FROM stops WHERE tenant_id = $1 AND route_id = $2 ORDER BY position",
        p![tenant, id],
    )?;
    let line_rows = db.query(
        "SELECT l.stop_id, l.id, l.sku, l.description, l.ordered_qty, l.unit, l.barcode
         FROM order_lines l JOIN stops s ON s.id = l.stop_id
         WHERE l.tenant_id = $1 AND s.route_id = $2 ORDER BY l.stop_id, l.position",
        p![tenant, id],
    )?;
    let mut lines: std::collections::HashMap<Uuid, Vec<OrderLine>> = Default::default();
    for r in &line_rows {
        lines.entry(r.id(0)?).or_default().push(OrderLine {
            id: r.id(1)?,
            sku: r.text(2)?,
            description: r.text(3)?,
            ordered_qty: u32::try_from(r.int(4)?)
                .map_err(|_| PlannerError::Internal("stored quantity out of range".into()))?,
            unit: r.text(5)?,
            barcode: r.opt_text(6)?,
        });
    }
    let mut stops = Vec::with_capacity(rows.len());
    let mut cancelled = vec![];
    for r in &rows {
        let stop_id = r.id(0)?;
        if r.flag(13)? {
            cancelled.push(stop_id);
        }
        stops.push(Stop {
            id: stop_id,
            position: u32::try_from(r.int(1)?)
                .map_err(|_| PlannerError::Internal("stored position out of range".into()))?,
            customer_name: r.text(2)?,
            customer_kind: r
                .text(3)?
                .parse()
                .map_err(|e| PlannerError::Internal(format!("{e}")))?,
            address: r.text(4)?,
            lat: r.real(5)?,
            lon: r.real(6)?,
            contact_name: r.opt_text(7)?,
            contact_phone: r.opt_text(8)?,
            window_start: r.clock(9)?,
            window_end: r.clock(10)?,
            instructions: r.opt_text(11)?,
            status: parse(&r.text(12)?)?,
            lines: lines.remove(&stop_id).unwrap_or_default(),
        });
    }
    let route = Route {
        id,
        date: head.date(0)?,
        courier_name: head.text(1)?,
        stops,
    };
    Ok((route, head.opt_id(2)?, head.uint(3)?, cancelled))
}

pub fn route_report(db: &mut dyn Db, tenant: Uuid, route: Uuid) -> Result<RouteReport> {
    let (route, courier_id, version, cancelled) = load_route(db, tenant, route)?;
    let rows = db.query(
        "SELECT e.id, e.stop_id, e.kind, e.body FROM events e JOIN stops s ON s.id = e.stop_id
         WHERE e.tenant_id = $1 AND s.route_id = $2 ORDER BY e.captured_at, e.id",
        p![tenant, route.id],
    )?;
    let photo_rows = db.query(
        "SELECT p.event_id, p.sha256,
                EXISTS (SELECT 1 FROM blobs b WHERE b.tenant_id = p.tenant_id AND b.sha256 = p.sha256 AND b.complete)
         FROM event_photos p JOIN events e ON e.id = p.event_id JOIN stops s ON s.id = e.stop_id
         WHERE p.tenant_id = $1 AND s.route_id = $2 ORDER BY p.event_id, p.sha256",
        p![tenant, route.id],
    )?;
    let mut photos: std::collections::HashMap<Uuid, Vec<PhotoState>> = Default::default();
    for r in &photo_rows {
        photos.entry(r.id(0)?).or_default().push(PhotoState {
            sha256: r.text(1)?,
            received: r.flag(2)?,
        });
    }
    let mut events = Vec::with_capacity(rows.len());
    for r in &rows {
        let id = r.id(0)?;
        let photo_states = photos.remove(&id).unwrap_or_default();
        events.push(EventReport {
            id,
            stop_id: r.id(1)?,
            kind: r.text(2)?,
            body: serde_json::from_str(&r.text(3)?)
                .map_err(|e| PlannerError::Internal(e.to_string()))?,
            complete: photo_states.iter().all(|p| p.received),
            photos: photo_states,
        });
    }
    Ok(RouteReport {
        route,
        courier_id,
        version,
        cancelled,
        events,
    })
}

/// The stop an op names, with what the rules need to know about it.
#[derive(Clone)]
struct StopRow {
    route_id: Uuid,
    status: StopStatus,
    cancelled: bool,
    courier_id: Option<Uuid>,
    lat: f64,
    lon: f64,
}

/// `($s, $s+1, …)` groups for a multi-row statement: `rows` groups of `cols` parameters.
fn groups(rows: usize, cols: usize, start: usize) -> String {
    let mut out = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        out.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..cols {
            if c > 0 {
                out.push_str(", ");
            }
            out.push_str(&format!("${}", start + r * cols + c));
        }
        out.push(')');
    }
    out
}

/// `$s, $s+1, …` for an `IN (…)` list of `n` parameters.
pub(super) fn list(n: usize, start: usize) -> String {
    (start..start + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `insert VALUES (…), (…) suffix` for `rows`, in statements of at most 1,000 rows (well under
/// both databases' parameter limits).
fn insert_rows<const N: usize>(
    db: &mut dyn Db,
    insert: &str,
    suffix: &str,
    rows: &[[Val; N]],
) -> Result<()> {
    for chunk in rows.chunks(1000) {
        let sql = format!("{insert} VALUES {}{suffix}", groups(chunk.len(), N, 1));
        let params: Vec<Val> = chunk.iter().flatten().cloned().collect();
        db.exec(&sql, &params)?;
    }
    Ok(())
}

/// The stops a push names, locked (PostgreSQL) in id order so two pushes never deadlock.
fn stop_rows(
    db: &mut dyn Db,
    tenant: Uuid,
    stops: &BTreeSet<Uuid>,
) -> Result<HashMap<Uuid, StopRow>> {
    if stops.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT s.id, s.route_id, s.status, s.cancelled, r.courier_id, s.lat, s.lon FROM stops s JOIN routes r ON r.id = s.route_id
         WHERE s.tenant_id = $1 AND s.id IN ({}) ORDER BY s.id{}",
        list(stops.len(), 2),
        db.dialect().for_update("s")
    );
    let mut params: Vec<Val> = vec![tenant.into()];
    params.extend(stops.iter().map(Val::from));
    db.query(&sql, &params)?
        .iter()
        .map(|r| {
            Ok((
                r.id(0)?,
                StopRow {
                    route_id: r.id(1)?,
                    status: parse(&r.text(2)?)?,
                    cancelled: r.flag(3)?,
                    courier_id: r.opt_id(4)?,
                    lat: r.real(5)?,
                    lon: r.real(6)?,
                },
            ))
        })
        .collect()
}

/// Of `ids`, the events the planner holds already, with their stop.
fn known_events(
    db: &mut dyn Db,
    tenant: Uuid,
    ids: &BTreeSet<Uuid>,
) -> Result<HashMap<Uuid, Uuid>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT id, stop_id FROM events WHERE tenant_id = $1 AND id IN ({})",
        list(ids.len(), 2)
    );
    let mut params: Vec<Val> = vec![tenant.into()];
    params.extend(ids.iter().map(Val::from));
    db.query(&sql, &params)?
        .iter()
        .map(|r| Ok((r.id(0)?, r.id(1)?)))
        .collect()
}

/// The event an op records, if it records one.
fn event_id(body: &OpBody) -> Option<Uuid> {
    match body {
        OpBody::PodRecorded { pod } => Some(pod.id),
        OpBody::FailedAttemptRecorded { attempt } => Some(attempt.id),
        OpBody::ConditionNoteRecorded { note } => Some(note.id),
        OpBody::StopAdvanced { .. } => None,
        OpBody::DeliveryResolved { resolution } => Some(resolution.id),
    }
}

/// What a sales rep's ops are judged against: their territories, and the ordered lines of
/// the stops a replacement names. Empty for everyone else.
#[derive(Default)]
struct RepScope {
    areas: Vec<doorstep_domain::territory::Area>,
    lines: HashMap<Uuid, Vec<(Uuid, u32)>>,
}

fn rep_scope(db: &mut dyn Db, who: &Principal, ops: &[&Op]) -> Result<RepScope> {
    let mut scope = RepScope::default();
    if !ops
        .iter()
        .any(|o| matches!(o.body, OpBody::DeliveryResolved { .. }))
    {
        return Ok(scope);
    }
    if who.role == Role::SalesRep {
        for t in super::territories::list(db, who.tenant_id, Some(who.user_id))? {
            scope.areas.push(
                doorstep_domain::territory::Area::from_geojson(&t.area).map_err(|e| {
                    PlannerError::Internal(format!(
                        "stored territory {} is unreadable: {e}",
                        t.name
                    ))
                })?,
            );
        }
    }
    for op in ops {
        if let OpBody::DeliveryResolved { resolution } = &op.body {
            let stop = resolution.stop_id;
            if scope.lines.contains_key(&stop) {
                continue;
            }
            let rows = db.query(
                "SELECT id, ordered_qty FROM order_lines WHERE tenant_id = $1 AND stop_id = $2",
                p![who.tenant_id, stop],
            )?;
            let lines = rows
                .iter()
                .map(|r| Ok((r.id(0)?, r.uint(1)? as u32)))
                .collect::<Result<Vec<_>>>()?;
            scope.lines.insert(stop, lines);
        }
    }
    Ok(scope)
}

/// An event to store, as one op recorded it.
struct NewEvent<'a> {
    id: Uuid,
    stop_id: Uuid,
    kind: &'static str,
    body: &'a OpBody,
    captured_at: DateTime<Utc>,
    photos: Vec<&'a str>,
}

/// What one op does, decided by the rules of DESIGN.md §3 against the stops as this push has
/// left them so far. `Err(reason)` is a rejection: the op is stored and acked, not applied.
fn decide<'a>(
    who: &Principal,
    body: &'a OpBody,
    stops: &HashMap<Uuid, StopRow>,
    events: &HashMap<Uuid, Uuid>,
    rep: &RepScope,
) -> std::result::Result<(Option<NewEvent<'a>>, Option<StopStatus>), String> {
    let stop_id = body.stop_id();
    let Some(stop) = stops.get(&stop_id) else {
        return Err("this stop is not known to the planner".into());
    };
    let resolution = matches!(body, OpBody::DeliveryResolved { .. });
    match who.role {
        Role::Courier if stop.courier_id != Some(who.user_id) => {
            return Err("this stop is on a route that is not assigned to you".into());
        }
        Role::Courier if resolution => {
            return Err("resolutions come from sales reps and dispatch".into());
        }
        Role::SalesRep if !resolution => {
            return Err("a sales rep records resolutions, not deliveries".into());
        }
        Role::SalesRep if !rep.areas.iter().any(|a| a.contains(stop.lat, stop.lon)) => {
            return Err("this delivery is outside your territory".into());
        }
        _ => {}
    }
    if let OpBody::DeliveryResolved { resolution } = body {
        let lines = rep.lines.get(&stop_id).map_or(&[][..], Vec::as_slice);
        resolution
            .resolution
            .validate(lines)
            .map_err(|e| e.to_string())?;
    }
    if event_id(body).is_some_and(|id| events.contains_key(&id)) {
        // The same event arrived before (a restored copy, or twice in one push): set union.
        return Ok((None, None));
    }
    let event = |id, kind, captured_at| NewEvent {
        id,
        stop_id,
        kind,
        body,
        captured_at,
        photos: body.photos(),
    };
    let (event, status) = match body {
        OpBody::PodRecorded { pod } => {
            let to = pod.outcome.status();
            let status = match pod.corrects {
                Some(original) => {
                    if events.get(&original) != Some(&stop_id) {
                        return Err("the proof of delivery this one corrects is not known".into());
                    }
                    to
                }
                None => {
                    if stop.cancelled {
                        return Err("dispatch cancelled this stop before the delivery arrived; call dispatch".into());
                    }
                    stop.status.advance(to).map_err(|e| e.to_string())?
                }
            };
            (event(pod.id, "pod", pod.captured_at), Some(status))
        }
        OpBody::FailedAttemptRecorded { attempt } => {
            if stop.cancelled {
                return Err("dispatch cancelled this stop; no attempt was needed".into());
            }
            let status = stop
                .status
                .advance(StopStatus::Failed)
                .map_err(|e| e.to_string())?;
            (
                event(attempt.id, "failed_attempt", attempt.captured_at),
                Some(status),
            )
        }
        OpBody::ConditionNoteRecorded { note } => {
            (event(note.id, "condition_note", note.captured_at), None)
        }
        OpBody::StopAdvanced { status, .. } => {
            let s = stop.status.advance(*status).map_err(|e| e.to_string())?;
            return Ok((None, Some(s)));
        }
        OpBody::DeliveryResolved { resolution } => (
            event(resolution.id, "resolution", resolution.captured_at),
            None,
        ),
    };
    Ok((Some(event), status))
}

/// Applies the new ops of a push set-wise: a handful of statements per push, not per op.
fn apply_all(
    db: &mut dyn Db,
    who: &Principal,
    device: Uuid,
    epoch: u32,
    ops: &[&Op],
    now: DateTime<Utc>,
    changed: &mut BTreeSet<Uuid>,
) -> Result<Vec<Rejection>> {
    let tenant = who.tenant_id;
    let stop_ids: BTreeSet<Uuid> = ops.iter().map(|o| o.body.stop_id()).collect();
    let mut stops = stop_rows(db, tenant, &stop_ids)?;
    let mut event_ids = BTreeSet::new();
    for op in ops {
        event_ids.extend(event_id(&op.body));
        if let OpBody::PodRecorded { pod } = &op.body {
            event_ids.extend(pod.corrects);
        }
    }
    let mut events = known_events(db, tenant, &event_ids)?;
    let rep = rep_scope(db, who, ops)?;

    let mut new_events = vec![];
    let mut new_status: HashMap<Uuid, StopStatus> = HashMap::new();
    let mut refused: Vec<(u64, Uuid, String)> = vec![];
    // The op whose event is stored names it instead of repeating its body.
    let mut recorded: HashMap<u64, Uuid> = HashMap::new();
    for op in ops {
        match decide(who, &op.body, &stops, &events, &rep) {
            Err(reason) => {
                // The device already showed the op's effect; announcing the route again
                // sends it the stop as the planner holds it, so the phone does not keep
                // showing what was refused.
                if let Some(row) = stops.get(&op.body.stop_id()) {
                    changed.insert(row.route_id);
                }
                refused.push((op.seq, op.body.stop_id(), reason))
            }
            Ok((event, status)) => {
                let stop_id = op.body.stop_id();
                if let Some(e) = event {
                    if let (OpBody::DeliveryResolved { .. }, Some(row)) =
                        (e.body, stops.get(&e.stop_id))
                    {
                        // Dispatch sees it on the route; the route's courier hears of it.
                        changed.insert(row.route_id);
                    }
                    events.insert(e.id, e.stop_id);
                    recorded.insert(op.seq, e.id);
                    new_events.push(e);
                }
                if let (Some(s), Some(row)) = (status, stops.get_mut(&stop_id)) {
                    row.status = s;
                    new_status.insert(stop_id, s);
                    changed.insert(row.route_id);
                }
            }
        }
    }

    let op_rows = ops
        .iter()
        .map(|op| {
            let event = recorded.get(&op.seq).copied();
            let body = match event {
                Some(_) => Val::Null,
                None => json(&op.body)?.into(),
            };
            Ok([
                tenant.into(),
                device.into(),
                epoch.into(),
                op.seq.into(),
                Val::from(&op.sha256),
                op.body.kind().into(),
                body,
                event.into(),
                now.into(),
            ])
        })
        .collect::<Result<Vec<_>>>()?;
    insert_rows(
        db,
        "INSERT INTO ops (tenant_id, device_id, epoch, seq, sha256, kind, body, event_id, received_at)",
        "",
        &op_rows,
    )?;
    let event_rows = new_events
        .iter()
        .map(|e| {
            Ok([
                e.id.into(),
                tenant.into(),
                e.stop_id.into(),
                e.kind.into(),
                json(e.body)?.into(),
                e.captured_at.into(),
                device.into(),
            ])
        })
        .collect::<Result<Vec<_>>>()?;
    insert_rows(
        db,
        "INSERT INTO events (id, tenant_id, stop_id, kind, body, captured_at, device_id)",
        " ON CONFLICT DO NOTHING",
        &event_rows,
    )?;
    for e in &new_events {
        if let OpBody::DeliveryResolved { resolution } = e.body {
            if let Resolution::Replacement { lines, note } = &resolution.resolution {
                db.exec(
                    "INSERT INTO replacement_orders (id, tenant_id, stop_id, lines, note, requested_by, requested_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
                    p![resolution.id, tenant, resolution.stop_id, json(lines)?, note.as_deref(), who.user_id, now],
                )?;
            }
        }
    }
    let photo_rows: Vec<[Val; 3]> = new_events
        .iter()
        .flat_map(|e| {
            e.photos
                .iter()
                .map(move |sha| [tenant.into(), e.id.into(), (*sha).into()])
        })
        .collect();
    insert_rows(
        db,
        "INSERT INTO event_photos (tenant_id, event_id, sha256)",
        " ON CONFLICT DO NOTHING",
        &photo_rows,
    )?;
    let rejection_rows: Vec<[Val; 6]> = refused
        .iter()
        .map(|(seq, stop, reason)| {
            [
                tenant.into(),
                device.into(),
                epoch.into(),
                (*seq).into(),
                stop.into(),
                reason.into(),
            ]
        })
        .collect();
    insert_rows(
        db,
        "INSERT INTO rejections (tenant_id, device_id, epoch, seq, stop_id, reason)",
        "",
        &rejection_rows,
    )?;
    let statuses: Vec<(Uuid, StopStatus)> = new_status.into_iter().collect();
    for chunk in statuses.chunks(500) {
        let mut sql = String::from("UPDATE stops SET status = CASE id");
        let mut params: Vec<Val> = vec![tenant.into()];
        for (stop, status) in chunk {
            sql.push_str(&format!(
                " WHEN ${} THEN ${}",
                params.len() + 1,
                params.len() + 2
            ));
            params.extend([stop.into(), status.as_str().into()]);
        }
        sql.push_str(&format!(
            " ELSE status END WHERE tenant_id = $1 AND id IN ({})",
            (0..chunk.len())
                .map(|i| format!("${}", 2 + 2 * i))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        db.exec(&sql, &params)?;
    }
    Ok(refused
        .into_iter()
        .map(|(seq, stop, reason)| Rejection {
            epoch,
            seq,
            stop_id: Some(stop),
            reason,
        })
        .collect())
}

fn acked(db: &mut dyn Db, device: Uuid, epoch: u32) -> Result<u64> {
    db.row(
        "SELECT COALESCE(MAX(seq), 0) FROM ops WHERE device_id = $1 AND epoch = $2",
        p![device, epoch],
    )?
    .uint(0)
}

fn rejections(db: &mut dyn Db, device: Uuid, epoch: u32, after: u64) -> Result<Vec<Rejection>> {
    db.query(
        "SELECT seq, stop_id, reason FROM rejections WHERE device_id = $1 AND epoch = $2 AND seq > $3 ORDER BY seq",
        p![device, epoch, after],
    )?
    .iter()
    .map(|r| {
        Ok(Rejection {
            epoch,
            seq: r.uint(0)?,
            stop_id: r.opt_id(1)?,
            reason: r.text(2)?,
        })
    })
    .collect()
}

pub fn device_of(who: &Principal, device_id: Uuid) -> Result<Uuid> {
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

/// Checks a push before any storage: right device, hashes, contiguous seq.
pub fn check_push(who: &Principal, req: &PushRequest) -> Result<Uuid> {
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
    Ok(device)
}

pub fn push(
    db: &mut dyn Db,
    who: &Principal,
    device: Uuid,
    req: &PushRequest,
    now: DateTime<Utc>,
) -> Result<PushResponse> {
    // Two pushes from one device (a retry racing its original) take turns.
    let lock = format!(
        "SELECT d.id FROM devices d WHERE d.id = $1{}",
        db.dialect().for_update("d")
    );
    db.query(&lock, p![device])?;
    let stored = acked(db, device, req.epoch)?;
    if let Some(first) = req.ops.first() {
        if first.seq == 0 || first.seq > stored + 1 {
            return Err(PlannerError::Gap(format!(
                "the planner holds ops up to {stored} for this device; the push starts at {}",
                first.seq
            )));
        }
    }
    let last = req.ops.last().map_or(0, |o| o.seq);
    if last > 0 && req.ops[0].seq <= stored {
        // Replays: each must be what the planner stored under its seq.
        let held: HashMap<u64, String> = db
            .query(
                "SELECT seq, sha256 FROM ops WHERE device_id = $1 AND epoch = $2 AND seq >= $3 AND seq <= $4",
                p![device, req.epoch, req.ops[0].seq, stored.min(last)],
            )?
            .iter()
            .map(|r| Ok((r.uint(0)?, r.text(1)?)))
            .collect::<Result<_>>()?;
        for op in req.ops.iter().take_while(|o| o.seq <= stored) {
            if held.get(&op.seq) != Some(&op.sha256) {
                tracing::warn!(device = %device, epoch = req.epoch, seq = op.seq, "op replayed with different content");
                return Err(PlannerError::Conflict(format!(
                    "op {} was received before with different content; call dispatch",
                    op.seq
                )));
            }
        }
    }
    let fresh: Vec<&Op> = req.ops.iter().filter(|o| o.seq > stored).collect();
    let mut changed = BTreeSet::new();
    let refused = if fresh.is_empty() {
        vec![]
    } else {
        apply_all(db, who, device, req.epoch, &fresh, now, &mut changed)?
    };
    for route in changed {
        bump(db, who.tenant_id, route, None)?;
    }
    let acked_seq = stored.max(last);
    // A push that replays stored ops follows an answer that was lost: the rejections of those
    // ops come back too. Otherwise the rejections are this push's own.
    let rejections = match req.ops.first() {
        Some(first) if first.seq <= stored => {
            let mut all = rejections(db, device, req.epoch, first.seq - 1)?;
            all.retain(|r| r.seq <= acked_seq);
            all
        }
        _ => refused,
    };
    Ok(PushResponse {
        acked_seq,
        rejections,
    })
}

pub fn pull(db: &mut dyn Db, who: &Principal, req: &PullRequest) -> Result<PullResponse> {
    let device = device_of(who, req.device_id)?;
    let head = db
        .row(
            "SELECT COALESCE(MAX(seq), 0) FROM changes WHERE tenant_id = $1",
            p![who.tenant_id],
        )?
        .uint(0)?;
    if req.cursor > head {
        return Err(PlannerError::Invalid(
            "this cursor is ahead of the planner; pull from 0".into(),
        ));
    }
    let mut scope: Vec<(Uuid, u64)> = db
        .query(
            "SELECT id, version FROM routes WHERE tenant_id = $1 AND courier_id = $2",
            p![who.tenant_id, who.user_id],
        )?
        .iter()
        .map(|r| Ok((r.id(0)?, r.uint(1)?)))
        .collect::<Result<_>>()?;
    let in_scope: std::collections::HashSet<Uuid> = scope.iter().map(|(id, _)| *id).collect();
    let mut changed = BTreeSet::new();
    let mut left = BTreeSet::new();
    if req.cursor == 0 {
        // A first (or full) pull is the whole scope: no need to walk the change log.
        changed.extend(in_scope.iter().copied());
    }
    for r in db.query(
        "SELECT route_id, left_user_id FROM changes WHERE tenant_id = $1 AND seq > $2 AND seq <= $3",
        // From 0 the range is empty: the whole scope is already in `changed`.
        p![who.tenant_id, if req.cursor == 0 { head } else { req.cursor }, head],
    )? {
        let route = r.id(0)?;
        if in_scope.contains(&route) {
            changed.insert(route);
        } else if req.cursor > 0 && r.opt_id(1)? == Some(who.user_id) {
            left.insert(route);
        }
    }
    let mut routes = vec![];
    for id in changed {
        let (route, _, version, cancelled) = load_route(db, who.tenant_id, id)?;
        let resolutions = super::accounts::route_resolutions(db, who.tenant_id, id)?;
        routes.push(RouteState {
            route,
            version,
            cancelled,
            resolutions,
        });
    }
    let removed: Vec<Uuid> = left.into_iter().collect();
    Ok(PullResponse {
        cursor: head,
        routes,
        removed,
        scope_checksum: scope_checksum(&mut scope),
        acked_seq: acked(db, device, req.epoch)?,
        rejections: rejections(db, device, req.epoch, 0)?,
    })
}

fn blob_len(db: &mut dyn Db, tenant: Uuid, sha256: &str) -> Result<Option<u64>> {
    db.one(
        "SELECT length(data) FROM blobs WHERE tenant_id = $1 AND sha256 = $2",
        p![tenant, sha256],
    )?
    .map(|r| r.uint(0))
    .transpose()
}

pub fn blob_offset(db: &mut dyn Db, tenant: Uuid, sha256: &str) -> Result<u64> {
    if let Some(len) = blob_len(db, tenant, sha256)? {
        return Ok(len);
    }
    db.row(
        "SELECT COALESCE(SUM(length(data)), 0) FROM blob_chunks WHERE tenant_id = $1 AND sha256 = $2",
        p![tenant, sha256],
    )?
    .uint(0)
}

/// Appends a chunk. `Ok(None)`: the blob completed with the wrong hash and was dropped.
pub fn blob_append(
    db: &mut dyn Db,
    tenant: Uuid,
    sha256: &str,
    offset: u64,
    total: u64,
    bytes: &[u8],
) -> Result<Option<u64>> {
    db.lock(&format!("blob:{tenant}:{sha256}"))?;
    if let Some(len) = blob_len(db, tenant, sha256)? {
        return Ok(Some(len));
    }
    let row = db.row(
        "SELECT COALESCE(SUM(length(data)), 0), MAX(total) FROM blob_chunks WHERE tenant_id = $1 AND sha256 = $2",
        p![tenant, sha256],
    )?;
    let held = row.uint(0)?;
    if row.0[1] != super::sql::Val::Null && row.uint(1)? != total {
        return Err(PlannerError::Conflict(format!(
            "Upload-Length {total} differs from the one given before"
        )));
    }
    if offset != held {
        return Err(PlannerError::Conflict(format!(
            "the planner holds {held} bytes of this photo; send from there"
        )));
    }
    if !bytes.is_empty() {
        db.exec(
            "INSERT INTO blob_chunks (tenant_id, sha256, \"offset\", total, data) VALUES ($1, $2, $3, $4, $5)",
            p![tenant, sha256, offset, total, bytes],
        )?;
    }
    let held = held + bytes.len() as u64;
    if held < total {
        return Ok(Some(held));
    }
    let mut data = Vec::with_capacity(total as usize);
    for r in db.query(
        "SELECT data FROM blob_chunks WHERE tenant_id = $1 AND sha256 = $2 ORDER BY \"offset\"",
        p![tenant, sha256],
    )? {
        data.extend_from_slice(&r.bytes(0)?);
    }
    db.exec(
        "DELETE FROM blob_chunks WHERE tenant_id = $1 AND sha256 = $2",
        p![tenant, sha256],
    )?;
    if sha256_hex(&data) != sha256 {
        return Ok(None); // the partial bytes are dropped; the caller hears why
    }
    db.exec(
        "INSERT INTO blobs (tenant_id, sha256, data) VALUES ($1, $2, $3)",
        p![tenant, sha256, data],
    )?;
    Ok(Some(held))
}

pub fn blob(db: &mut dyn Db, tenant: Uuid, sha256: &str) -> Result<Option<Vec<u8>>> {
    db.one(
        "SELECT data FROM blobs WHERE tenant_id = $1 AND sha256 = $2 AND complete",
        p![tenant, sha256],
    )?
    .map(|r| r.bytes(0))
    .transpose()
}

/// A courier an import names, by id or by name (case does not matter), among the tenant's
/// users; `Err` says in plain words why none fits.
fn find_courier(
    users: &[(Uuid, String, Role)],
    key: &str,
) -> std::result::Result<(Uuid, String), String> {
    let role_of = |role: Role| role.as_str().replace('_', " ");
    if let Ok(id) = Uuid::parse_str(key) {
        return match users.iter().find(|(u, _, _)| *u == id) {
            Some((_, name, Role::Courier)) => Ok((id, name.clone())),
            Some((_, name, role)) => Err(format!("{name} is a {}, not a courier", role_of(*role))),
            None => Err(format!("no courier has the id {id}")),
        };
    }
    let wanted = key.to_lowercase();
    let named: Vec<&(Uuid, String, Role)> = users
        .iter()
        .filter(|(_, name, _)| name.to_lowercase() == wanted)
        .collect();
    let couriers: Vec<&&(Uuid, String, Role)> = named
        .iter()
        .filter(|(_, _, r)| *r == Role::Courier)
        .collect();
    match (couriers.as_slice(), named.first()) {
        ([(id, name, _)], _) => Ok((*id, name.clone())),
        ([], Some((_, name, role))) => {
            Err(format!("{name} is a {}, not a courier", role_of(*role)))
        }
        ([], None) => Err(format!("no courier is named \"{key}\"")),
        (many, _) => Err(format!(
            "{} couriers are named \"{key}\": give the courier's id instead",
            many.len()
        )),
    }
}

fn stored_customer(r: &Row, reference: &str) -> Result<NewCustomer> {
    Ok(NewCustomer {
        id: r.id(0)?,
        reference: Some(reference.to_owned()),
        name: r.text(1)?,
        kind: r
            .text(2)?
            .parse()
            .map_err(|e| PlannerError::Internal(format!("{e}")))?,
        address: r.text(3)?,
        lat: r.real(4)?,
        lon: r.real(5)?,
        contact_name: r.opt_text(6)?,
        contact_phone: r.opt_text(7)?,
    })
}

/// Checks what an import needs from the database, then stores all of it or nothing: customers
/// are upserted by ref, routes inserted and announced in the change log.
pub fn import(db: &mut dyn Db, tenant: Uuid, import: &Import) -> Result<Imported> {
    let mut problems = import.problems.clone();

    let mut users = vec![];
    if !import.couriers.is_empty() {
        for r in db.query(
            "SELECT id, name, role FROM users WHERE tenant_id = $1 ORDER BY name, id",
            p![tenant],
        )? {
            users.push((r.id(0)?, r.text(1)?, Role::parse(&r.text(2)?)?));
        }
    }
    let mut couriers: HashMap<&str, (Uuid, String)> = HashMap::new();
    for (at, key) in &import.couriers {
        match find_courier(&users, key) {
            Ok(found) => {
                couriers.insert(key, found);
            }
            Err(message) => problems.add(at, message),
        }
    }

    let mut known: HashMap<&str, NewCustomer> = HashMap::new();
    let mut unknown: BTreeSet<&str> = BTreeSet::new();
    for (at, reference) in &import.refs {
        if known.contains_key(reference.as_str()) {
            continue;
        }
        let row = if unknown.contains(reference.as_str()) {
            None
        } else {
            db.one(
                "SELECT id, name, kind, address, lat, lon, contact_name, contact_phone
                 FROM customers WHERE tenant_id = $1 AND ref = $2",
                p![tenant, reference],
            )?
        };
        match row {
            Some(r) => {
                known.insert(reference, stored_customer(&r, reference)?);
            }
            None => {
                unknown.insert(reference);
                problems.add(
                at,
                format!(
                    "no customer has the ref \"{reference}\": give the customer's details in this file, or import the customer first"
                ),
            );
            }
        }
    }

    for (at, id) in &import.route_ids {
        let exists = db
            .row(
                "SELECT EXISTS (SELECT 1 FROM routes WHERE tenant_id = $1 AND id = $2)",
                p![tenant, id],
            )?
            .flag(0)?;
        if exists {
            problems.add(
                at,
                format!(
                    "route {id} exists already: a route that was handed out is changed with PATCH /v1/stops/{{id}} or POST /v1/routes/{{id}}/assign, not imported again"
                ),
            );
        }
    }
    if !problems.is_empty() {
        return Err(problems.into_error(import.format));
    }

    // Customers first: their row locks come before the change-log lock the routes take.
    let mut customer_ids: HashMap<&str, Uuid> = known.iter().map(|(r, c)| (*r, c.id)).collect();
    let mut by_ref: HashMap<&str, &NewCustomer> = known.iter().map(|(r, c)| (*r, c)).collect();
    for c in &import.customers {
        let Some(reference) = c.reference.as_deref() else {
            continue;
        };
        let id = db
            .row(
                "INSERT INTO customers (id, tenant_id, ref, name, kind, address, lat, lon, contact_name, contact_phone)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                 ON CONFLICT (tenant_id, ref) DO UPDATE SET name = excluded.name, kind = excluded.kind,
                    address = excluded.address, lat = excluded.lat, lon = excluded.lon,
                    contact_name = excluded.contact_name, contact_phone = excluded.contact_phone
                 RETURNING id",
                p![
                    c.id, tenant, reference, &c.name, c.kind.as_str(), &c.address, c.lat, c.lon,
                    &c.contact_name, &c.contact_phone
                ],
            )?
            .id(0)?;
        customer_ids.insert(reference, id);
        by_ref.insert(reference, c);
    }

    let mut imported = Imported {
        customers: import.customers.len(),
        routes: 0,
        stops: 0,
        lines: 0,
        route_ids: vec![],
    };
    for r in &import.routes {
        let (courier_id, courier_name) =
            couriers.get(r.courier.as_str()).cloned().ok_or_else(|| {
                PlannerError::Internal(format!("courier {} was not looked up", r.courier))
            })?;
        let mut stops = Vec::with_capacity(r.stops.len());
        let mut stop_customers = Vec::with_capacity(r.stops.len());
        for s in &r.stops {
            let (customer, customer_id) = match &s.customer {
                CustomerOf::Given(c) => (c, None),
                CustomerOf::Ref(reference) => (
                    *by_ref.get(reference.as_str()).ok_or_else(|| {
                        PlannerError::Internal(format!("customer {reference} was not looked up"))
                    })?,
                    customer_ids.get(reference.as_str()).copied(),
                ),
            };
            stop_customers.push(customer_id);
            imported.lines += s.lines.len();
            stops.push(Stop {
                id: s.id,
                position: s.position,
                customer_name: customer.name.clone(),
                customer_kind: customer.kind,
                address: customer.address.clone(),
                lat: customer.lat,
                lon: customer.lon,
                contact_name: customer.contact_name.clone(),
                contact_phone: customer.contact_phone.clone(),
                window_start: s.window_start,
                window_end: s.window_end,
                instructions: s.instructions.clone(),
                status: StopStatus::Pending,
                lines: s.lines.clone(),
            });
        }
        let route = Route {
            id: r.id,
            date: r.date,
            courier_name,
            stops,
        };
        // The reading checked every rule already; this keeps the domain's word final.
        if let Err(e) = route.validate() {
            let mut problems = Problems::default();
            problems.add(&r.at, e.to_string());
            return Err(problems.into_error(import.format));
        }
        insert_route(db, tenant, &route, Some(courier_id), &stop_customers)?;
        imported.routes += 1;
        imported.stops += route.stops.len();
        imported.route_ids.push(route.id);
    }
    for id in &imported.route_ids {
        bump(db, tenant, *id, None)?;
    }
    Ok(imported)
}

/// An event as the device recorded it.
pub fn event(db: &mut dyn Db, tenant: Uuid, id: Uuid) -> Result<Option<OpBody>> {
    let Some(row) = db.one(
        "SELECT body FROM events WHERE tenant_id = $1 AND id = $2",
        p![tenant, id],
    )?
    else {
        return Ok(None);
    };
    serde_json::from_str(&row.text(0)?)
        .map(Some)
        .map_err(|e| PlannerError::Internal(format!("stored event {id} cannot be read: {e}")))
}
