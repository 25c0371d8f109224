//! The store's side of sync: the device's sync settings and state, trimming the outbox to what
//! the planner acknowledged, applying a pull, and the photos waiting to upload. The engine in
//! [`crate::sync`] drives these; each write is one transaction.

use std::collections::HashSet;
use std::path::Path;

use doorstep_domain::sync::{scope_checksum, PullResponse, Rejection, RouteState};
use doorstep_domain::StopStatus;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use uuid::Uuid;

use super::routes::TIME_FMT;
use super::{parse_enum, parse_uuid, ts, Ctx, Store};
use crate::sync::SyncError;
use crate::views::RejectionView;
use crate::Result;

/// While a route is re-written from the planner its stops and lines are parked this far up,
/// so the new positions never collide with the old ones (UNIQUE (route_id, position)).
const PARKED: i64 = 1_000_000_000;

/// Where and as whom the device talks to its planner. `Debug` hides the token.
#[derive(Clone)]
pub(crate) struct Credentials {
    pub planner_url: String,
    pub token: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("planner_url", &self.planner_url)
            .field("token", &"<hidden>")
            .finish()
    }
}

/// What one trim or pull changed on the device.
#[derive(Debug, Default)]
pub(crate) struct Applied {
    pub newly_acked: u64,
    pub new_rejections: u32,
    pub routes_updated: u32,
    pub routes_removed: u32,
    /// The device's own checksum over its scope after the change.
    pub local_checksum: String,
}

/// Rejections the planner sent back, shown to the courier.
pub struct Rejections<'a> {
    pub(super) store: &'a mut Store,
}

impl Rejections<'_> {
    /// Every rejection on the device, newest first.
    pub fn list(&self) -> Result<Vec<RejectionView>> {
        let mut stmt = self.store.conn.prepare(
            "SELECT r.epoch, r.seq, r.stop_id, s.customer_name, r.reason, r.received_at,
                    r.seen_at IS NOT NULL
             FROM rejections r LEFT JOIN stops s ON s.id = r.stop_id
             ORDER BY r.received_at DESC, r.epoch DESC, r.seq DESC",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, u32>(0)?,
                r.get::<_, u64>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, bool>(6)?,
            ))
        })?;
        rows.map(|row| {
            let (epoch, seq, stop_id, customer_name, reason, received_at, seen) = row?;
            Ok(RejectionView {
                epoch,
                seq,
                stop_id: stop_id.as_deref().map(parse_uuid).transpose()?,
                customer_name,
                reason,
                received_at,
                seen,
            })
        })
        .collect()
    }

    /// The courier has seen them all; answers how many were new.
    pub fn mark_seen(&mut self) -> Result<usize> {
        let now = ts(self.store.clock.now());
        Ok(self.store.conn.execute(
            "UPDATE rejections SET seen_at = ?1 WHERE seen_at IS NULL",
            [now],
        )?)
    }
}

