//! Routes on the device.

use chrono::NaiveDate;
use doorstep_domain::{Route, StopActions, StopStatus};
use rusqlite::{params, OptionalExtension};
use uuid::Uuid;

use super::{parse_enum, parse_uuid, Store};
use crate::views::{RouteHeader, RouteProgress, RouteView, StopSummary};
use crate::{FieldError, Result};

pub struct Routes<'a> {
    pub(super) store: &'a mut Store,
}

pub(super) const TIME_FMT: &str = "%H:%M";

impl Routes<'_> {
    /// Stores a whole route in one transaction, after checking it.
    pub fn import(&mut self, route: &Route) -> Result<()> {
        route.validate()?;
        self.store.write(|tx, _| {
            let exists: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM routes WHERE id = ?1)",
                [route.id.to_string()],
                |r| r.get(0),
            )?;
            if exists {
                return Err(FieldError::RouteExists);
            }
            tx.execute(
                "INSERT INTO routes (id, date, courier_name) VALUES (?1, ?2, ?3)",
                params![route.id.to_string(), route.date.to_string(), route.courier_name],
            )?;
            let mut stop_stmt = tx.prepare(
                "INSERT INTO stops (id, route_id, position, customer_name, customer_kind, address, lat, lon,
                    contact_name, contact_phone, window_start, window_end, instructions, status)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )?;
            let mut line_stmt = tx.prepare(
                "INSERT INTO order_lines (id, stop_id, position, sku, description, ordered_qty, unit, barcode)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            for s in &route.stops {
                stop_stmt.execute(params![
                    s.id.to_string(),
                    route.id.to_string(),
                    s.position,
                    s.customer_name,
                    s.customer_kind.as_str(),
                    s.address,
                    s.lat,
                    s.lon,
                    s.contact_name,
                    s.contact_phone,
                    s.window_start.format(TIME_FMT).to_string(),
                    s.window_end.format(TIME_FMT).to_string(),
                    s.instructions,
                    s.status.as_str(),
                ])?;
                for (i, l) in s.lines.iter().enumerate() {
                    line_stmt.execute(params![
                        l.id.to_string(),
                        s.id.to_string(),
                        i as u32,
                        l.sku,
                        l.description,
                        l.ordered_qty,
                        l.unit,
                        l.barcode,
                    ])?;
                }
            }
            Ok(())
        })
    }

    /// The route for `date`, if the device holds one in its scope.
    pub fn on(&self, date: NaiveDate) -> Result<Option<Uuid>> {
        let id: Option<String> = self
            .store
            .conn
            .query_row(
                "SELECT id FROM routes WHERE date = ?1 AND out_of_scope = 0 ORDER BY id LIMIT 1",
                [date.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        id.as_deref().map(parse_uuid).transpose()
    }

    /// Every route the device holds in its scope, by date, then id.
    pub fn in_scope(&self) -> Result<Vec<Uuid>> {
        let mut stmt = self
            .store
            .conn
            .prepare_cached("SELECT id FROM routes WHERE out_of_scope = 0 ORDER BY date, id")?;
        let ids = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        ids.iter().map(|id| parse_uuid(id)).collect()
    }

    /// Today's route by the device clock, stops in order, each with what waits to sync.
    pub fn today(&self) -> Result<RouteView> {
        self.today_page(0, None)
    }

    /// Today's route with the stops from `offset` in route order, at most `limit` of them (all
    /// when `None`): a screen asks for what it shows. Progress and the next stop still cover
    /// the whole route.
    pub fn today_page(&self, offset: u32, limit: Option<u32>) -> Result<RouteView> {
        let today = self.store.clock.today();
        let Some(route_id) = self.on(today)? else {
            return Ok(RouteView::new(today, None, vec![]));
        };
        self.view_page(route_id, offset, limit)
    }

    pub fn view(&self, route_id: Uuid) -> Result<RouteView> {
        self.view_page(route_id, 0, None)
    }

    /// The route with the stops from `offset`, at most `limit` of them (all when `None`).
    pub fn view_page(&self, route_id: Uuid, offset: u32, limit: Option<u32>) -> Result<RouteView> {
        let conn = &self.store.conn;
        let header = conn.query_row(
            "SELECT id, date, courier_name FROM routes WHERE id = ?1",
            [route_id.to_string()],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            },
        )?;
        let mut stmt = conn.prepare_cached(
            "SELECT s.id, s.position, s.customer_name, s.customer_kind, s.address, s.window_start,
                    s.window_end, s.status, s.cancelled,
                    (SELECT COUNT(*) FROM order_lines l WHERE l.stop_id = s.id),
                    (SELECT COUNT(*) FROM outbox o WHERE o.stop_id = s.id)
             FROM stops s WHERE s.route_id = ?1 ORDER BY s.position LIMIT ?2 OFFSET ?3",
        )?;
        // SQLite reads a negative LIMIT as no limit.
        let sql_limit = limit.map_or(-1, i64::from);
        let stops = stmt
            .query_map(
                params![route_id.to_string(), sql_limit, offset],
                summary_from_row,
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?
            .into_iter()
            .map(|r| r.into_summary())
            .collect::<Result<Vec<_>>>()?;
        let header = RouteHeader {
            id: parse_uuid(&header.0)?,
            date: header.1,
            courier_name: header.2,
        };
        let today = self.store.clock.today();
        let whole = offset == 0 && limit.is_none_or(|l| stops.len() < l as usize);
        if whole {
            return Ok(RouteView::new(today, Some(header), stops));
        }
        // A page: progress and the next stop from every stop's status, without the rest of
        // their rows.
        let mut stmt = conn.prepare_cached(
            "SELECT id, status, cancelled FROM stops WHERE route_id = ?1 ORDER BY position",
        )?;
        let states = stmt
            .query_map([route_id.to_string()], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, bool>(2)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut tallied = Vec::with_capacity(states.len());
        for (id, status, cancelled) in &states {
            let status: StopStatus = parse_enum(status)?;
            let deliver = StopActions::of(status, *cancelled).deliver;
            tallied.push((id, status, *cancelled, deliver));
        }
        let (progress, next_stop) = RouteProgress::tally(tallied);
        Ok(RouteView {
            today,
            route: Some(header),
            stops,
            progress,
            next_stop: next_stop.map(|id| parse_uuid(id)).transpose()?,
        })
    }

    /// The stop at `position` on today's route: scripts name stops by their number.
    pub fn stop_at(&self, position: u32) -> Result<Uuid> {
        let today = self.store.clock.today();
        let id: Option<String> = self
            .store
            .conn
            .query_row(
                "SELECT s.id FROM stops s JOIN routes r ON r.id = s.route_id
                 WHERE r.date = ?1 AND r.out_of_scope = 0 AND s.position = ?2
                 ORDER BY r.id LIMIT 1",
                params![today.to_string(), position],
                |r| r.get(0),
            )
            .optional()?;
        match id {
            Some(id) => parse_uuid(&id),
            None => Err(FieldError::StopPositionNotFound(position)),
        }
    }
}

/// A stop-summary row as read, before its text columns are parsed.
pub(super) struct SummaryRow {
    id: String,
    position: u32,
    customer_name: String,
    customer_kind: String,
    address: String,
    window_start: String,
    window_end: String,
    status: String,
    cancelled: bool,
    line_count: u32,
    waiting: u32,
}

pub(super) fn summary_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SummaryRow> {
    Ok(SummaryRow {
        id: r.get(0)?,
        position: r.get(1)?,
        customer_name: r.get(2)?,
        customer_kind: r.get(3)?,
        address: r.get(4)?,
        window_start: r.get(5)?,
        window_end: r.get(6)?,
        status: r.get(7)?,
        cancelled: r.get(8)?,
        line_count: r.get(9)?,
        waiting: r.get(10)?,
    })
}

impl SummaryRow {
    pub(super) fn into_summary(self) -> Result<StopSummary> {
        let status = parse_enum(&self.status)?;
        Ok(StopSummary {
            actions: StopActions::of(status, self.cancelled),
            id: parse_uuid(&self.id)?,
            position: self.position,
            customer_name: self.customer_name,
            customer_kind: self.customer_kind.parse()?,
            address: self.address,
            window_start: self.window_start,
            window_end: self.window_end,
            status,
            cancelled: self.cancelled,
            line_count: self.line_count,
            waiting_to_sync: self.waiting,
        })
    }
}

pub(super) fn parse_time(s: &str) -> Result<chrono::NaiveTime> {
    chrono::NaiveTime::parse_from_str(s, TIME_FMT)
        .map_err(|e| FieldError::Invalid(format!("stored time \"{s}\" is unreadable: {e}")))
}
