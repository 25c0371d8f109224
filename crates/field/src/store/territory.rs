//! A sales rep's territory on the phone (DESIGN.md §4, §7 P4): the rep's territories and
//! every stop of every route that touches them, so "late first" works offline. Which stops a
//! territory holds is found through an R*Tree of route boxes over (lat, lon, day) (one box per
//! route around its stops inside a territory: the list loads whole routes anyway), then
//! decided by the polygon stop by stop; how each stands, and the order, come from the domain's
//! `assess_scope` over whole routes, the function the planner's `GET
//! /v1/territories/deliveries` lists with.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use doorstep_domain::lateness::{assess_scope, Pace};
use doorstep_domain::sync::{ScopeStop, TerritoryState};
use doorstep_domain::territory::{Area, Bounds};
use doorstep_domain::StopStatus;
use rusqlite::{params, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{parse_uuid, Store};
use crate::views::{DeliveryView, TerritorySummary};
use crate::{FieldError, Result};

pub struct Territory<'a> {
    pub(super) store: &'a mut Store,
}

/// A territory as the planner sends it; its GeoJSON area is checked before anything is saved.
pub type RepTerritory = TerritoryState;

/// One stop of a route touching the rep's territories, with the facts lateness needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepStop {
    pub id: Uuid,
    pub route_id: Uuid,
    pub date: NaiveDate,
    pub position: u32,
    pub lat: f64,
    pub lon: f64,
    pub window_start: NaiveTime,
    pub window_end: NaiveTime,
    pub status: StopStatus,
    pub cancelled: bool,
    /// A condition note says goods or packaging arrived damaged.
    pub damaged: bool,
    pub customer_name: String,
    pub address: String,
    pub courier_name: String,
    /// The planner's version of the route; an older version never overwrites a newer one.
    pub version: i64,
    /// What the rep's screens show of a stop inside a territory.
    pub detail: RepStopDetail,
}

/// A stop's account, contact, lines, door events and resolutions, as the planner sent them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RepStopDetail {
    #[serde(skip)]
    pub customer_id: Option<Uuid>,
    #[serde(skip)]
    pub contact_name: Option<String>,
    #[serde(skip)]
    pub contact_phone: Option<String>,
    pub lines: Vec<doorstep_domain::OrderLine>,
    pub events: Vec<doorstep_domain::account::DoorEvent>,
    #[serde(skip)]
    pub resolutions: Vec<doorstep_domain::resolution::ResolutionEntry>,
}

impl From<&ScopeStop> for RepStop {
    /// The device files each stop itself, with the same areas and the same rule as the
    /// planner, so the planner's `territory_id` is not needed; it stays right when a
    /// territory changes shape.
    fn from(s: &ScopeStop) -> RepStop {
        RepStop {
            id: s.id,
            route_id: s.route_id,
            date: s.date,
            position: s.position,
            lat: s.lat,
            lon: s.lon,
            window_start: s.window_start,
            window_end: s.window_end,
            status: s.status,
            cancelled: s.cancelled,
            damaged: s.damaged,
            customer_name: s.customer_name.clone(),
            address: s.address.clone(),
            courier_name: s.courier_name.clone(),
            version: i64::try_from(s.route_version).unwrap_or(i64::MAX),
            detail: RepStopDetail {
                customer_id: s.customer_id,
                contact_name: s.contact_name.clone(),
                contact_phone: s.contact_phone.clone(),
                lines: s.lines.clone(),
                events: s.events.clone(),
                resolutions: s.resolutions.clone(),
            },
        }
    }
}

/// Narrows the "late first" list; every field left `None` lets everything through.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeliveryFilter {
    pub status: Option<StopStatus>,
    /// The courier's name, any case.
    pub courier: Option<String>,
    /// Part of the customer's name, any case.
    pub customer: Option<String>,
}

impl DeliveryFilter {
    /// Whether a delivery passes: same status, the courier by name in any case, part of the
    /// customer's name in any case.
    pub fn matches(&self, d: &DeliveryView) -> bool {
        self.status.is_none_or(|st| st == d.status)
            && self
                .courier
                .as_deref()
                .is_none_or(|c| d.courier_name.to_lowercase() == c.to_lowercase())
            && self
                .customer
                .as_deref()
                .is_none_or(|c| d.customer_name.to_lowercase().contains(&c.to_lowercase()))
    }
}