impl Store {
    pub fn rejections(&mut self) -> Rejections<'_> {
        Rejections { store: self }
    }

    pub(crate) fn photo_dir(&self) -> &Path {
        &self.photo_dir
    }

    /// The planner this device is enrolled with, if any.
    pub(crate) fn credentials(&self) -> Result<Option<Credentials>> {
        let row: (Option<String>, Option<String>) = self.conn.query_row(
            "SELECT planner_url, device_token FROM sync_state WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(match row {
            (Some(planner_url), Some(token)) => Some(Credentials { planner_url, token }),
            _ => None,
        })
    }

    pub fn pull_cursor(&self) -> Result<u64> {
        Ok(self
            .conn
            .query_row("SELECT pull_cursor FROM sync_state WHERE id = 1", [], |r| {
                r.get(0)
            })?)
    }

    /// The ETag of the territory scope the phone holds for `days` ("FROM..TO"), if any.
    pub(crate) fn territory_etag(&self, days: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT territory_etag FROM sync_state WHERE id = 1 AND territory_days = ?1",
                [days],
                |r| r.get(0),
            )
            .optional()?
            .flatten())
    }

    pub(crate) fn set_territory_etag(&mut self, days: &str, etag: Option<&str>) -> Result<()> {
        self.write(|tx, _| {
            tx.execute(
                "UPDATE sync_state SET territory_days = ?1, territory_etag = ?2 WHERE id = 1",
                params![days, etag],
            )?;
            Ok(())
        })
    }

    /// Stores a fresh enrolment. The next pull asks for the whole scope.
    pub(crate) fn save_enrolment(
        &mut self,
        planner_url: &str,
        token: &str,
        user_name: &str,
        tenant_name: &str,
        role: &str,
    ) -> Result<()> {
        self.write(|tx, ctx| {
            tx.execute(
                "UPDATE sync_state SET planner_url = ?1, device_token = ?2, user_name = ?3,
                        tenant_name = ?4, enrolled_at = ?5, pull_cursor = 0,
                        scope_checksum = NULL, last_error = NULL, role = ?6,
                        territory_days = NULL, territory_etag = NULL
                 WHERE id = 1",
                params![
                    planner_url,
                    token,
                    user_name,
                    tenant_name,
                    ts(ctx.now()),
                    role
                ],
            )?;
            Ok(())
        })
    }

    /// A sync round finished: the time, and what still went wrong (a photo that did not
    /// arrive intact), in plain words.
    pub(crate) fn record_sync_success(&mut self, problem: Option<&str>) -> Result<()> {
        self.write(|tx, ctx| {
            tx.execute(
                "UPDATE sync_state SET last_sync_at = ?1, last_error = ?2 WHERE id = 1",
                params![ts(ctx.now()), problem],
            )?;
            Ok(())
        })
    }

    pub(crate) fn record_sync_failure(&mut self, message: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE sync_state SET last_error = ?1 WHERE id = 1",
            [message],
        )?;
        Ok(())
    }

    /// Forget the pull position: the next pull asks for the whole scope.
    pub(crate) fn reset_pull_cursor(&mut self) -> Result<()> {
        self.conn
            .execute("UPDATE sync_state SET pull_cursor = 0 WHERE id = 1", [])?;
        Ok(())
    }

    /// Starts a new epoch after a restored copy of the database was detected: what waits in
    /// the outbox is renumbered from 1 under the new epoch, in its order, in one transaction.
    /// Returns the new epoch.
    pub(crate) fn begin_new_epoch(&mut self) -> Result<u32> {
        let epoch = self.device.epoch + 1;
        self.write(|tx, _| {
            let (first, count): (Option<u64>, u64) =
                tx.query_row("SELECT MIN(seq), COUNT(*) FROM outbox", [], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
            if let Some(first) = first {
                // Through negative numbers, so no two rows ever hold the same seq mid-way.
                tx.execute(
                    "UPDATE outbox SET seq = -(seq - ?1), epoch = ?2",
                    rusqlite::params![first - 1, epoch],
                )?;
                tx.execute("UPDATE outbox SET seq = -seq", [])?;
            }
            tx.execute(
                "UPDATE device SET epoch = ?1, last_seq = ?2, acked_seq = 0 WHERE id = 1",
                rusqlite::params![epoch, count],
            )?;
            tx.execute("UPDATE sync_state SET pull_cursor = 0 WHERE id = 1", [])?;
            Ok(())
        })?;
        self.device.epoch = epoch;
        Ok(epoch)
    }

    /// The planner stored every op up to `acked_seq` (of those up to `sent_up_to`, the last it
    /// was sent in the push it answered): drop them from the outbox, keep the
    /// rejections it sent, and let go of out-of-scope rows no unsynced work holds any more.
    /// One transaction.
    pub(crate) fn trim_outbox(
        &mut self,
        acked_seq: u64,
        sent_up_to: u64,
        rejections: &[Rejection],
    ) -> Result<Applied> {
        let (applied, photos) = self.write(|tx, ctx| {
            let newly_acked = trim(tx, acked_seq, Some(sent_up_to))?;
            let new_rejections = store_rejections(tx, rejections, &ts(ctx.now()))?;
            let photos = if newly_acked > 0 {
                forget_photos(tx, purge_out_of_scope(tx)?)?
            } else {
                vec![]
            };
            Ok((
                Applied {
                    newly_acked,
                    new_rejections,
                    ..Applied::default()
                },
                photos,
            ))
        })?;
        self.remove_photo_files(&photos);
        Ok(applied)
    }

    /// Applies one pull answer and its cursor in ONE transaction. `full` says the answer holds
    /// the whole scope (asked from cursor 0): routes it does not list have left the scope.
    pub(crate) fn apply_pull(&mut self, pull: &PullResponse, full: bool) -> Result<Applied> {
        for state in &pull.routes {
            state.route.validate().map_err(|e| {
                SyncError::BadAnswer(format!("route {} cannot be used: {e}", state.route.id))
            })?;
        }
        if crate::planted!("cursor-before-routes") {
            self.write(|tx, _| {
                tx.execute(
                    "UPDATE sync_state SET pull_cursor = ?1 WHERE id = 1",
                    [pull.cursor],
                )?;
                Ok(())
            })?;
        }
        let (applied, photos) = self.write(|tx, ctx| apply_pull(tx, ctx, pull, full))?;
        self.remove_photo_files(&photos);
        Ok(applied)
    }

    /// Photos that events name and the planner does not hold yet, oldest first, with their size.
    pub fn photos_waiting(&self) -> Result<Vec<(String, u64)>> {
        let mut stmt = self.conn.prepare(
            "SELECT p.sha256, p.bytes FROM photos p
             WHERE p.uploaded = 0 AND EXISTS (SELECT 1 FROM event_photos e WHERE e.sha256 = p.sha256)
             ORDER BY p.created_at, p.sha256",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub(crate) fn mark_uploaded(&mut self, sha256: &str) -> Result<()> {
        self.conn
            .execute("UPDATE photos SET uploaded = 1 WHERE sha256 = ?1", [sha256])?;
        Ok(())
    }

    /// Removes the files of photos whose rows are gone. After the commit: a crash in between
    /// leaves a stray file, never a row without its file.
    fn remove_photo_files(&self, photos: &[String]) {
        for sha in photos {
            let _ = std::fs::remove_file(crate::photos::path_for(&self.photo_dir, sha));
        }
    }
}

/// Drops acknowledged ops. The planner cannot hold more than the device ever handed out
/// unless the phone's database was restored from an older copy.
/// Trims the outbox to what the planner confirmed: `acked_seq`, but never past `sent_up_to`,
/// the last op of the push it answered. The planner compared those ops' hashes with what it
/// holds; ops it was not sent may hold other content under the same numbers (a restored copy
/// of this database reuses them), so its word about them trims nothing. An `acked_seq`
/// beyond anything this copy made means the planner holds another copy's ops.
fn trim(tx: &Transaction<'_>, acked_seq: u64, sent_up_to: Option<u64>) -> Result<u64> {
    let (last_seq, old_acked): (u64, u64) = tx.query_row(
        "SELECT last_seq, acked_seq FROM device WHERE id = 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if acked_seq > last_seq {
        return Err(SyncError::PlannerAhead {
            planner: acked_seq,
            device: last_seq,
        }
        .into());
    }
    let acked_seq = if crate::planted!("trim-past-sent") {
        acked_seq
    } else {
        acked_seq.min(sent_up_to.unwrap_or(old_acked))
    };
    if acked_seq <= old_acked {
        return Ok(0);
    }
    tx.execute("DELETE FROM outbox WHERE seq <= ?1", [acked_seq])?;
    tx.execute("UPDATE device SET acked_seq = ?1 WHERE id = 1", [acked_seq])?;
    Ok(acked_seq - old_acked)
}

fn store_rejections(tx: &Transaction<'_>, rejections: &[Rejection], now: &str) -> Result<u32> {
    let mut stmt = tx.prepare_cached(
        "INSERT OR IGNORE INTO rejections (epoch, seq, stop_id, reason, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut new = 0;
    for r in rejections {
        new += stmt.execute(params![
            r.epoch,
            r.seq,
            r.stop_id.map(|s| s.to_string()),
            r.reason,
            now
        ])? as u32;
    }
    Ok(new)
}

fn apply_pull(
    tx: &Transaction<'_>,
    ctx: &Ctx<'_>,
    pull: &PullResponse,
    full: bool,
) -> Result<(Applied, Vec<String>)> {
    // A pull only checks the planner is not ahead of this copy; pushes trim.
    let newly_acked = trim(tx, pull.acked_seq, None)?;
    let new_rejections = store_rejections(tx, &pull.rejections, &ts(ctx.now()))?;
    let mut routes_updated = 0;
    for state in &pull.routes {
        if upsert_route(tx, state, full)? {
            routes_updated += 1;
        }
    }
    let mut photos = settle_parked(tx)?;

    let listed: HashSet<Uuid> = pull.routes.iter().map(|s| s.route.id).collect();
    let mut gone: Vec<Uuid> = pull
        .removed
        .iter()
        .copied()
        .filter(|id| !listed.contains(id))
        .collect();
    if full {
        // The answer is the whole scope: whatever it does not list is no longer ours.
        let mut stmt = tx.prepare("SELECT id FROM routes WHERE out_of_scope = 0")?;
        let local = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for id in local {
            let id = parse_uuid(&id)?;
            if !listed.contains(&id) {
                gone.push(id);
            }
        }
    }
    let mut routes_removed = 0;
    for id in gone {
        routes_removed += tx.execute(
            "UPDATE routes SET out_of_scope = 1 WHERE id = ?1 AND out_of_scope = 0",
            [id.to_string()],
        )? as u32;
    }
    photos.extend(purge_out_of_scope(tx)?);

    tx.execute(
        "UPDATE sync_state SET pull_cursor = ?1, scope_checksum = ?2 WHERE id = 1",
        params![pull.cursor, pull.scope_checksum],
    )?;
    let applied = Applied {
        newly_acked,
        new_rejections,
        routes_updated,
        routes_removed,
        local_checksum: local_checksum(tx)?,
    };
    Ok((applied, forget_photos(tx, photos)?))
}

/// The checksum of the routes in the device's scope, as the planner computes it.
fn local_checksum(conn: &Connection) -> Result<String> {
    let mut stmt = conn.prepare("SELECT id, version FROM routes WHERE out_of_scope = 0")?;
    let mut versions = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?)))?
        .map(|row| {
            let (id, v) = row?;
            Ok((parse_uuid(&id)?, v))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(scope_checksum(&mut versions))
}

/// Writes the planner's state of one route. Dispatch owns everything but the courier's
/// status; that one never moves back (see [`merge_status`]). An incremental answer older than
/// what the device holds is skipped: versions never go back.
fn upsert_route(tx: &Transaction<'_>, state: &RouteState, full: bool) -> Result<bool> {
    let route = &state.route;
    let route_id = route.id.to_string();
    let local_version: Option<u64> = tx
        .prepare_cached("SELECT version FROM routes WHERE id = ?1")?
        .query_row([&route_id], |r| r.get(0))
        .optional()?;
    if !full && local_version.is_some_and(|v| v > state.version) {
        return Ok(false);
    }
    tx.prepare_cached(
        "INSERT INTO routes (id, date, courier_name, version, out_of_scope) VALUES (?1, ?2, ?3, ?4, 0)
         ON CONFLICT (id) DO UPDATE SET date = excluded.date, courier_name = excluded.courier_name,
                                        version = excluded.version, out_of_scope = 0",
    )?
    .execute(params![route_id, route.date.to_string(), route.courier_name, state.version])?;
    tx.prepare_cached(
        "UPDATE stops SET position = position + ?2 WHERE route_id = ?1 AND position < ?2",
    )?
    .execute(params![route_id, PARKED])?;

    let cancelled: HashSet<Uuid> = state.cancelled.iter().copied().collect();
    let mut status_of = tx.prepare_cached("SELECT status FROM stops WHERE id = ?1")?;
    let mut upsert_stop = tx.prepare_cached(
        "INSERT INTO stops (id, route_id, position, customer_name, customer_kind, address, lat, lon,
                contact_name, contact_phone, window_start, window_end, instructions, status, cancelled)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
         ON CONFLICT (id) DO UPDATE SET route_id = excluded.route_id, position = excluded.position,
                customer_name = excluded.customer_name, customer_kind = excluded.customer_kind,
                address = excluded.address, lat = excluded.lat, lon = excluded.lon,
                contact_name = excluded.contact_name, contact_phone = excluded.contact_phone,
                window_start = excluded.window_start, window_end = excluded.window_end,
                instructions = excluded.instructions, status = excluded.status,
                cancelled = excluded.cancelled",
    )?;
    let mut park_lines = tx.prepare_cached(
        "UPDATE order_lines SET position = position + ?2 WHERE stop_id = ?1 AND position < ?2",
    )?;
    let mut upsert_line = tx.prepare_cached(
        "INSERT INTO order_lines (id, stop_id, position, sku, description, ordered_qty, unit, barcode)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (id) DO UPDATE SET stop_id = excluded.stop_id, position = excluded.position,
                sku = excluded.sku, description = excluded.description,
                ordered_qty = excluded.ordered_qty, unit = excluded.unit, barcode = excluded.barcode",
    )?;
    super::rep::save_resolutions(tx, &state.resolutions)?;
    for s in &route.stops {
        let stop_id = s.id.to_string();
        let local: Option<String> = status_of.query_row([&stop_id], |r| r.get(0)).optional()?;
        let status = match local {
            None => s.status,
            Some(local) => merge_status(parse_enum(&local)?, s.status, has_pending_ops(tx, s.id)?),
        };
        upsert_stop.execute(params![
            stop_id,
            route_id,
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
            status.as_str(),
            cancelled.contains(&s.id),
        ])?;
        park_lines.execute(params![stop_id, PARKED])?;
        for (i, l) in s.lines.iter().enumerate() {
            upsert_line.execute(params![
                l.id.to_string(),
                stop_id,
                i as u32,
                l.sku,
                l.description,
                l.ordered_qty,
                l.unit,
                l.barcode,
            ])?;
        }
    }
    Ok(true)
}

