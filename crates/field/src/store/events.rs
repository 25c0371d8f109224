//! Events at the doorstep: proofs of delivery, failed attempts, condition notes. Each record
//! is one transaction: the event rows, the stop's status, one outbox op.

use doorstep_domain::{
    ConditionNote, FailedAttempt, GpsFix, LineOutcome, NewConditionNote, NewFailedAttempt, NewPod,
    Pod, Signature, StopStatus,
};
use rusqlite::{params, Connection, OptionalExtension};
use uuid::Uuid;

use super::outbox::{self, EventKind};
use super::{enum_str, parse_enum, parse_ts, parse_uuid, stops, ts, Store};
use crate::views::{FailedView, NoteView, PodView, Saved};
use crate::{FieldError, Result};

pub struct Pods<'a> {
    pub(super) store: &'a mut Store,
}

pub struct FailedAttempts<'a> {
    pub(super) store: &'a mut Store,
}

pub struct ConditionNotes<'a> {
    pub(super) store: &'a mut Store,
}

impl Pods<'_> {
    /// Records a proof of delivery: the stop becomes delivered or partly delivered. With
    /// `corrects`, it is a correction of an earlier proof on the same stop (which stays as is).
    pub fn record(&mut self, new: NewPod) -> Result<Saved> {
        let op_apart = crate::planted!("op-in-own-transaction");
        let stop_id = new.stop_id;
        let (id, status) = self.store.write(|tx, ctx| {
            let stop = stops::load_open(tx, new.stop_id)?;
            let (new, outcome) = new.validate(&stop)?;
            let status = match new.corrects {
                None => stop.status.advance(outcome.status())?,
                Some(original) => {
                    let of_stop: Option<String> = tx
                        .query_row(
                            "SELECT stop_id FROM pods WHERE id = ?1",
                            [original.to_string()],
                            |r| r.get(0),
                        )
                        .optional()?;
                    if of_stop != Some(stop.id.to_string()) {
                        return Err(FieldError::PodNotFound(original));
                    }
                    outcome.status()
                }
            };
            require_photos(tx, &new.photos)?;
            let pod = new.into_pod(ctx.clock.new_id(), outcome, ctx.now());
            insert_pod(tx, &pod)?;
            stops::set_status(tx, pod.stop_id, status)?;
            if !op_apart {
                outbox::append_event(tx, ctx, EventKind::Pod, pod.stop_id, pod.id)?;
            }
            Ok((pod.id, status))
        })?;
        if op_apart {
            self.store.write(|tx, ctx| {
                outbox::append_event(tx, ctx, EventKind::Pod, stop_id, id)?;
                Ok(())
            })?;
        }
        self.store.saved(id, status)
    }

    /// A saved proof of delivery, exactly as it was recorded.
    pub fn get(&self, id: Uuid) -> Result<Pod> {
        load_pod(&self.store.conn, id)
    }
}

pub(super) fn load_pod(conn: &Connection, id: Uuid) -> Result<Pod> {
    let row = conn
        .prepare_cached(
            "SELECT stop_id, recipient_name, signature, gps_lat, gps_lon, gps_accuracy_m,
                        outcome, corrects, captured_at FROM pods WHERE id = ?1",
        )?
        .query_row([id.to_string()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                gps_from(r, 3)?,
                r.get::<_, String>(6)?,
                r.get::<_, Option<String>>(7)?,
                r.get::<_, String>(8)?,
            ))
        })
        .optional()?
        .ok_or(FieldError::PodNotFound(id))?;
    let signature: Option<Signature> = row
        .2
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(|e| FieldError::Invalid(format!("stored signature is unreadable: {e}")))?;
    Ok(Pod {
        id,
        stop_id: parse_uuid(&row.0)?,
        recipient_name: row.1,
        signature,
        photos: photos_of(conn, id)?,
        gps: row.3,
        lines: pod_lines(conn, id)?,
        outcome: parse_enum(&row.4)?,
        corrects: row.5.as_deref().map(parse_uuid).transpose()?,
        captured_at: parse_ts(&row.6)?,
    })
}

impl FailedAttempts<'_> {
    /// Records a failed attempt: the stop becomes failed.
    pub fn record(&mut self, new: NewFailedAttempt) -> Result<Saved> {
        let (id, status) = self.store.write(|tx, ctx| {
            let from = stops::open_status(tx, new.stop_id)?;
            let new = new.validate()?;
            let status = from.advance(StopStatus::Failed)?;
            require_photos(tx, new.photo.as_slice())?;
            let attempt = new.into_event(ctx.clock.new_id(), ctx.now());
            let gps = attempt.gps;
            tx.execute(
                "INSERT INTO failed_attempts (id, stop_id, reason, note, gps_lat, gps_lon, gps_accuracy_m, captured_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    attempt.id.to_string(),
                    attempt.stop_id.to_string(),
                    enum_str(&attempt.reason),
                    attempt.note,
                    gps.map(|g| g.lat),
                    gps.map(|g| g.lon),
                    gps.map(|g| g.accuracy_m),
                    ts(attempt.captured_at),
                ],
            )?;
            insert_photos(tx, attempt.id, attempt.photo.as_slice())?;
            stops::set_status(tx, attempt.stop_id, status)?;
            outbox::append_event(tx, ctx, EventKind::FailedAttempt, attempt.stop_id, attempt.id)?;
            Ok((attempt.id, status))
        })?;
        self.store.saved(id, status)
    }

    /// A saved failed attempt, exactly as it was recorded.
    pub fn get(&self, id: Uuid) -> Result<FailedAttempt> {
        load_failed_attempt(&self.store.conn, id)
    }
}