/// What one `apply` changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TerritoryApplied {
    pub territories: usize,
    /// Stops inserted or updated; a stop sent again with an older version is left alone.
    pub stops: usize,
}

/// A territory read back from the cache, ready for point-in-polygon.
struct Cached {
    id: Uuid,
    area: Area,
    bounds: Bounds,
}

impl Territory<'_> {
    /// Saves a batch from the planner in ONE transaction: territories by id (a known id takes
    /// the new name and area), stops by id (a newer or equal version replaces the row). Each
    /// stop is filed under the first territory, by name, whose area holds it, as the planner
    /// does; stops already cached are filed again when a territory's name or area changes.
    /// Everything is checked first: on any error nothing is saved.
    pub fn apply(
        &mut self,
        territories: &[RepTerritory],
        stops: &[RepStop],
    ) -> Result<TerritoryApplied> {
        let checked = check(territories, stops)?;
        self.store
            .write(|tx, _| save(tx, territories, &checked, stops, &HashSet::new()))
    }

    /// Saves the rep's whole scope for the days `from..=to` (`GET /v1/sync/territory`) in ONE
    /// transaction, as [`apply`](Self::apply) does, and lets go of what left it: territories
    /// not in the list, routes of those days not in the batch, and stops no longer on a route
    /// that is. Routes of other days stay as they are.
    pub fn replace(
        &mut self,
        territories: &[RepTerritory],
        stops: &[RepStop],
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<TerritoryApplied> {
        self.replace_with_accounts(territories, stops, &[], from, to)
    }

    /// [`replace`](Self::replace), with the B2B accounts inside the territories (all of them:
    /// accounts not in the list leave the phone), in the same transaction.
    pub fn replace_with_accounts(
        &mut self,
        territories: &[RepTerritory],
        stops: &[RepStop],
        accounts: &[doorstep_domain::account::Account],
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<TerritoryApplied> {
        if to < from {
            return Err(FieldError::Invalid(
                "the last day comes before the first".into(),
            ));
        }
        let checked = check(territories, stops)?;
        self.store.write(|tx, _| {
            save_accounts(tx, accounts)?;
            // Territories that left: their stops are filed again below, as if they changed.
            let keep: HashSet<String> = territories.iter().map(|t| t.id.to_string()).collect();
            let mut gone = HashSet::new();
            for id in tx
                .prepare("SELECT id FROM rep_territories")?
                .query_map([], |r| r.get::<_, String>(0))?
            {
                let id = id?;
                if !keep.contains(&id) {
                    gone.insert(id);
                }
            }
            let mut drop_territory = tx.prepare("DELETE FROM rep_territories WHERE id = ?1")?;
            for id in &gone {
                drop_territory.execute([id])?;
            }

            // Stops of those days the batch no longer holds.
            let routes: HashSet<String> = stops.iter().map(|s| s.route_id.to_string()).collect();
            let ids: HashSet<String> = stops.iter().map(|s| s.id.to_string()).collect();
            let mut stale = vec![];
            let mut stale_routes = HashSet::new();
            {
                let mut in_days = tx.prepare(
                    "SELECT s.rid, s.id, s.route_id FROM rep_stops s WHERE s.day BETWEEN ?1 AND ?2",
                )?;
                let mut rows =
                    in_days.query(params![from.num_days_from_ce(), to.num_days_from_ce()])?;
                while let Some(r) = rows.next()? {
                    let (rid, id, route): (i64, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
                    if !routes.contains(&route) || !ids.contains(&id) {
                        stale.push(rid);
                        stale_routes.insert(route);
                    }
                }
            }
            let mut drop_stop = tx.prepare("DELETE FROM rep_stops WHERE rid = ?1")?;
            for rid in stale {
                drop_stop.execute([rid])?;
            }
            reindex(tx, &stale_routes)?;
            save(tx, territories, &checked, stops, &gone)
        })
    }

    /// Removes routes that left the rep's territories, every stop of them, in one transaction.
    /// Returns how many stops went.
    pub fn remove_routes(&mut self, route_ids: &[Uuid]) -> Result<usize> {
        self.store.write(|tx, _| {
            let mut delete = tx.prepare("DELETE FROM rep_stops WHERE route_id = ?1")?;
            let mut removed = 0;
            for id in route_ids {
                removed += delete.execute([id.to_string()])?;
            }
            reindex(tx, &route_ids.iter().map(Uuid::to_string).collect())?;
            Ok(removed)
        })
    }

    /// The cached territories, by name.
    pub fn list(&self) -> Result<Vec<TerritorySummary>> {
        let mut stmt = self
            .store
            .conn
            .prepare_cached("SELECT id, name, area FROM rep_territories ORDER BY name, id")?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(id, name, area)| {
                Ok(TerritorySummary {
                    id: parse_uuid(&id)?,
                    name,
                    area: serde_json::from_str(&area).map_err(|e| {
                        FieldError::Invalid(format!("stored territory area is unreadable: {e}"))
                    })?,
                })
            })
            .collect()
    }

    /// The deliveries of `date` inside `territory` (or inside any of the rep's territories,
    /// each under the first by name that holds it, as the planner lists them), assessed at
    /// local time `now`: late and incomplete first, then by window start, then customer.
    pub fn late_first(
        &self,
        territory: Option<Uuid>,
        date: NaiveDate,
        now: NaiveDateTime,
        filter: &DeliveryFilter,
    ) -> Result<Vec<DeliveryView>> {
        late_first(&self.store.conn, territory, date, now, filter)
    }
}

/// [`Territory::late_first`] on any connection.
pub(super) fn late_first(
    conn: &rusqlite::Connection,
    territory: Option<Uuid>,
    date: NaiveDate,
    now: NaiveDateTime,
    filter: &DeliveryFilter,
) -> Result<Vec<DeliveryView>> {
    let mut territories = read_territories(conn)?;
    if let Some(id) = territory {
        territories.retain(|t| t.id == id);
        if territories.is_empty() {
            return Err(FieldError::TerritoryNotFound(id));
        }
    }

    // The R*Tree finds the day's routes whose box meets a territory's box; the polygon then
    // decides stop by stop, below.
    let day = date.num_days_from_ce();
    let mut routes: BTreeSet<String> = BTreeSet::new();
    let mut in_box = conn.prepare_cached(
        "SELECT r.id FROM rep_routes_where w JOIN rep_routes r ON r.rid = w.rid
         WHERE w.max_lat >= ?1 AND w.min_lat <= ?2 AND w.max_lon >= ?3 AND w.min_lon <= ?4
           AND w.max_day >= ?5 AND w.min_day <= ?5",
    )?;
    for t in &territories {
        let b = t.bounds;
        let mut rows = in_box.query(params![b.min_lat, b.max_lat, b.min_lon, b.max_lon, day])?;
        while let Some(r) = rows.next()? {
            routes.insert(r.get(0)?);
        }
    }
    if routes.is_empty() {
        return Ok(vec![]);
    }

    // Lateness needs each of those routes whole: where the courier is, what comes before.
    // The domain's assess_scope judges and orders them, as it does on the planner.
    let mut route_stops = conn.prepare_cached(
        "SELECT territory_id IS NOT NULL, id, date, position, lat, lon, window_start, window_end,
                    status, cancelled, damaged, customer_name, address, courier_name, version, day
             FROM rep_stops WHERE route_id = ?1 ORDER BY position",
    )?;
    let mut scope = vec![];
    for route in &routes {
        let route_id = parse_uuid(route)?;
        let mut rows = route_stops.query([route])?;
        while let Some(r) = rows.next()? {
            scope.push(ScopeStop {
                id: parse_uuid(&r.get::<_, String>(1)?)?,
                route_id,
                date: parse_date(&r.get::<_, String>(2)?)?,
                position: r.get(3)?,
                lat: r.get(4)?,
                lon: r.get(5)?,
                window_start: clock(r.get(6)?)?,
                window_end: clock(r.get(7)?)?,
                status: r.get::<_, String>(8)?.parse()?,
                cancelled: r.get(9)?,
                damaged: r.get(10)?,
                customer_name: r.get(11)?,
                address: r.get(12)?,
                courier_name: r.get(13)?,
                // Filed inside a territory, on the day, and inside one of those asked for.
                territory_id: if r.get::<_, bool>(0)? && r.get::<_, i32>(15)? == day {
                    let (lat, lon): (f64, f64) = (r.get(4)?, r.get(5)?);
                    territories
                        .iter()
                        .find(|t| t.bounds.contains(lat, lon) && t.area.contains(lat, lon))
                        .map(|t| t.id)
                } else {
                    None
                },
                route_version: r.get::<_, i64>(14)? as u64,
                // What the list does not need: read for one delivery at a time.
                customer_id: None,
                contact_name: None,
                contact_phone: None,
                lines: vec![],
                events: vec![],
                resolutions: vec![],
            });
        }
    }
    Ok(assess_scope(&scope, now, Pace::default())
        .into_iter()
        .map(|(s, standing)| DeliveryView::new(s, standing))
        .filter(|d| filter.matches(d))
        .collect())
}

/// Checks a whole batch before anything is written: the areas, read, in order.
fn check(territories: &[RepTerritory], stops: &[RepStop]) -> Result<Vec<Area>> {
    let areas = territories
        .iter()
        .map(check_territory)
        .collect::<Result<Vec<_>>>()?;
    for (i, s) in stops.iter().enumerate() {
        check_stop(i, s)?;
    }
    Ok(areas)
}

/// Writes a checked batch; `gone` names territories just deleted, whose stops need filing
/// again.
fn save(
    tx: &Transaction<'_>,
    territories: &[RepTerritory],
    areas: &[Area],
    stops: &[RepStop],
    gone: &HashSet<String>,
) -> Result<TerritoryApplied> {
    let mut changed = save_territories(tx, territories, areas)?;
    changed.extend(gone.iter().cloned());
    let cached = read_territories(tx)?;
    let mut touched: HashSet<String> = stops.iter().map(|s| s.route_id.to_string()).collect();
    if !changed.is_empty() {
        touched.extend(refile(tx, &cached, &changed)?);
    }
    let mut upsert = tx.prepare(
        "INSERT INTO rep_stops (id, route_id, date, day, position, lat, lon, window_start,
            window_end, status, cancelled, damaged, customer_name, address, courier_name,
            territory_id, version, customer_id, contact_name, contact_phone, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                 ?18, ?19, ?20, ?21)
         ON CONFLICT (id) DO UPDATE SET
            customer_id = excluded.customer_id, contact_name = excluded.contact_name,
            contact_phone = excluded.contact_phone, detail = excluded.detail,
            route_id = excluded.route_id, date = excluded.date, day = excluded.day,
            position = excluded.position, lat = excluded.lat, lon = excluded.lon,
            window_start = excluded.window_start, window_end = excluded.window_end,
            status = excluded.status, cancelled = excluded.cancelled,
            damaged = excluded.damaged, customer_name = excluded.customer_name,
            address = excluded.address, courier_name = excluded.courier_name,
            territory_id = excluded.territory_id, version = excluded.version
         WHERE excluded.version >= rep_stops.version",
    )?;
    let mut written = 0;
    for s in stops {
        let home = home(&cached, s.lat, s.lon).map(|id| id.to_string());
        written += upsert.execute(params![
            s.id.to_string(),
            s.route_id.to_string(),
            s.date.to_string(),
            s.date.num_days_from_ce(),
            s.position,
            s.lat,
            s.lon,
            s.window_start.num_seconds_from_midnight(),
            s.window_end.num_seconds_from_midnight(),
            s.status.as_str(),
            s.cancelled,
            s.damaged,
            s.customer_name,
            s.address,
            s.courier_name,
            home,
            s.version,
            s.detail.customer_id.map(|id| id.to_string()),
            s.detail.contact_name,
            s.detail.contact_phone,
            if s.detail.lines.is_empty() && s.detail.events.is_empty() {
                "{}".to_owned()
            } else {
                serde_json::to_string(&s.detail).expect("stop details serialize")
            },
        ])?;
        super::rep::save_resolutions(tx, &s.detail.resolutions)?;
    }
    reindex(tx, &touched)?;
    Ok(TerritoryApplied {
        territories: territories.len(),
        stops: written,
    })
}

