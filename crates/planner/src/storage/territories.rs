//! Sales territories and the deliveries inside them: the rules, written once for both stores.
//! A delivery belongs to the territory its stop's location lies in; lateness comes from the
//! domain's `assess_route`, the same function the device runs.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use doorstep_domain::lateness::{assess_route, Pace, Standing, StopFacts};
use doorstep_domain::sync::OpBody;
use doorstep_domain::territory::Area;
use doorstep_domain::{NoteCategory, StopStatus};
use serde::Serialize;
use uuid::Uuid;

use super::sql::{p, Db, Row};
use crate::{PlannerError, Result};

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

/// One delivery inside a sales rep's territories, with how it stands.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Delivery {
    pub stop_id: Uuid,
    pub route_id: Uuid,
    pub territory_id: Uuid,
    pub date: NaiveDate,
    pub position: u32,
    pub customer_name: String,
    pub address: String,
    pub lat: f64,
    pub lon: f64,
    pub window_start: NaiveTime,
    pub window_end: NaiveTime,
    pub status: StopStatus,
    pub courier_name: String,
    #[schema(value_type = Object)]
    pub standing: Standing,
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
        Err(PlannerError::Invalid(format!(
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
        return Err(PlannerError::NotFound(format!("no territory {territory}")));
    }
    Ok(())
}

fn info(row: &Row) -> Result<TerritoryInfo> {
    let area: serde_json::Value = serde_json::from_str(&row.text(3)?)
        .map_err(|e| PlannerError::Internal(format!("a stored territory is unreadable: {e}")))?;
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

/// The deliveries of `date` inside `rep`'s territories, assessed at local time `now`: late and
/// incomplete first, then by time window.
pub fn deliveries(
    db: &mut dyn Db,
    tenant: Uuid,
    rep: Uuid,
    date: NaiveDate,
    now: NaiveDateTime,
) -> Result<Vec<Delivery>> {
    let territories = list(db, tenant, Some(rep))?;
    // Which territory each stop of the day lies in: the box narrows, the polygon decides.
    let mut inside: BTreeMap<Uuid, Uuid> = BTreeMap::new();
    for t in &territories {
        let area = Area::from_geojson(&t.area).map_err(|e| {
            PlannerError::Internal(format!("stored territory {} is unreadable: {e}", t.name))
        })?;
        let b = area.bounds();
        let rows = db.query(
            "SELECT s.id, s.lat, s.lon FROM stops s JOIN routes r ON r.id = s.route_id
             WHERE s.tenant_id = $1 AND r.date = $2
               AND s.lat BETWEEN $3 AND $4 AND s.lon BETWEEN $5 AND $6",
            p![tenant, date, b.min_lat, b.max_lat, b.min_lon, b.max_lon],
        )?;
        for r in rows {
            if area.contains(r.real(1)?, r.real(2)?) {
                inside.entry(r.id(0)?).or_insert(t.id);
            }
        }
    }
    if inside.is_empty() {
        return Ok(vec![]);
    }

    // Lateness needs each of those routes whole: where the courier is, what comes before.
    let mut routes: BTreeSet<Uuid> = BTreeSet::new();
    let mut rows_by_stop: BTreeMap<Uuid, Row> = BTreeMap::new();
    for chunk in inside.keys().copied().collect::<Vec<_>>().chunks(200) {
        let list = chunk
            .iter()
            .map(|id| format!("'{id}'"))
            .collect::<Vec<_>>()
            .join(",");
        let sql =
            format!("SELECT s.route_id FROM stops s WHERE s.tenant_id = $1 AND s.id IN ({list})");
        for r in db.query(&sql, p![tenant])? {
            routes.insert(r.id(0)?);
        }
    }
    let mut facts: BTreeMap<Uuid, Vec<StopFacts>> = BTreeMap::new();
    let mut courier: BTreeMap<Uuid, String> = BTreeMap::new();
    for route in &routes {
        let stops = db.query(
            "SELECT s.id, s.position, s.lat, s.lon, s.window_start, s.window_end, s.status, s.cancelled,
                    s.customer_name, s.address, r.courier_name
             FROM stops s JOIN routes r ON r.id = s.route_id
             WHERE s.tenant_id = $1 AND s.route_id = $2 ORDER BY s.position",
            p![tenant, *route],
        )?;
        let damaged = damaged_stops(db, tenant, *route)?;
        let mut list = vec![];
        for r in stops {
            let id = r.id(0)?;
            list.push(StopFacts {
                id,
                position: r.uint(1)? as u32,
                lat: r.real(2)?,
                lon: r.real(3)?,
                window_start: r.clock(4)?,
                window_end: r.clock(5)?,
                status: super::logic::parse(&r.text(6)?)?,
                cancelled: r.flag(7)?,
                damaged: damaged.contains(&id),
            });
            courier.insert(*route, r.text(10)?);
            rows_by_stop.insert(id, r);
        }
        facts.insert(*route, list);
    }

    let mut out = vec![];
    for (route, stops) in &facts {
        for (stop_id, standing) in assess_route(date, stops, now, Pace::default()) {
            let Some(territory_id) = inside.get(&stop_id).copied() else {
                continue;
            };
            let s = stops
                .iter()
                .find(|s| s.id == stop_id)
                .expect("assessed stops are ours");
            let row = &rows_by_stop[&stop_id];
            out.push(Delivery {
                stop_id,
                route_id: *route,
                territory_id,
                date,
                position: s.position,
                customer_name: row.text(8)?,
                address: row.text(9)?,
                lat: s.lat,
                lon: s.lon,
                window_start: s.window_start,
                window_end: s.window_end,
                status: s.status,
                courier_name: courier[route].clone(),
                standing,
            });
        }
    }
    out.sort_by(|a, b| {
        (
            !a.standing.needs_attention(),
            a.window_start,
            &a.customer_name,
            a.stop_id,
        )
            .cmp(&(
                !b.standing.needs_attention(),
                b.window_start,
                &b.customer_name,
                b.stop_id,
            ))
    });
    Ok(out)
}

/// Stops of a route with a condition note saying goods or packaging arrived damaged.
fn damaged_stops(db: &mut dyn Db, tenant: Uuid, route: Uuid) -> Result<BTreeSet<Uuid>> {
    let rows = db.query(
        "SELECT e.stop_id, e.body FROM events e JOIN stops s ON s.id = e.stop_id
         WHERE e.tenant_id = $1 AND s.route_id = $2 AND e.kind = 'condition_note'",
        p![tenant, route],
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