/// Without pending ops on the stop, the planner decides: it has applied, or refused, every op
/// this phone sent about it (a refused delivery must not stay "delivered" on the phone). With
/// pending ops, the phone's own work stays on top unless the planner is further on: the
/// courier's status only moves forward.
pub(crate) fn merge_status(local: StopStatus, planner: StopStatus, pending: bool) -> StopStatus {
    if pending && local.step() >= planner.step() {
        local
    } else {
        planner
    }
}

fn has_pending_ops(conn: &Connection, stop_id: Uuid) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM outbox WHERE stop_id = ?1)")?
        .query_row([stop_id.to_string()], |r| r.get(0))?)
}

/// Work on the stop the planner does not hold yet: an op in the outbox, or a photo of one of
/// its events still to upload.
fn has_unsynced_work(conn: &Connection, stop_id: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM outbox WHERE stop_id = ?1)
                 OR EXISTS (SELECT 1 FROM event_photos e JOIN photos p ON p.sha256 = e.sha256
                            WHERE p.uploaded = 0 AND e.event_id IN (
                                SELECT id FROM pods WHERE stop_id = ?1
                                UNION ALL SELECT id FROM failed_attempts WHERE stop_id = ?1
                                UNION ALL SELECT id FROM condition_notes WHERE stop_id = ?1))",
        )?
        .query_row([stop_id], |r| r.get(0))?)
}

