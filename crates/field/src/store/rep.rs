//! A sales rep's screens on the phone, offline: the day's deliveries in the territory with
//! choices to filter by, one delivery with what happened at the door, an account's card, and
//! recording what the rep did about a late or short delivery (an immutable event in the
//! outbox, refused here already when the stop lies outside the rep's territories).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{NaiveDate, NaiveDateTime, Timelike};
use doorstep_domain::account::{Account, DoorEvent};
use doorstep_domain::resolution::{
    suggested_promise_date, ReplacementLine, Resolution, ResolutionEntry, ResolutionRecorded,
};
use doorstep_domain::{OrderLine, StopStatus};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use uuid::Uuid;

use super::outbox::{self, EventKind};
use super::territory::{parse_date, DeliveryFilter, RepStopDetail};
use super::{parse_ts, parse_uuid, ts, Store};
use crate::views::{
    AccountCard, AccountChoice, AccountDelivery, DeliveryDetail, DeliveryRow, DeliveryView,
    ResolutionView, Saved, TerritoryDay,
};
use crate::{FieldError, Result};

pub struct Rep<'a> {
    pub(super) store: &'a mut Store,
}

/// What the rep narrows the day's list by; `None` lets everything through.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RepFilter {
    pub status: Option<StopStatus>,
    pub courier: Option<String>,
    /// An account's id.
    pub account: Option<Uuid>,
    /// Part of the customer's name, any case.
    pub search: Option<String>,
}

