//! Ops waiting for the planner, numbered `(device_id, epoch, seq)` with seq contiguous.

use doorstep_domain::sync::{Op, OpBody};
use rusqlite::{params, Connection, Transaction};
use sha2::{Digest, Sha256};

use super::{parse_uuid, ts, Ctx};
use crate::{FieldError, Result};

/// Read access to the outbox.
pub struct Outbox<'a> {
    pub(super) conn: &'a Connection,
}

/// One stored op with its wire form.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    pub op: Op,
    pub created_at: String,
}

impl Outbox<'_> {
    /// Ops not yet acknowledged by the planner.
    pub fn len(&self) -> Result<u32> {
        Ok(self
            .conn
            .prepare_cached("SELECT COUNT(*) FROM outbox")?
            .query_row([], |r| r.get(0))?)
    }

    pub fn is_empty(&self) -> Result<bool> {
        Ok(self.len()? == 0)
    }

    /// All waiting ops, oldest first.
    pub fn entries(&self) -> Result<Vec<OutboxEntry>> {
        let device_id: String =
            self.conn
                .query_row("SELECT device_id FROM device WHERE id = 1", [], |r| {
                    r.get(0)
                })?;
        let device_id = parse_uuid(&device_id)?;
        let mut stmt = self
            .conn
            .prepare("SELECT seq, epoch, payload, sha256, created_at FROM outbox ORDER BY seq")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, u64>(0)?,
                r.get::<_, u32>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        rows.map(|row| {
            let (seq, epoch, payload, sha256, created_at) = row?;
            let body: OpBody = serde_json::from_str(&payload)
                .map_err(|e| FieldError::Invalid(format!("outbox op {seq} is unreadable: {e}")))?;
            Ok(OutboxEntry {
                op: Op {
                    device_id,
                    epoch,
                    seq,
                    sha256,
                    body,
                },
                created_at,
            })
        })
        .collect()
    }

    /// The outbox holds seq `first..=last_seq` with no gap, in the current epoch.
    pub fn check_contiguous(&self) -> Result<()> {
        let (last_seq, epoch): (u64, u32) =
            self.conn
                .query_row("SELECT last_seq, epoch FROM device WHERE id = 1", [], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
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
        match (min, max) {
            (None, None) => Ok(()),
            (Some(min), Some(max)) if max == last_seq && max - min + 1 == count => Ok(()),
            _ => Err(FieldError::Invalid(format!(
                "the outbox has a gap: {count} ops between seq {min:?} and {max:?}, last handed out {last_seq}"
            ))),
        }
    }
}

/// Appends an op inside the caller's transaction: the next seq, the body, its hash.
pub(super) fn append(tx: &Transaction<'_>, ctx: &Ctx<'_>, body: &OpBody) -> Result<u64> {
    let seq: u64 = tx
        .prepare_cached(
            "UPDATE device SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq",
        )?
        .query_row([], |r| r.get(0))?;
    let payload = serde_json::to_string(body).expect("op bodies always serialize");
    let sha256 = hex::encode(Sha256::digest(payload.as_bytes()));
    tx.prepare_cached(
        "INSERT INTO outbox (seq, epoch, stop_id, kind, payload, sha256, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        seq,
        ctx.device.epoch,
        body.stop_id().to_string(),
        body.kind(),
        payload,
        sha256,
        ts(ctx.clock.now()),
    ])?;
    Ok(seq)
}
