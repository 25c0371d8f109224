//! A device's sync: a push applied by the rules of DESIGN.md §3, and a pull of what changed.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use doorstep_domain::resolution::Resolution;
use doorstep_domain::sync::{
    scope_checksum, Op, OpBody, PullRequest, PullResponse, PushRequest, PushResponse, Rejection,
    RouteState,
};
use doorstep_domain::{sha256_hex, StopStatus};
use uuid::Uuid;

use super::routes::{bump, load_route};
use super::sql::{insert_rows, json, list, p, parse, Db, Val};
use super::{Principal, Role};
use super::{Result, StorageError};

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
                    StorageError::Internal(format!(
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
        Some(_) => Err(StorageError::Forbidden(
            "this token belongs to another device".into(),
        )),
        None => Err(StorageError::Forbidden(
            "sync needs a device token; enrol the device first".into(),
        )),
    }
}

/// Checks a push before any storage: right device, hashes, contiguous seq.
pub fn check_push(who: &Principal, req: &PushRequest) -> Result<Uuid> {
    let device = device_of(who, req.device_id)?;
    if req.epoch == 0 {
        return Err(StorageError::Invalid("epoch starts at 1".into()));
    }
    for op in &req.ops {
        if op.device_id != device || op.epoch != req.epoch {
            return Err(StorageError::Invalid(format!(
                "op {} names another device or epoch than the request",
                op.seq
            )));
        }
        let json =
            serde_json::to_vec(&op.body).map_err(|e| StorageError::Internal(e.to_string()))?;
        if sha256_hex(&json) != op.sha256 {
            return Err(StorageError::Invalid(format!(
                "op {}: its hash does not match its content",
                op.seq
            )));
        }
    }
    if req.ops.windows(2).any(|w| w[1].seq != w[0].seq + 1) {
        return Err(StorageError::Gap(
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
            return Err(StorageError::Gap(format!(
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
                return Err(StorageError::Conflict(format!(
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
        return Err(StorageError::Invalid(
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