impl Rep<'_> {
    /// The phone's local time now: what standings are judged at.
    fn now(&self) -> NaiveDateTime {
        let clock = &self.store.clock;
        let now = clock
            .now()
            .with_timezone(&clock.local_offset())
            .naive_local();
        // Whole seconds: an ETA reads 11:40:00, not 11:40:00.318.
        now.with_nanosecond(0).unwrap_or(now)
    }

    /// The deliveries of `date` (today when `None`) inside `territory` (or all the rep's),
    /// late and incomplete first, narrowed by `filter`; with the choices the filter offers.
    pub fn day(
        &self,
        date: Option<NaiveDate>,
        territory: Option<Uuid>,
        filter: &RepFilter,
    ) -> Result<TerritoryDay> {
        let date = date.unwrap_or_else(|| self.store.clock.today());
        let now = self.now();
        let all = self.assessed(territory, date, now)?;
        let conn = &self.store.conn;
        let mut couriers = BTreeSet::new();
        let mut accounts = BTreeMap::new();
        let mut rows = vec![];
        // The list's own filter, with the search as the customer's name (blank: no search).
        let base = DeliveryFilter {
            status: filter.status,
            courier: filter.courier.clone(),
            customer: filter
                .search
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
        };
        for d in all {
            let row = row(conn, d)?;
            couriers.insert(row.delivery.courier_name.clone());
            accounts.insert(
                (row.delivery.customer_name.clone(), row.account_id),
                row.account_id,
            );
            if base.matches(&row.delivery)
                && filter.account.is_none_or(|a| row.account_id == Some(a))
            {
                rows.push(row);
            }
        }
        Ok(TerritoryDay {
            today: self.store.clock.today(),
            date,
            now,
            deliveries: rows,
            couriers: couriers.into_iter().collect(),
            accounts: accounts
                .into_iter()
                .map(|((name, _), id)| AccountChoice { id, name })
                .collect(),
        })
    }

    fn assessed(
        &self,
        territory: Option<Uuid>,
        date: NaiveDate,
        now: NaiveDateTime,
    ) -> Result<Vec<DeliveryView>> {
        // A shared borrow is all `late_first` needs; `Territory` holds `&mut` for its writes.
        super::territory::late_first(
            &self.store.conn,
            territory,
            date,
            now,
            &DeliveryFilter::default(),
        )
    }

    /// One delivery inside the rep's territories, with how it stands now.
    pub fn delivery(&self, stop_id: Uuid) -> Result<DeliveryDetail> {
        let conn = &self.store.conn;
        let (date, detail) = stop_detail(conn, stop_id)?;
        let now = self.now();
        let delivery = self
            .assessed(None, date, now)?
            .into_iter()
            .find(|d| d.stop_id == stop_id)
            .ok_or(FieldError::OutsideTerritory(stop_id))?;
        let row = row(conn, delivery)?;
        let resolutions = resolution_views(conn, stop_id, &detail.lines)?;
        let suggested_replacement = suggest(&detail.lines, &detail.events, row.delivery.status);
        let today = self.store.clock.today();
        Ok(DeliveryDetail {
            today,
            suggested_promise_date: suggested_promise_date(row.delivery.date, today),
            delivery: row,
            contact_name: detail.contact_name,
            contact_phone: detail.contact_phone,
            lines: detail.lines,
            events: detail.events,
            resolutions,
            suggested_replacement,
        })
    }

    /// An account's card: contacts, service plan, and its deliveries in the synced days,
    /// newest first.
    pub fn account(&self, id: Uuid) -> Result<AccountCard> {
        let conn = &self.store.conn;
        let account = conn
            .prepare_cached(
                "SELECT name, address, lat, lon, contacts, plan FROM rep_accounts WHERE id = ?1",
            )?
            .query_row([id.to_string()], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, f64>(2)?,
                    r.get::<_, f64>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<String>>(5)?,
                ))
            })
            .optional()?
            .ok_or(FieldError::AccountNotFound(id))?;
        let (name, address, lat, lon, contacts, plan) = account;
        let account = Account {
            id,
            name,
            address,
            lat,
            lon,
            contacts: json(&contacts)?,
            plan: plan.as_deref().map(json).transpose()?,
        };
        // The account's cached stops, and their days, newest first.
        let mut stops: BTreeSet<Uuid> = BTreeSet::new();
        let mut dates: BTreeSet<std::cmp::Reverse<String>> = BTreeSet::new();
        for found in conn
            .prepare_cached("SELECT id, date FROM rep_stops WHERE customer_id = ?1")?
            .query_map([id.to_string()], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?
        {
            let (stop, date) = found?;
            stops.insert(parse_uuid(&stop)?);
            dates.insert(std::cmp::Reverse(date));
        }
        let now = self.now();
        let mut deliveries = vec![];
        for std::cmp::Reverse(date) in dates {
            let date = parse_date(&date)?;
            let mut day: Vec<DeliveryView> = self
                .assessed(None, date, now)?
                .into_iter()
                .filter(|d| stops.contains(&d.stop_id))
                .collect();
            day.sort_by_key(|d| std::cmp::Reverse(d.window_start));
            for d in day {
                let (_, detail) = stop_detail(conn, d.stop_id)?;
                deliveries.push(AccountDelivery {
                    row: row(conn, d)?,
                    events: detail.events,
                });
            }
        }
        Ok(AccountCard {
            id: account.id,
            name: account.name,
            address: account.address,
            lat: account.lat,
            lon: account.lon,
            contacts: account.contacts,
            plan: account.plan,
            deliveries,
        })
    }

    /// Records what the rep did about a delivery: checked, saved and queued in ONE
    /// transaction. A stop outside the rep's territories is refused here already, as the
    /// planner would.
    pub fn resolve(&mut self, stop_id: Uuid, resolution: Resolution) -> Result<Saved> {
        let (date, detail) = stop_detail(&self.store.conn, stop_id)?;
        let inside: bool = self
            .store
            .conn
            .prepare_cached("SELECT territory_id IS NOT NULL FROM rep_stops WHERE id = ?1")?
            .query_row([stop_id.to_string()], |r| r.get(0))?;
        if !inside {
            return Err(FieldError::OutsideTerritory(stop_id));
        }
        resolution.validate_lines(&detail.lines)?;
        if let Resolution::Promise { date: promised, .. } = &resolution {
            if *promised < self.store.clock.today().min(date) {
                return Err(FieldError::Invalid(
                    "The promised date has passed already.".into(),
                ));
            }
        }
        let status = self.store.write(|tx, ctx| {
            let recorded = ResolutionRecorded {
                id: ctx.clock.new_id(),
                stop_id,
                resolution,
                captured_at: ctx.now(),
            };
            tx.prepare_cached(
                "INSERT INTO resolutions (id, stop_id, resolution, captured_at, by)
                 VALUES (?1, ?2, ?3, ?4, NULL)",
            )?
            .execute(params![
                recorded.id.to_string(),
                stop_id.to_string(),
                serde_json::to_string(&recorded.resolution).expect("resolutions serialize"),
                ts(recorded.captured_at),
            ])?;
            outbox::append_event(tx, ctx, EventKind::Resolution, stop_id, recorded.id)?;
            let status: String = tx
                .prepare_cached("SELECT status FROM rep_stops WHERE id = ?1")?
                .query_row([stop_id.to_string()], |r| r.get(0))?;
            Ok((recorded.id, status))
        })?;
        let (id, status) = status;
        self.store.saved(id, status.parse()?)
    }
}

fn json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T> {
    serde_json::from_str(s)
        .map_err(|e| FieldError::Invalid(format!("stored account data is unreadable: {e}")))
}

/// A cached stop's date and details; `OutsideTerritory` when the phone does not hold it.
fn stop_detail(conn: &Connection, stop_id: Uuid) -> Result<(NaiveDate, RepStopDetail)> {
    let row = conn
        .prepare_cached(
            "SELECT date, customer_id, contact_name, contact_phone, detail FROM rep_stops WHERE id = ?1",
        )?
        .query_row([stop_id.to_string()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, String>(4)?,
            ))
        })
        .optional()?
        .ok_or(FieldError::OutsideTerritory(stop_id))?;
    let (date, customer, contact_name, contact_phone, detail) = row;
    let mut detail: RepStopDetail = serde_json::from_str(&detail)
        .map_err(|e| FieldError::Invalid(format!("stored stop details are unreadable: {e}")))?;
    detail.customer_id = customer.as_deref().map(parse_uuid).transpose()?;
    detail.contact_name = contact_name;
    detail.contact_phone = contact_phone;
    let date = parse_date(&date)?;
    Ok((date, detail))
}