fn check_territory(t: &RepTerritory) -> Result<Area> {
    if t.name.trim().is_empty() {
        return Err(FieldError::Invalid(format!(
            "territory {} has no name",
            t.id
        )));
    }
    Area::from_geojson(&t.area)
        .map_err(|e| FieldError::Invalid(format!("territory \"{}\" has a bad area: {e}", t.name)))
}

fn check_stop(i: usize, s: &RepStop) -> Result<()> {
    let bad = |why: String| {
        Err(FieldError::Invalid(format!(
            "stop {} of the batch (id {}): {why}",
            i + 1,
            s.id
        )))
    };
    if !(-90.0..=90.0).contains(&s.lat) || !(-180.0..=180.0).contains(&s.lon) {
        return bad(format!(
            "its location ({}, {}) is outside the map",
            s.lat, s.lon
        ));
    }
    if s.window_end <= s.window_start {
        return bad("its time window must end after it starts".into());
    }
    if s.window_start.nanosecond() != 0 || s.window_end.nanosecond() != 0 {
        return bad("its time window must be in whole seconds".into());
    }
    if s.customer_name.trim().is_empty() || s.address.trim().is_empty() {
        return bad("it needs a customer name and an address".into());
    }
    if s.version < 0 {
        return bad(format!("its version {} is negative", s.version));
    }
    Ok(())
}

