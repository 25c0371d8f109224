//! Stops on the device: the domain view for writes, the screen view for reads.

use doorstep_domain::sync::OpBody;
use doorstep_domain::{OrderLine, Stop, StopStatus};
use rusqlite::{params, Connection, OptionalExtension};
use uuid::Uuid;

use super::events::{failed_views, note_views, pod_views};
use super::routes::{parse_time, summary_from_row};
use super::{outbox, parse_enum, parse_uuid, Store};
use crate::views::{Saved, StopDetail};
use crate::{FieldError, Result};

pub struct Stops<'a> {
    pub(super) store: &'a mut Store,
}

impl Stops<'_> {
    /// Everything the stop screen shows.
    pub fn detail(&self, id: Uuid) -> Result<StopDetail> {
        let conn = &self.store.conn;
        let row = conn
            .prepare_cached(
                "SELECT s.id, s.position, s.customer_name, s.customer_kind, s.address, s.window_start,
                        s.window_end, s.status, s.cancelled,
                        (SELECT COUNT(*) FROM order_lines l WHERE l.stop_id = s.id),
                        (SELECT COUNT(*) FROM outbox o WHERE o.stop_id = s.id),
                        s.contact_name, s.contact_phone, s.instructions, s.lat, s.lon
                 FROM stops s WHERE s.id = ?1",
            )?
            .query_row([id.to_string()], |r| {
                Ok((
                    summary_from_row(r)?,
                    r.get::<_, Option<String>>(11)?,
                    r.get::<_, Option<String>>(12)?,
                    r.get::<_, Option<String>>(13)?,
                    r.get::<_, f64>(14)?,
                    r.get::<_, f64>(15)?,
                ))
            })
            .optional()?
            .ok_or(FieldError::StopNotFound(id))?;
        let (summary, contact_name, contact_phone, instructions, lat, lon) = row;
        let lines = lines_of(conn, id)?;
        Ok(StopDetail {
            resolutions: super::rep::resolution_views(conn, id, &lines)?,
            summary: summary.into_summary()?,
            contact_name,
            contact_phone,
            instructions,
            lat,
            lon,
            lines,
            pods: pod_views(conn, id)?,
            notes: note_views(conn, id)?,
            failed_attempts: failed_views(conn, id)?,
        })
    }

    /// Moves a stop forward to "on the way" or "arrived". Delivered, partly delivered and
    /// failed come only from their events (a proof of delivery, a failed attempt).
    pub fn advance(&mut self, id: Uuid, to: StopStatus) -> Result<Saved> {
        if to.is_final() {
            return Err(FieldError::Invalid(format!(
                "a stop becomes {} only by recording a proof of delivery or a failed attempt",
                to.label()
            )));
        }
        let status = self.store.write(|tx, ctx| {
            let from = open_status(tx, id)?;
            let to = from.advance(to)?;
            set_status(tx, id, to)?;
            let at = ctx.now();
            outbox::append_inline(
                tx,
                ctx,
                &OpBody::StopAdvanced {
                    stop_id: id,
                    status: to,
                    at,
                },
            )?;
            Ok(to)
        })?;
        self.store.saved(id, status)
    }
}

/// A stop's status, refused with [`FieldError::StopCancelled`] when dispatch cancelled it:
/// nothing more is recorded on a cancelled stop (its actions say so too).
pub(super) fn open_status(conn: &Connection, id: Uuid) -> Result<StopStatus> {
    let (status, cancelled): (String, bool) = conn
        .prepare_cached("SELECT status, cancelled FROM stops WHERE id = ?1")?
        .query_row([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .ok_or(FieldError::StopNotFound(id))?;
    if cancelled {
        return Err(FieldError::StopCancelled(id));
    }
    parse_enum(&status)
}

pub(super) fn set_status(conn: &Connection, id: Uuid, status: StopStatus) -> Result<()> {
    conn.prepare_cached("UPDATE stops SET status = ?2 WHERE id = ?1")?
        .execute(params![id.to_string(), status.as_str()])?;
    Ok(())
}

/// The domain's stop, with its lines, as validation needs it; refused with
/// [`FieldError::StopCancelled`] when dispatch cancelled it, as [`open_status`] does (one read
/// for a record's check and its validation).
pub(super) fn load_open(conn: &Connection, id: Uuid) -> Result<Stop> {
    let row = conn
        .prepare_cached(
            "SELECT position, customer_name, customer_kind, address, lat, lon, contact_name,
                    contact_phone, window_start, window_end, instructions, status, cancelled
             FROM stops WHERE id = ?1",
        )?
        .query_row([id.to_string()], |r| {
            Ok((
                r.get::<_, u32>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, f64>(4)?,
                r.get::<_, f64>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, Option<String>>(7)?,
                r.get::<_, String>(8)?,
                r.get::<_, String>(9)?,
                r.get::<_, Option<String>>(10)?,
                r.get::<_, String>(11)?,
                r.get::<_, bool>(12)?,
            ))
        })
        .optional()?
        .ok_or(FieldError::StopNotFound(id))?;
    if row.12 {
        return Err(FieldError::StopCancelled(id));
    }
    Ok(Stop {
        id,
        position: row.0,
        customer_name: row.1,
        customer_kind: row.2.parse()?,
        address: row.3,
        lat: row.4,
        lon: row.5,
        contact_name: row.6,
        contact_phone: row.7,
        window_start: parse_time(&row.8)?,
        window_end: parse_time(&row.9)?,
        instructions: row.10,
        status: parse_enum(&row.11)?,
        lines: lines_of(conn, id)?,
    })
}

fn lines_of(conn: &Connection, stop_id: Uuid) -> Result<Vec<OrderLine>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, sku, description, ordered_qty, unit, barcode FROM order_lines
         WHERE stop_id = ?1 ORDER BY position",
    )?;
    let rows = stmt.query_map([stop_id.to_string()], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, u32>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, Option<String>>(5)?,
        ))
    })?;
    rows.map(|row| {
        let (id, sku, description, ordered_qty, unit, barcode) = row?;
        Ok(OrderLine {
            id: parse_uuid(&id)?,
            sku,
            description,
            ordered_qty,
            unit,
            barcode,
        })
    })
    .collect()
}
