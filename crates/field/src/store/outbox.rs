//! Ops waiting for the planner, numbered `(device_id, epoch, seq)` with seq contiguous.
//!
//! An op that records an event (proof of delivery, failed attempt, condition note) stores only
//! the event's id: events are immutable (the schema's triggers refuse any change), so building
//! the op body from the event's row at push time always gives the same body and hash. Other
//! ops store their body inline.

use doorstep_domain::sync::{Op, OpBody};
use rusqlite::{params, Connection, Transaction};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::events::{load_failed_attempt, load_note, load_pod};
use super::{parse_uuid, ts, Ctx};
use crate::{FieldError, Result};

/// Read access to the outbox.
pub struct Outbox<'a> {
    pub(super) conn: &'a Connection,
}

/// One waiting op in its wire form.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    pub op: Op,
    pub created_at: String,
}

/// Which event an op records, by the op's `kind`.
pub(super) enum EventKind {
    Pod,
    FailedAttempt,
    ConditionNote,
    Resolution,
}

impl EventKind {
    fn as_str(&self) -> &'static str {
        match self {
            EventKind::Pod => "pod_recorded",
            EventKind::FailedAttempt => "failed_attempt_recorded",
            EventKind::ConditionNote => "condition_note_recorded",
            EventKind::Resolution => "delivery_resolved",
        }
    }
}

impl Outbox<'_> {
    /// Ops not yet acknowledged by the planner. The outbox holds exactly
    /// `acked_seq + 1 ..= last_seq` (see [`Outbox::check_contiguous`]), so the count is one
    /// row read instead of a scan, on the path of every save.
    pub fn len(&self) -> Result<u32> {
        Ok(self
            .conn
            .prepare_cached("SELECT last_seq - acked_seq FROM device WHERE id = 1")?
            .query_row([], |r| r.get(0))?)
    }

    pub fn is_empty(&self) -> Result<bool> {
        Ok(self.len()? == 0)
    }

    /// All waiting ops, oldest first, with their bodies and content hashes.
    pub fn entries(&self) -> Result<Vec<OutboxEntry>> {
        self.first(usize::MAX)
    }

    /// The oldest `limit` waiting ops: one push batch.
    pub fn first(&self, limit: usize) -> Result<Vec<OutboxEntry>> {
        let device_id: String =
            self.conn
                .query_row("SELECT device_id FROM device WHERE id = 1", [], |r| {
                    r.get(0)
                })?;
        let device_id = parse_uuid(&device_id)?;
        let mut stmt = self.conn.prepare(
            "SELECT seq, epoch, kind, event_id, payload, created_at FROM outbox ORDER BY seq LIMIT ?1",
        )?;
        let limit = i64::try_from(limit).unwrap_or(-1);
        let rows = stmt.query_map([limit], |r| {
            Ok((
                r.get::<_, u64>(0)?,
                r.get::<_, u32>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, String>(5)?,
            ))
        })?;
        rows.map(|row| {
            let (seq, epoch, kind, event_id, payload, created_at) = row?;
            let body = self.body(seq, &kind, event_id.as_deref(), payload.as_deref())?;
            let json = serde_json::to_vec(&body).expect("op bodies always serialize");
            Ok(OutboxEntry {
                op: Op {
                    device_id,
                    epoch,
                    seq,
                    sha256: hex::encode(Sha256::digest(&json)),
                    body,
                },
                created_at,
            })
        })
        .collect()
    }

    fn body(
        &self,
        seq: u64,
        kind: &str,
        event_id: Option<&str>,
        payload: Option<&str>,
    ) -> Result<OpBody> {
        let unreadable =
            |why: String| FieldError::Invalid(format!("outbox op {seq} is unreadable: {why}"));
        if let Some(payload) = payload {
            return serde_json::from_str(payload).map_err(|e| unreadable(e.to_string()));
        }
        let id = parse_uuid(event_id.ok_or_else(|| unreadable("it names no event".into()))?)?;
        Ok(match kind {
            "pod_recorded" => OpBody::PodRecorded {
                pod: load_pod(self.conn, id)?,
            },
            "failed_attempt_recorded" => OpBody::FailedAttemptRecorded {
                attempt: load_failed_attempt(self.conn, id)?,
            },
            "condition_note_recorded" => OpBody::ConditionNoteRecorded {
                note: load_note(self.conn, id)?,
            },
            "delivery_resolved" => OpBody::DeliveryResolved {
                resolution: super::rep::load_resolution(self.conn, id)?,
            },
            other => return Err(unreadable(format!("unknown kind \"{other}\""))),
        })
    }

    /// The outbox holds exactly seq `acked_seq + 1 ..= last_seq`, all in the current epoch:
    /// nothing handed out is missing, nothing the planner acknowledged is still there.
    pub fn check_contiguous(&self) -> Result<()> {
        let (last_seq, acked_seq, epoch): (u64, u64, u32) = self.conn.query_row(
            "SELECT last_seq, acked_seq, epoch FROM device WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let (count, min, max, other_epochs): (u64, Option<u64>, Option<u64>, u64) =
            self.conn.query_row(
                "SELECT COUNT(*), MIN(seq), MAX(seq), COALESCE(SUM(epoch <> ?1), 0) FROM outbox",
                [epoch],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )?;
        if other_epochs > 0 {
            return Err(FieldError::Invalid(format!(
                "{other_epochs} outbox ops belong to another epoch"
            )));
        }
        let expected = last_seq - acked_seq;
        match (min, max) {
            (None, None) if expected == 0 => Ok(()),
            (Some(min), Some(max))
                if min == acked_seq + 1 && max == last_seq && count == expected =>
            {
                Ok(())
            }
            _ => Err(FieldError::Invalid(format!(
                "the outbox has a gap: {count} ops between seq {min:?} and {max:?}, \
                 acknowledged up to {acked_seq}, last handed out {last_seq}"
            ))),
        }
    }
}

/// Takes the next seq of this epoch, inside the caller's transaction.
fn next_seq(tx: &Transaction<'_>) -> Result<u64> {
    Ok(tx
        .prepare_cached(
            "UPDATE device SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq",
        )?
        .query_row([], |r| r.get(0))?)
}

/// Appends an op that records the event `event_id`, inside the caller's transaction.
pub(super) fn append_event(
    tx: &Transaction<'_>,
    ctx: &Ctx<'_>,
    kind: EventKind,
    stop_id: Uuid,
    event_id: Uuid,
) -> Result<u64> {
    let seq = next_seq(tx)?;
    tx.prepare_cached(
        "INSERT INTO outbox (seq, epoch, stop_id, kind, event_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        seq,
        ctx.device.epoch,
        stop_id.to_string(),
        kind.as_str(),
        event_id.to_string(),
        ts(ctx.now()),
    ])?;
    Ok(seq)
}

/// Appends an op whose body is stored inline, inside the caller's transaction.
pub(super) fn append_inline(tx: &Transaction<'_>, ctx: &Ctx<'_>, body: &OpBody) -> Result<u64> {
    let seq = next_seq(tx)?;
    let payload = serde_json::to_string(body).expect("op bodies always serialize");
    tx.prepare_cached(
        "INSERT INTO outbox (seq, epoch, stop_id, kind, payload, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        seq,
        ctx.device.epoch,
        body.stop_id().to_string(),
        body.kind(),
        payload,
        ts(ctx.now()),
    ])?;
    Ok(seq)
}