/// Replaces the cached accounts with `accounts`.
fn save_accounts(
    tx: &Transaction<'_>,
    accounts: &[doorstep_domain::account::Account],
) -> Result<()> {
    tx.execute("DELETE FROM rep_accounts", [])?;
    let mut insert = tx.prepare(
        "INSERT INTO rep_accounts (id, name, address, lat, lon, contacts, plan)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for a in accounts {
        insert.execute(params![
            a.id.to_string(),
            a.name,
            a.address,
            a.lat,
            a.lon,
            serde_json::to_string(&a.contacts).expect("contacts serialize"),
            a.plan
                .as_ref()
                .map(|p| serde_json::to_string(p).expect("plans serialize")),
        ])?;
    }
    Ok(())
}

/// Upserts the batch's territories; returns the ids whose name or area changed (or are new).
fn save_territories(
    tx: &Transaction<'_>,
    list: &[RepTerritory],
    areas: &[Area],
) -> Result<HashSet<String>> {
    let mut known = tx.prepare("SELECT name, area FROM rep_territories WHERE id = ?1")?;
    let mut upsert = tx.prepare(
        "INSERT INTO rep_territories (id, name, area, min_lat, min_lon, max_lat, max_lon)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, area = excluded.area,
            min_lat = excluded.min_lat, min_lon = excluded.min_lon,
            max_lat = excluded.max_lat, max_lon = excluded.max_lon",
    )?;
    let mut changed = HashSet::new();
    for (t, area) in list.iter().zip(areas) {
        let id = t.id.to_string();
        let text = area.to_geojson().to_string();
        let before: Option<(String, String)> = known
            .query([&id])?
            .next()?
            .map(|r| Ok::<_, rusqlite::Error>((r.get(0)?, r.get(1)?)))
            .transpose()?;
        if before.as_ref() == Some(&(t.name.clone(), text.clone())) {
            continue;
        }
        let b = area.bounds();
        upsert.execute(params![
            id, t.name, text, b.min_lat, b.min_lon, b.max_lat, b.max_lon
        ])?;
        changed.insert(id);
    }
    Ok(changed)
}

