//! Routes and dispatch's stop edits: saving, assigning and reporting a route, and the change
//! log entry (`bump`) every change to a route writes.

use doorstep_domain::sync::OpBody;
use doorstep_domain::{OrderLine, Route, Stop};
use uuid::Uuid;

use super::sql::{p, parse, Db};
use super::{EventReport, PhotoState, RouteReport, StopEdit};
use super::{Result, StorageError};

/// Records that a route changed; returns its new version. `left` is the user whose scope the
/// route just left (a reassignment), who will hear of it as a removal.
pub(super) fn bump(db: &mut dyn Db, tenant: Uuid, route: Uuid, left: Option<Uuid>) -> Result<u64> {
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

pub(super) fn courier_name(db: &mut dyn Db, tenant: Uuid, courier: Uuid) -> Result<String> {
    db.one(
        "SELECT name FROM users WHERE tenant_id = $1 AND id = $2 AND role = 'courier'",
        p![tenant, courier],
    )?
    .map(|r| r.text(0))
    .transpose()?
    .ok_or_else(|| StorageError::Invalid(format!("{courier} is not a courier of this tenant")))
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
pub(super) fn insert_route(
    db: &mut dyn Db,
    tenant: Uuid,
    route: &Route,
    courier: Option<Uuid>,
    customers: &[Option<Uuid>],
) -> Result<()> {
    route
        .validate()
        .map_err(|e| StorageError::Invalid(e.to_string()))?;
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
        return Err(StorageError::Conflict(format!(
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
        .ok_or_else(|| StorageError::NotFound(format!("no route {route}")))?
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
        .ok_or_else(|| StorageError::NotFound(format!("no stop {stop}")))?;
    let start = edit.window_start.map_or_else(|| row.clock(1), Ok)?;
    let end = edit.window_end.map_or_else(|| row.clock(2), Ok)?;
    if end <= start {
        return Err(StorageError::Invalid(
            "the time window must end after it starts".into(),
        ));
    }
    let address = edit.address.as_deref().map(str::trim);
    if address == Some("") {
        return Err(StorageError::Invalid("the address cannot be empty".into()));
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
pub(super) fn load_route(
    db: &mut dyn Db,
    tenant: Uuid,
    id: Uuid,
) -> Result<(Route, Option<Uuid>, u64, Vec<Uuid>)> {
    let head = db
        .one(
            "SELECT date, courier_name, courier_id, version FROM routes WHERE tenant_id = $1 AND id = $2",
            p![tenant, id],
        )?
        .ok_or_else(|| StorageError::NotFound(format!("no route {id}")))?;
    let rows = db.query(
        "SELECT id, position, customer_name, customer_kind, address, lat, lon, contact_name, contact_phone,
                window_start, window_end, instructions, status, cancelled
         FROM stops WHERE tenant_id = $1 AND route_id = $2 ORDER BY position",
        p![tenant, id],
    )?;
    let line_rows = db.query(
        "SELECT l.stop_id, l.id, l.sku, l.description, l.ordered_qty, l.unit, l.barcode
         FROM order_lines l JOIN stops s ON s.id = l.stop_id
         WHERE l.tenant_id = $1 AND s.tenant_id = $1 AND s.route_id = $2 ORDER BY l.stop_id, l.position",
        p![tenant, id],
    )?;
    let mut lines: std::collections::HashMap<Uuid, Vec<OrderLine>> = Default::default();
    for r in &line_rows {
        lines.entry(r.id(0)?).or_default().push(OrderLine {
            id: r.id(1)?,
            sku: r.text(2)?,
            description: r.text(3)?,
            ordered_qty: u32::try_from(r.int(4)?)
                .map_err(|_| StorageError::Internal("stored quantity out of range".into()))?,
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
                .map_err(|_| StorageError::Internal("stored position out of range".into()))?,
            customer_name: r.text(2)?,
            customer_kind: r
                .text(3)?
                .parse()
                .map_err(|e| StorageError::Internal(format!("{e}")))?,
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
         WHERE e.tenant_id = $1 AND s.tenant_id = $1 AND s.route_id = $2 ORDER BY e.captured_at, e.id",
        p![tenant, route.id],
    )?;
    let photo_rows = db.query(
        "SELECT p.event_id, p.sha256,
                EXISTS (SELECT 1 FROM blobs b WHERE b.tenant_id = p.tenant_id AND b.sha256 = p.sha256 AND b.complete)
         FROM event_photos p JOIN events e ON e.id = p.event_id JOIN stops s ON s.id = e.stop_id
         WHERE p.tenant_id = $1 AND s.tenant_id = $1 AND s.route_id = $2 ORDER BY p.event_id, p.sha256",
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
                .map_err(|e| StorageError::Internal(e.to_string()))?,
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
        .map_err(|e| StorageError::Internal(format!("stored event {id} cannot be read: {e}")))
}