impl ConditionNotes<'_> {
    /// Records a condition note. Notes do not change the stop's status; they may be added
    /// before or after the delivery.
    pub fn record(&mut self, new: NewConditionNote) -> Result<Saved> {
        let (id, status) = self.store.write(|tx, ctx| {
            let stop = stops::load_open(tx, new.stop_id)?;
            let new = new.validate(&stop)?;
            require_photos(tx, &new.photos)?;
            let note = new.into_event(ctx.clock.new_id(), ctx.now());
            tx.execute(
                "INSERT INTO condition_notes (id, stop_id, category, text, line_id, captured_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    note.id.to_string(),
                    note.stop_id.to_string(),
                    enum_str(&note.category),
                    note.text,
                    note.line_id.map(|l| l.to_string()),
                    ts(note.captured_at),
                ],
            )?;
            insert_photos(tx, note.id, &note.photos)?;
            outbox::append_event(tx, ctx, EventKind::ConditionNote, note.stop_id, note.id)?;
            Ok((note.id, stop.status))
        })?;
        self.store.saved(id, status)
    }

    /// A saved condition note, exactly as it was recorded.
    pub fn get(&self, id: Uuid) -> Result<ConditionNote> {
        load_note(&self.store.conn, id)
    }
}

pub(super) fn load_failed_attempt(conn: &Connection, id: Uuid) -> Result<FailedAttempt> {
    let row = conn
        .prepare_cached(
            "SELECT stop_id, reason, note, gps_lat, gps_lon, gps_accuracy_m, captured_at
             FROM failed_attempts WHERE id = ?1",
        )?
        .query_row([id.to_string()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                gps_from(r, 3)?,
                r.get::<_, String>(6)?,
            ))
        })
        .optional()?
        .ok_or_else(|| FieldError::Invalid(format!("failed attempt {id} is not on this device")))?;
    Ok(FailedAttempt {
        id,
        stop_id: parse_uuid(&row.0)?,
        reason: parse_enum(&row.1)?,
        note: row.2,
        photo: photos_of(conn, id)?.pop(),
        gps: row.3,
        captured_at: parse_ts(&row.4)?,
    })
}

pub(super) fn load_note(conn: &Connection, id: Uuid) -> Result<ConditionNote> {
    let row = conn
        .prepare_cached(
            "SELECT stop_id, category, text, line_id, captured_at FROM condition_notes WHERE id = ?1",
        )?
        .query_row([id.to_string()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, String>(4)?,
            ))
        })
        .optional()?
        .ok_or_else(|| FieldError::Invalid(format!("condition note {id} is not on this device")))?;
    Ok(ConditionNote {
        id,
        stop_id: parse_uuid(&row.0)?,
        category: parse_enum(&row.1)?,
        text: row.2,
        photos: photos_of(conn, id)?,
        line_id: row.3.as_deref().map(parse_uuid).transpose()?,
        captured_at: parse_ts(&row.4)?,
    })
}

fn insert_pod(conn: &Connection, pod: &Pod) -> Result<()> {
    let signature = pod
        .signature
        .as_ref()
        .map(|s| serde_json::to_string(s).expect("signatures always serialize"));
    conn.prepare_cached(
        "INSERT INTO pods (id, stop_id, recipient_name, signature, gps_lat, gps_lon, gps_accuracy_m,
                           outcome, corrects, captured_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        pod.id.to_string(),
        pod.stop_id.to_string(),
        pod.recipient_name,
        signature,
        pod.gps.map(|g| g.lat),
        pod.gps.map(|g| g.lon),
        pod.gps.map(|g| g.accuracy_m),
        enum_str(&pod.outcome),
        pod.corrects.map(|c| c.to_string()),
        ts(pod.captured_at),
    ])?;
    let mut line = conn.prepare_cached(
        "INSERT INTO pod_lines (pod_id, line_id, delivered_qty, shortfall_reason, note)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for l in &pod.lines {
        line.execute(params![
            pod.id.to_string(),
            l.line_id.to_string(),
            l.delivered_qty,
            l.shortfall_reason.as_ref().map(enum_str),
            l.note,
        ])?;
    }
    insert_photos(conn, pod.id, &pod.photos)
}