/// Every cached territory, by name (the planner's order), parsed.
fn read_territories(conn: &rusqlite::Connection) -> Result<Vec<Cached>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, area, min_lat, min_lon, max_lat, max_lon
         FROM rep_territories ORDER BY name, id",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                Bounds {
                    min_lat: r.get(3)?,
                    min_lon: r.get(4)?,
                    max_lat: r.get(5)?,
                    max_lon: r.get(6)?,
                },
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(id, name, area, bounds)| {
            let value: serde_json::Value = serde_json::from_str(&area).map_err(|e| {
                FieldError::Invalid(format!("stored territory \"{name}\" is unreadable: {e}"))
            })?;
            let area = Area::from_geojson(&value).map_err(|e| {
                FieldError::Invalid(format!("stored territory \"{name}\" is unreadable: {e}"))
            })?;
            Ok(Cached {
                id: parse_uuid(&id)?,
                area,
                bounds,
            })
        })
        .collect()
}

/// The first territory, by name, whose area holds the point.
fn home(territories: &[Cached], lat: f64, lon: f64) -> Option<Uuid> {
    territories
        .iter()
        .find(|t| t.bounds.contains(lat, lon) && t.area.contains(lat, lon))
        .map(|t| t.id)
}

/// A cached stop's row number, its place, the territory it is filed under and its route.
type Filed = (i64, (f64, f64, Option<String>, String));