/// A line of the rep's list: the delivery with its account and what was done about it.
fn row(conn: &Connection, delivery: DeliveryView) -> Result<DeliveryRow> {
    type Facts = (Option<String>, u32, u32, Option<String>);
    let (account, count, waiting, last): Facts = conn
        .prepare_cached(
            "SELECT customer_id,
                    (SELECT COUNT(*) FROM resolutions WHERE stop_id = ?1),
                    (SELECT COUNT(*) FROM outbox WHERE stop_id = ?1 AND kind = 'delivery_resolved'),
                    (SELECT resolution FROM resolutions WHERE stop_id = ?1
                     ORDER BY captured_at DESC, id DESC LIMIT 1)
             FROM rep_stops WHERE id = ?1",
        )?
        .query_row([delivery.stop_id.to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
    let last_resolution = last
        .as_deref()
        .map(|s| serde_json::from_str::<Resolution>(s).map(|r| r.label().to_owned()))
        .transpose()
        .map_err(|e| FieldError::Invalid(format!("a stored resolution is unreadable: {e}")))?;
    Ok(DeliveryRow {
        needs_attention: delivery.standing.needs_attention(),
        account_id: account.as_deref().map(parse_uuid).transpose()?,
        delivery,
        resolutions: count,
        last_resolution,
        waiting_to_sync: waiting,
    })
}

/// What is missing after the door events: the short part of each line of the last proof of
/// delivery, or every line in full when the stop has none and an attempt failed.
fn suggest(lines: &[OrderLine], events: &[DoorEvent], status: StopStatus) -> Vec<ReplacementLine> {
    if let Some(pod) = events.iter().rev().find(|e| e.kind == "pod") {
        return lines
            .iter()
            .filter_map(|l| {
                let got = pod.lines.iter().find(|o| o.line_id == l.id)?;
                let missing = l.ordered_qty.saturating_sub(got.delivered_qty);
                (missing > 0).then_some(ReplacementLine {
                    line_id: l.id,
                    qty: missing,
                })
            })
            .collect();
    }
    if status == StopStatus::Failed {
        return lines
            .iter()
            .map(|l| ReplacementLine {
                line_id: l.id,
                qty: l.ordered_qty,
            })
            .collect();
    }
    vec![]
}

/// The resolutions of a stop, newest first, in plain words.
pub(super) fn resolution_views(
    conn: &Connection,
    stop_id: Uuid,
    lines: &[OrderLine],
) -> Result<Vec<ResolutionView>> {
    let mut stmt = conn.prepare_cached(
        "SELECT r.id, r.resolution, r.captured_at, r.by,
                EXISTS (SELECT 1 FROM outbox o WHERE o.event_id = r.id)
         FROM resolutions r WHERE r.stop_id = ?1 ORDER BY r.captured_at DESC, r.id DESC",
    )?;
    let rows = stmt
        .query_map([stop_id.to_string()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, bool>(4)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(id, resolution, captured_at, by, waiting)| {
            let resolution: Resolution = serde_json::from_str(&resolution).map_err(|e| {
                FieldError::Invalid(format!("a stored resolution is unreadable: {e}"))
            })?;
            Ok(ResolutionView {
                id: parse_uuid(&id)?,
                stop_id,
                summary: resolution.summary(lines),
                resolution,
                by,
                captured_at: ts(parse_ts(&captured_at)?),
                waiting_to_sync: waiting,
            })
        })
        .collect()
}

/// Keeps resolutions the planner sent (with a route or a territory). One recorded here
/// already is only told who recorded it.
pub(super) fn save_resolutions(tx: &Transaction<'_>, list: &[ResolutionEntry]) -> Result<()> {
    let mut upsert = tx.prepare_cached(
        "INSERT INTO resolutions (id, stop_id, resolution, captured_at, by)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET by = excluded.by WHERE resolutions.by IS NOT excluded.by",
    )?;
    for e in list {
        let r = &e.recorded;
        upsert.execute(params![
            r.id.to_string(),
            r.stop_id.to_string(),
            serde_json::to_string(&r.resolution).expect("resolutions serialize"),
            ts(r.captured_at),
            e.by,
        ])?;
    }
    Ok(())
}

/// A resolution recorded on this phone, exactly as it was recorded: the outbox's op body.
pub(super) fn load_resolution(conn: &Connection, id: Uuid) -> Result<ResolutionRecorded> {
    let (stop_id, resolution, captured_at): (String, String, String) = conn
        .prepare_cached("SELECT stop_id, resolution, captured_at FROM resolutions WHERE id = ?1")?
        .query_row([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?
        .ok_or_else(|| FieldError::Invalid(format!("resolution {id} is not on this device")))?;
    Ok(ResolutionRecorded {
        id,
        stop_id: parse_uuid(&stop_id)?,
        resolution: serde_json::from_str(&resolution)
            .map_err(|e| FieldError::Invalid(format!("a stored resolution is unreadable: {e}")))?,
        captured_at: parse_ts(&captured_at)?,
    })
}
