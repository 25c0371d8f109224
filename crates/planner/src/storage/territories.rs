//! Sales territories and the deliveries inside them: the rules, written once for both stores.
//! A delivery belongs to the territory its stop's location lies in; lateness comes from the
//! domain's `assess_route`, the same function the device runs.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{NaiveDate, NaiveDateTime};
pub use doorstep_domain::lateness::Delivery;
use doorstep_domain::lateness::{assess_scope, Pace};
use doorstep_domain::sync::{OpBody, ScopeStop, TerritoryScope, TerritoryState};
use doorstep_domain::territory::Area;
use doorstep_domain::NoteCategory;
use serde::Serialize;
use uuid::Uuid;

use super::sql::{p, Db, Row, Val};
use super::{Result, StorageError};

/// A territory as dispatch draws it, checked already.
#[derive(Debug, Clone)]
pub struct NewTerritory {
    /// Used when the name is new; a known name keeps its id.
    pub id: Uuid,
    pub name: String,
    pub area: Area,
    pub rep_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TerritoryInfo {
    pub id: Uuid,
    pub name: String,
    /// The sales rep it is assigned to.
    pub rep_id: Option<Uuid>,
    /// The area as a GeoJSON MultiPolygon geometry.
    #[schema(value_type = Object)]
    pub area: serde_json::Value,
}

fn sales_rep(db: &mut dyn Db, tenant: Uuid, rep: Uuid) -> Result<()> {
    let found = db
        .row(
            "SELECT EXISTS (SELECT 1 FROM users WHERE tenant_id = $1 AND id = $2 AND role = 'sales_rep')",
            p![tenant, rep],
        )?
        .flag(0)?;
    if found {
        Ok(())
    } else {
        Err(StorageError::Invalid(format!(
            "{rep} is not a sales rep of this tenant"
        )))
    }
}

/// Stores territories by name: a new name adds one, a known name replaces its area (and its
/// rep, when one is given). All or nothing. Returns their ids, in order.
pub fn save(db: &mut dyn Db, tenant: Uuid, list: &[NewTerritory]) -> Result<Vec<Uuid>> {
    let mut ids = vec![];
    for t in list {
        if let Some(rep) = t.rep_id {
            sales_rep(db, tenant, rep)?;
        }
        let b = t.area.bounds();
        let area = t.area.to_geojson().to_string();
        let known = db.one(
            "SELECT id FROM territories WHERE tenant_id = $1 AND name = $2",
            p![tenant, &t.name],
        )?;
        let id = match known {
            Some(row) => {
                let id = row.id(0)?;
                db.exec(
                    "UPDATE territories SET area = $3, min_lat = $4, min_lon = $5, max_lat = $6, max_lon = $7,
                            rep_id = COALESCE($8, rep_id)
                     WHERE tenant_id = $1 AND id = $2",
                    p![tenant, id, area, b.min_lat, b.min_lon, b.max_lat, b.max_lon, t.rep_id],
                )?;
                id
            }
            None => {
                let id = t.id;
                db.exec(
                    "INSERT INTO territories (id, tenant_id, name, area, min_lat, min_lon, max_lat, max_lon, rep_id)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    p![id, tenant, &t.name, area, b.min_lat, b.min_lon, b.max_lat, b.max_lon, t.rep_id],
                )?;
                id
            }
        };
        ids.push(id);
    }
    Ok(ids)
}

pub fn assign(db: &mut dyn Db, tenant: Uuid, territory: Uuid, rep: Uuid) -> Result<()> {
    sales_rep(db, tenant, rep)?;
    let n = db.exec(
        "UPDATE territories SET rep_id = $3 WHERE tenant_id = $1 AND id = $2",
        p![tenant, territory, rep],
    )?;
    if n == 0 {
        return Err(StorageError::NotFound(format!("no territory {territory}")));
    }
    Ok(())
}

fn info(row: &Row) -> Result<TerritoryInfo> {
    let area: serde_json::Value = serde_json::from_str(&row.text(3)?)
        .map_err(|e| StorageError::Internal(format!("a stored territory is unreadable: {e}")))?;
    Ok(TerritoryInfo {
        id: row.id(0)?,
        name: row.text(1)?,
        rep_id: row.opt_id(2)?,
        area,
    })
}

/// The tenant's territories, or only `rep`'s, by name.
pub fn list(db: &mut dyn Db, tenant: Uuid, rep: Option<Uuid>) -> Result<Vec<TerritoryInfo>> {
    let rows = match rep {
        Some(rep) => db.query(
            "SELECT id, name, rep_id, area FROM territories WHERE tenant_id = $1 AND rep_id = $2 ORDER BY name",
            p![tenant, rep],
        )?,
        None => db.query(
            "SELECT id, name, rep_id, area FROM territories WHERE tenant_id = $1 ORDER BY name",
            p![tenant],
        )?,
    };
    rows.iter().map(info).collect()
}

/// A sales rep's scope for the days `from..=to`: their territories, and every stop of each
/// route that passes through one, each marked with the territory it lies in (if any).
pub fn scope(
    db: &mut dyn Db,
    tenant: Uuid,
    rep: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<TerritoryScope> {
    if to < from {
        return Err(StorageError::Invalid(
            "the last day comes before the first".into(),
        ));
    }
    let territories = list(db, tenant, Some(rep))?;
    let mut areas = vec![];
    // Which territory each stop of those days lies in: the box narrows, the polygon decides.
    let mut inside: BTreeMap<Uuid, Uuid> = BTreeMap::new();
    let mut routes: BTreeSet<Uuid> = BTreeSet::new();
    for t in &territories {
        let area = Area::from_geojson(&t.area).map_err(|e| {
            StorageError::Internal(format!("stored territory {} is unreadable: {e}", t.name))
        })?;
        let b = area.bounds();
        areas.push(area.clone());
        let rows = db.query(
            "SELECT s.id, s.lat, s.lon, s.route_id FROM stops s JOIN routes r ON r.id = s.route_id
             WHERE s.tenant_id = $1 AND r.date BETWEEN $2 AND $3
               AND s.lat BETWEEN $4 AND $5 AND s.lon BETWEEN $6 AND $7",
            p![tenant, from, to, b.min_lat, b.max_lat, b.min_lon, b.max_lon],
        )?;
        for r in rows {
            if area.contains(r.real(1)?, r.real(2)?) {
                inside.entry(r.id(0)?).or_insert(t.id);
                routes.insert(r.id(3)?);
            }
        }
    }

    // Lateness needs each of those routes whole: where the courier is, what comes before.
    // Routes go in chunks of 500 per statement, stops in route order.
    let routes: Vec<Uuid> = routes.into_iter().collect();
    let mut stops = vec![];
    for chunk in routes.chunks(500) {
        let mut params: Vec<Val> = vec![tenant.into()];
        params.extend(chunk.iter().map(Val::from));
        let ids = super::sql::list(chunk.len(), 2);
        let damaged = damaged_stops(db, &ids, &params)?;
        let rows = db.query(
            &format!(
                "SELECT s.id, s.position, s.lat, s.lon, s.window_start, s.window_end, s.status, s.cancelled,
                        s.customer_name, s.address, r.courier_name, r.date, r.version, s.route_id,
                        s.customer_id, s.contact_name, s.contact_phone
                 FROM stops s JOIN routes r ON r.id = s.route_id
                 WHERE s.tenant_id = $1 AND s.route_id IN ({ids}) ORDER BY s.route_id, s.position"
            ),
            &params,
        )?;
        for r in rows {
            let id = r.id(0)?;
            stops.push(ScopeStop {
                id,
                route_id: r.id(13)?,
                date: r.date(11)?,
                position: r.uint(1)? as u32,
                customer_name: r.text(8)?,
                address: r.text(9)?,
                lat: r.real(2)?,
                lon: r.real(3)?,
                window_start: r.clock(4)?,
                window_end: r.clock(5)?,
                status: super::sql::parse(&r.text(6)?)?,
                cancelled: r.flag(7)?,
                damaged: damaged.contains(&id),
                courier_name: r.text(10)?,
                territory_id: inside.get(&id).copied(),
                route_version: r.uint(12)?,
                customer_id: r.opt_id(14)?,
                contact_name: r.opt_text(15)?,
                contact_phone: r.opt_text(16)?,
                lines: vec![],
                events: vec![],
                resolutions: vec![],
            });
        }
    }
    // The stops inside a territory carry what the rep's screens show: customer, contact,
    // lines, what happened at the door and what sales did about it.
    let wanted: Vec<Uuid> = inside.keys().copied().collect();
    let mut details = super::accounts::stop_details(db, tenant, &wanted)?;
    for s in stops.iter_mut() {
        if s.territory_id.is_none() {
            // There for lateness only: the rep never opens it.
            (s.customer_id, s.contact_name, s.contact_phone) = (None, None, None);
            continue;
        }
        s.lines = details.lines.remove(&s.id).unwrap_or_default();
        s.events = details.events.remove(&s.id).unwrap_or_default();
        s.resolutions = details.resolutions.remove(&s.id).unwrap_or_default();
    }
    let accounts = super::accounts::inside(db, tenant, &areas)?;
    Ok(TerritoryScope {
        accounts,
        territories: territories
            .into_iter()
            .map(|t| TerritoryState {
                id: t.id,
                name: t.name,
                area: t.area,
            })
            .collect(),
        stops,
    })
}

/// The deliveries inside a rep's territories, each with its standing at local time `now`, in
/// the domain's order (late and incomplete first). The rep's phone lists its cached scope
/// with the same `assess_scope`, so the two agree.
pub fn assess(scope_stops: &[ScopeStop], now: NaiveDateTime) -> Vec<Delivery> {
    assess_scope(scope_stops, now, Pace::default())
        .into_iter()
        .map(|(s, standing)| Delivery::new(s, standing))
        .collect()
}

/// The deliveries of `date` inside `rep`'s territories, assessed at local time `now`.
pub fn deliveries(
    db: &mut dyn Db,
    tenant: Uuid,
    rep: Uuid,
    date: NaiveDate,
    now: NaiveDateTime,
) -> Result<Vec<Delivery>> {
    Ok(assess(&scope(db, tenant, rep, date, date)?.stops, now))
}

/// Stops of the routes `params[1..]` (listed as `ids`) with a condition note saying goods or
/// packaging arrived damaged.
fn damaged_stops(db: &mut dyn Db, ids: &str, params: &[Val]) -> Result<BTreeSet<Uuid>> {
    let rows = db.query(
        &format!(
            "SELECT e.stop_id, e.body FROM events e JOIN stops s ON s.id = e.stop_id
             WHERE e.tenant_id = $1 AND s.route_id IN ({ids}) AND e.kind = 'condition_note'"
        ),
        params,
    )?;
    let mut out = BTreeSet::new();
    for r in rows {
        if let Ok(OpBody::ConditionNoteRecorded { note }) = serde_json::from_str(&r.text(1)?) {
            if matches!(
                note.category,
                NoteCategory::DamagedGoods | NoteCategory::DamagedPackaging
            ) {
                out.insert(r.id(0)?);
            }
        }
    }
    Ok(out)
}

/// A replacement a sales rep requested, waiting for dispatch to route it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReplacementOrder {
    /// The resolution event's id.
    pub id: Uuid,
    pub stop_id: Uuid,
    pub customer_name: String,
    pub address: String,
    #[schema(value_type = Vec<Object>)]
    pub lines: Vec<doorstep_domain::resolution::ReplacementLine>,
    pub note: Option<String>,
    pub requested_by: String,
    pub requested_at: chrono::DateTime<chrono::Utc>,
    /// `to_route` until dispatch routes it.
    pub status: String,
}

/// The tenant's replacement orders, newest first.
pub fn replacements(db: &mut dyn Db, tenant: Uuid) -> Result<Vec<ReplacementOrder>> {
    let rows = db.query(
        "SELECT o.id, o.stop_id, s.customer_name, s.address, o.lines, o.note, u.name, o.requested_at, o.status
         FROM replacement_orders o JOIN stops s ON s.id = o.stop_id JOIN users u ON u.id = o.requested_by
         WHERE o.tenant_id = $1 ORDER BY o.requested_at DESC, o.id",
        p![tenant],
    )?;
    rows.iter()
        .map(|r| {
            Ok(ReplacementOrder {
                id: r.id(0)?,
                stop_id: r.id(1)?,
                customer_name: r.text(2)?,
                address: r.text(3)?,
                lines: serde_json::from_str(&r.text(4)?).map_err(|e| {
                    StorageError::Internal(format!("stored replacement lines are unreadable: {e}"))
                })?,
                note: r.opt_text(5)?,
                requested_by: r.text(6)?,
                requested_at: r.instant(7)?,
                status: r.text(8)?,
            })
        })
        .collect()
}