/// Files again the cached stops a change to these territories may move: those filed under
/// one of them, and those inside the box of one of them now.
/// Returns the routes of the stops it filed differently.
fn refile(
    tx: &Transaction<'_>,
    territories: &[Cached],
    changed: &HashSet<String>,
) -> Result<HashSet<String>> {
    let mut candidates: HashMap<i64, (f64, f64, Option<String>, String)> = HashMap::new();
    let mut filed = tx.prepare(
        "SELECT rid, lat, lon, territory_id, route_id FROM rep_stops WHERE territory_id = ?1",
    )?;
    // Every cached stop, filed or not: a territory that grew may now hold a stop that was
    // outside them all.
    let mut in_box = tx.prepare(
        "SELECT s.rid, s.lat, s.lon, s.territory_id, s.route_id FROM rep_stops s
         WHERE s.lat BETWEEN ?1 AND ?2 AND s.lon BETWEEN ?3 AND ?4",
    )?;
    let row = |r: &rusqlite::Row<'_>| -> rusqlite::Result<Filed> {
        Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
    };
    for id in changed {
        for found in filed.query_map([id], row)? {
            let (rid, facts) = found?;
            candidates.insert(rid, facts);
        }
    }
    for t in territories
        .iter()
        .filter(|t| changed.contains(&t.id.to_string()))
    {
        let b = t.bounds;
        for found in in_box.query_map(params![b.min_lat, b.max_lat, b.min_lon, b.max_lon], row)? {
            let (rid, facts) = found?;
            candidates.insert(rid, facts);
        }
    }
    let mut update = tx.prepare("UPDATE rep_stops SET territory_id = ?2 WHERE rid = ?1")?;
    let mut routes = HashSet::new();
    for (rid, (lat, lon, was, route)) in candidates {
        let now = home(territories, lat, lon).map(|id| id.to_string());
        if now != was {
            update.execute(params![rid, now])?;
            routes.insert(route);
        }
    }
    Ok(routes)
}

/// Sets the R*Tree box of each of `routes` around its stops inside a territory (by day); a
/// route with none leaves the index.
fn reindex(tx: &Transaction<'_>, routes: &HashSet<String>) -> Result<()> {
    let mut bbox = tx.prepare_cached(
        "SELECT MIN(lat), MAX(lat), MIN(lon), MAX(lon), MIN(day), MAX(day)
         FROM rep_stops WHERE route_id = ?1 AND territory_id IS NOT NULL",
    )?;
    let mut rid_of = tx.prepare_cached("SELECT rid FROM rep_routes WHERE id = ?1")?;
    let mut add = tx.prepare_cached("INSERT INTO rep_routes (id) VALUES (?1) RETURNING rid")?;
    let mut forget = tx.prepare_cached("DELETE FROM rep_routes WHERE rid = ?1")?;
    let mut unbox = tx.prepare_cached("DELETE FROM rep_routes_where WHERE rid = ?1")?;
    let mut boxed =
        tx.prepare_cached("INSERT INTO rep_routes_where VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?;
    for route in routes {
        type Box = (
            Option<f64>,
            Option<f64>,
            Option<f64>,
            Option<f64>,
            Option<i64>,
            Option<i64>,
        );
        let b: Box = bbox.query_row([route], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?;
        let rid: Option<i64> = rid_of.query_row([route], |r| r.get(0)).optional()?;
        if let Some(rid) = rid {
            unbox.execute([rid])?;
        }
        match (b, rid) {
            ((Some(a), Some(b), Some(c), Some(d), Some(e), Some(f)), rid) => {
                let rid = match rid {
                    Some(rid) => rid,
                    None => add.query_row([route], |r| r.get(0))?,
                };
                boxed.execute(params![rid, a, b, c, d, e, f])?;
            }
            (_, Some(rid)) => {
                forget.execute([rid])?;
            }
            (_, None) => {}
        }
    }
    Ok(())
}

pub(super) fn parse_date(s: &str) -> Result<NaiveDate> {
    s.parse()
        .map_err(|e| FieldError::Invalid(format!("stored date \"{s}\" is unreadable: {e}")))
}

fn clock(seconds: u32) -> Result<NaiveTime> {
    NaiveTime::from_num_seconds_from_midnight_opt(seconds, 0)
        .ok_or_else(|| FieldError::Invalid(format!("stored time {seconds} s is unreadable")))
}