/// Stops and lines still parked after a pull are no longer on their route (or stop). They go,
/// unless unsynced work holds them: such a stop stays, cancelled, after the route's last stop;
/// such a line (named by a saved proof or note) stays after the stop's last line.
fn settle_parked(tx: &Transaction<'_>) -> Result<Vec<String>> {
    let mut photos = vec![];
    let parked: Vec<(String, String)> = tx
        .prepare("SELECT id, route_id FROM stops WHERE position >= ?1 ORDER BY route_id, position")?
        .query_map([PARKED], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (stop_id, route_id) in parked {
        if has_unsynced_work(tx, &stop_id)? {
            tx.execute(
                "UPDATE stops SET cancelled = 1, position =
                    (SELECT COALESCE(MAX(position), 0) + 1 FROM stops WHERE route_id = ?2 AND position < ?3)
                 WHERE id = ?1",
                params![stop_id, route_id, PARKED],
            )?;
        } else {
            photos.extend(delete_stop(tx, &stop_id)?);
        }
    }
    let parked_lines: Vec<(String, String)> = tx
        .prepare(
            "SELECT id, stop_id FROM order_lines WHERE position >= ?1 ORDER BY stop_id, position",
        )?
        .query_map([PARKED], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (line_id, stop_id) in parked_lines {
        let named: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM pod_lines WHERE line_id = ?1)
                 OR EXISTS (SELECT 1 FROM condition_notes WHERE line_id = ?1)",
            [&line_id],
            |r| r.get(0),
        )?;
        if named {
            tx.execute(
                "UPDATE order_lines SET position =
                    (SELECT COALESCE(MAX(position), -1) + 1 FROM order_lines WHERE stop_id = ?2 AND position < ?3)
                 WHERE id = ?1",
                params![line_id, stop_id, PARKED],
            )?;
        } else {
            tx.execute("DELETE FROM order_lines WHERE id = ?1", [&line_id])?;
        }
    }
    Ok(photos)
}