/// Every photo an event names must already be on the phone (imported through the pipeline).
fn require_photos(conn: &Connection, photos: &[String]) -> Result<()> {
    let mut stmt = conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM photos WHERE sha256 = ?1)")?;
    for p in photos {
        if !stmt.query_row([p], |r| r.get::<_, bool>(0))? {
            return Err(FieldError::PhotoMissing(p.clone()));
        }
    }
    Ok(())
}

fn insert_photos(conn: &Connection, event_id: Uuid, photos: &[String]) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO event_photos (event_id, position, sha256) VALUES (?1, ?2, ?3)",
    )?;
    for (i, p) in photos.iter().enumerate() {
        stmt.execute(params![event_id.to_string(), i as u32, p])?;
    }
    Ok(())
}

fn photos_of(conn: &Connection, event_id: Uuid) -> Result<Vec<String>> {
    let mut stmt = conn
        .prepare_cached("SELECT sha256 FROM event_photos WHERE event_id = ?1 ORDER BY position")?;
    let rows = stmt.query_map([event_id.to_string()], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn gps_from(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<Option<GpsFix>> {
    let lat: Option<f64> = r.get(first)?;
    let lon: Option<f64> = r.get(first + 1)?;
    let accuracy_m: Option<f64> = r.get(first + 2)?;
    Ok(match (lat, lon, accuracy_m) {
        (Some(lat), Some(lon), Some(accuracy_m)) => Some(GpsFix {
            lat,
            lon,
            accuracy_m,
        }),
        _ => None,
    })
}

fn pod_lines(conn: &Connection, pod_id: Uuid) -> Result<Vec<LineOutcome>> {
    let mut stmt = conn.prepare_cached(
        "SELECT pl.line_id, pl.delivered_qty, pl.shortfall_reason, pl.note
         FROM pod_lines pl JOIN order_lines ol ON ol.id = pl.line_id
         WHERE pl.pod_id = ?1 ORDER BY ol.position",
    )?;
    let rows = stmt.query_map([pod_id.to_string()], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, u32>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, Option<String>>(3)?,
        ))
    })?;
    rows.map(|row| {
        let (line_id, delivered_qty, reason, note) = row?;
        Ok(LineOutcome {
            line_id: parse_uuid(&line_id)?,
            delivered_qty,
            shortfall_reason: reason.as_deref().map(parse_enum).transpose()?,
            note,
        })
    })
    .collect()
}

pub(super) fn pod_views(conn: &Connection, stop_id: Uuid) -> Result<Vec<PodView>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, recipient_name, captured_at, signature IS NOT NULL, gps_lat, gps_lon,
                gps_accuracy_m, corrects,
                (SELECT COUNT(*) FROM event_photos e WHERE e.event_id = pods.id)
         FROM pods WHERE stop_id = ?1 ORDER BY captured_at, id",
    )?;
    let rows = stmt.query_map([stop_id.to_string()], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, bool>(3)?,
            gps_from(r, 4)?,
            r.get::<_, Option<String>>(7)?,
            r.get::<_, u32>(8)?,
        ))
    })?;
    rows.map(|row| {
        let (id, recipient_name, captured_at, has_signature, gps, corrects, photo_count) = row?;
        let id = parse_uuid(&id)?;
        Ok(PodView {
            id,
            recipient_name,
            captured_at,
            photo_count,
            has_signature,
            lines: pod_lines(conn, id)?,
            gps,
            corrects: corrects.as_deref().map(parse_uuid).transpose()?,
        })
    })
    .collect()
}

pub(super) fn note_views(conn: &Connection, stop_id: Uuid) -> Result<Vec<NoteView>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, category, text, line_id, captured_at,
                (SELECT COUNT(*) FROM event_photos e WHERE e.event_id = condition_notes.id)
         FROM condition_notes WHERE stop_id = ?1 ORDER BY captured_at, id",
    )?;
    let rows = stmt.query_map([stop_id.to_string()], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, u32>(5)?,
        ))
    })?;
    rows.map(|row| {
        let (id, category, text, line_id, captured_at, photo_count) = row?;
        Ok(NoteView {
            id: parse_uuid(&id)?,
            category: parse_enum(&category)?,
            text,
            line_id: line_id.as_deref().map(parse_uuid).transpose()?,
            photo_count,
            captured_at,
        })
    })
    .collect()
}

pub(super) fn failed_views(conn: &Connection, stop_id: Uuid) -> Result<Vec<FailedView>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, reason, note, captured_at,
                EXISTS (SELECT 1 FROM event_photos e WHERE e.event_id = failed_attempts.id)
         FROM failed_attempts WHERE stop_id = ?1 ORDER BY captured_at, id",
    )?;
    let rows = stmt.query_map([stop_id.to_string()], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, bool>(4)?,
        ))
    })?;
    rows.map(|row| {
        let (id, reason, note, captured_at, has_photo) = row?;
        Ok(FailedView {
            id: parse_uuid(&id)?,
            reason: parse_enum(&reason)?,
            note,
            has_photo,
            captured_at,
        })
    })
    .collect()
}