/// Deletes what no unsynced work holds on routes that left the device's scope; a route goes
/// once its last stop has. Answers the photos the deleted events named.
fn purge_out_of_scope(tx: &Transaction<'_>) -> Result<Vec<String>> {
    let mut photos = vec![];
    let routes: Vec<String> = tx
        .prepare("SELECT id FROM routes WHERE out_of_scope = 1")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for route_id in routes {
        let stops: Vec<String> = tx
            .prepare_cached("SELECT id FROM stops WHERE route_id = ?1")?
            .query_map([&route_id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut kept = 0;
        for stop_id in stops {
            if has_unsynced_work(tx, &stop_id)? {
                kept += 1;
            } else {
                photos.extend(delete_stop(tx, &stop_id)?);
            }
        }
        if kept == 0 {
            tx.execute("DELETE FROM routes WHERE id = ?1", [&route_id])?;
        }
    }
    Ok(photos)
}

/// Deletes a stop with its lines and events (all synced). Answers the photos its events named.
fn delete_stop(tx: &Transaction<'_>, stop_id: &str) -> Result<Vec<String>> {
    const EVENTS: &str = "SELECT id FROM pods WHERE stop_id = ?1
                          UNION ALL SELECT id FROM failed_attempts WHERE stop_id = ?1
                          UNION ALL SELECT id FROM condition_notes WHERE stop_id = ?1";
    let photos: Vec<String> = tx
        .prepare_cached(&format!(
            "SELECT DISTINCT sha256 FROM event_photos WHERE event_id IN ({EVENTS})"
        ))?
        .query_map([stop_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for sql in [
        &format!("DELETE FROM event_photos WHERE event_id IN ({EVENTS})") as &str,
        "DELETE FROM pod_lines WHERE pod_id IN (SELECT id FROM pods WHERE stop_id = ?1)",
        "DELETE FROM pods WHERE stop_id = ?1",
        "DELETE FROM failed_attempts WHERE stop_id = ?1",
        "DELETE FROM condition_notes WHERE stop_id = ?1",
        "DELETE FROM order_lines WHERE stop_id = ?1",
        "DELETE FROM stops WHERE id = ?1",
    ] {
        tx.prepare_cached(sql)?.execute([stop_id])?;
    }
    Ok(photos)
}

/// Drops the rows of photos no event names any more; answers those whose files may go.
fn forget_photos(tx: &Transaction<'_>, photos: Vec<String>) -> Result<Vec<String>> {
    let mut gone = vec![];
    for sha in photos {
        let n = tx
            .prepare_cached(
                "DELETE FROM photos WHERE sha256 = ?1
                 AND NOT EXISTS (SELECT 1 FROM event_photos WHERE sha256 = ?1)",
            )?
            .execute([&sha])?;
        if n > 0 {
            gone.push(sha);
        }
    }
    Ok(gone)
}

#[cfg(test)]
mod tests {
    use super::*;
    use StopStatus::*;

    #[test]
    fn pending_work_stays_on_top_and_otherwise_the_planner_decides() {
        assert_eq!(merge_status(Arrived, EnRoute, true), Arrived);
        assert_eq!(
            merge_status(Delivered, Pending, false),
            Pending,
            "the planner refused the delivery (dispatch cancelled the stop): the phone follows"
        );
        assert_eq!(merge_status(Arrived, EnRoute, false), EnRoute);
        assert_eq!(merge_status(EnRoute, Delivered, true), Delivered);
        assert_eq!(
            merge_status(Delivered, Failed, true),
            Delivered,
            "pending local ops stay on top at the same step"
        );
        assert_eq!(
            merge_status(Delivered, PartlyDelivered, false),
            PartlyDelivered,
            "with nothing pending the planner has every op and decides"
        );
    }
}
