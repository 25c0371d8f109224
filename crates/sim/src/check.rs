//! The invariants of DESIGN.md §8 and the domain's own, checked on the files the run left:
//! the planner's database, each device's database and photo folder.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use doorstep_domain::sync::OpBody;
use doorstep_domain::{sha256_hex, StopStatus};
use doorstep_field::store::{DB_FILE, PHOTO_DIR};
use doorstep_field::Store;
use rusqlite::{Connection, OpenFlags, Row};
use uuid::Uuid;

use crate::net::short;
use crate::world::World;

pub const EXACTLY_ONCE: &str =
    "every op committed on a device takes effect on the planner exactly once";
pub const ONE_OP_PER_SEQ: &str = "at most one stored op per (device, epoch, seq)";
pub const PREFIX: &str = "a device's stored ops form a contiguous prefix of its outbox";
pub const SCOPE: &str = "after the network heals, each device's scope equals the planner's view";
pub const OUT_OF_SCOPE: &str = "nothing out of scope stays on a device after reassignment";
pub const PHOTOS: &str = "every referenced photo exists on the planner with the right hash";
pub const ORDER: &str = "the result does not depend on arrival order";
pub const POD_FROZEN: &str = "a POD is never changed after it is saved";
pub const NO_ORPHAN: &str = "a crash leaves no orphan";
pub const INTACT: &str = "a crash breaks nothing";

/// A check whose SQL failed cannot say anything, so it is a violation itself: after a schema
/// change an invariant must fail loudly, never pass on zero rows.
pub const CHECKABLE: &str = "every invariant's query runs";

/// A check's SQL statement that failed, with the error.
#[derive(Debug)]
pub struct QueryError {
    pub sql: String,
    pub error: rusqlite::Error,
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sql = self.sql.split_whitespace().collect::<Vec<_>>().join(" ");
        write!(f, "the check's query failed ({}): {sql}", self.error)
    }
}

impl std::error::Error for QueryError {}

/// Runs `sql` and collects its rows; a statement or a row that fails is an error naming the
/// SQL.
pub fn query<T>(
    conn: &Connection,
    sql: &str,
    f: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, QueryError> {
    query_with(conn, sql, [], f)
}

/// [`query`] with parameters.
pub fn query_with<T>(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    f: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, QueryError> {
    let failed = |error| QueryError {
        sql: sql.to_owned(),
        error,
    };
    let mut stmt = conn.prepare_cached(sql).map_err(failed)?;
    let rows = stmt.query_map(params, f).map_err(failed)?;
    rows.collect::<rusqlite::Result<Vec<T>>>().map_err(failed)
}

/// The rows of a check's query; a failed query is reported as a violation of [`CHECKABLE`]
/// (with its SQL and error) and gives no rows, so the other checks still run.
pub fn rows<T>(
    out: &mut Vec<(&'static str, String)>,
    result: Result<Vec<T>, QueryError>,
) -> Vec<T> {
    result.unwrap_or_else(|e| {
        out.push((CHECKABLE, e.to_string()));
        vec![]
    })
}

/// How far along a stop is: pending 0, on the way 1, arrived 2, done (any outcome) 3.
pub fn rank(status: &str) -> u8 {
    serde_json::from_value::<StopStatus>(serde_json::Value::String(status.to_owned()))
        .map(|s| s.step())
        .unwrap_or(0)
}

/// The photos a device holds, by name.
pub fn photo_names(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir.join(PHOTO_DIR))
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter_map(|e| {
                    e.file_name()
                        .to_str()?
                        .strip_suffix(".jpg")
                        .map(str::to_owned)
                })
                .collect()
        })
        .unwrap_or_default()
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn read_only(path: &Path) -> Connection {
    Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .expect("the database file opens")
}

/// A device's photo folder agrees with its rows: no half-written file, no file without a
/// row, no row without its whole file.
pub fn device_files(dir: &Path) -> Vec<String> {
    let mut problems = vec![];
    let conn = read_only(&dir.join(DB_FILE));
    let mut failed = vec![];
    let with_row: BTreeSet<String> = rows(
        &mut failed,
        query(&conn, "SELECT sha256 FROM photos", |r| r.get(0)),
    )
    .into_iter()
    .collect();
    let photo_dir = dir.join(PHOTO_DIR);
    let mut files = BTreeSet::new();
    for entry in std::fs::read_dir(&photo_dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        match name.strip_suffix(".jpg") {
            Some(sha) => {
                let bytes = std::fs::read(&path).unwrap();
                if sha256_hex(&bytes) != sha {
                    problems.push(format!("photo file {} does not match its name", short(sha)));
                }
                if !with_row.contains(sha) {
                    problems.push(format!("photo file {} has no row", short(sha)));
                }
                files.insert(sha.to_owned());
            }
            None => problems.push(format!("a stray file {name} in the photo folder")),
        }
    }
    for sha in with_row.difference(&files) {
        problems.push(format!("photo row {} has no file", short(sha)));
    }
    let dangling = rows(
        &mut failed,
        query(
            &conn,
            "SELECT e.sha256 FROM event_photos e LEFT JOIN photos p ON p.sha256 = e.sha256 WHERE p.sha256 IS NULL",
            |r| r.get::<_, String>(0),
        ),
    );
    problems.extend(failed.into_iter().map(|(_, why)| why));
    for sha in dangling {
        problems.push(format!(
            "a record names photo {} the phone does not hold",
            short(&sha)
        ));
    }
    problems
}

/// An event as the device holds it now, in the shape it was sent.
fn on_device(store: &mut Store, body: &OpBody) -> Option<OpBody> {
    match body {
        OpBody::PodRecorded { pod } => store
            .pods()
            .get(pod.id)
            .ok()
            .map(|pod| OpBody::PodRecorded { pod }),
        OpBody::FailedAttemptRecorded { attempt } => store
            .failed_attempts()
            .get(attempt.id)
            .ok()
            .map(|attempt| OpBody::FailedAttemptRecorded { attempt }),
        OpBody::ConditionNoteRecorded { note } => store
            .condition_notes()
            .get(note.id)
            .ok()
            .map(|note| OpBody::ConditionNoteRecorded { note }),
        OpBody::StopAdvanced { .. } | OpBody::DeliveryResolved { .. } => None,
    }
}

/// Every invariant, after the network healed and all went idle.
pub fn all(world: &mut World) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = vec![];
    let tenant = world.tenant;
    let planner_path = world.planner.borrow().path().to_owned();
    let p = read_only(&planner_path);

    let verdict: String = p
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap_or_else(|e| e.to_string());
    if verdict != "ok" {
        out.push((INTACT, format!("the planner's database: {verdict}")));
    }

    // Stored ops: one per (device, epoch, seq), contiguous from 1 in each epoch.
    let doubled = query(
        &p,
        "SELECT device_id, epoch, seq, COUNT(*) FROM ops GROUP BY device_id, epoch, seq HAVING COUNT(*) > 1",
        |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?, r.get::<_, i64>(3)?)),
    );
    for (device, epoch, seq, n) in rows(&mut out, doubled) {
        out.push((
            ONE_OP_PER_SEQ,
            format!("device {} holds {n} ops at e{epoch} #{seq}", short(&device)),
        ));
    }
    let mut expected: BTreeMap<(String, i64), i64> = BTreeMap::new();
    let stored = query(
        &p,
        "SELECT device_id, epoch, seq FROM ops ORDER BY device_id, epoch, seq",
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        },
    );
    for (device, epoch, seq) in rows(&mut out, stored) {
        let next = expected.entry((device.clone(), epoch)).or_insert(1);
        if seq != *next {
            out.push((
                PREFIX,
                format!(
                    "device {} has e{epoch} #{seq} where #{} was due",
                    short(&device),
                    *next
                ),
            ));
        }
        *next = seq + 1;
    }

    // What each device stored and what the planner did with it.
    let ops_of = |device: &Uuid, sha: &str| -> Result<Vec<(i64, i64, bool)>, QueryError> {
        query_with(
            &p,
            "SELECT o.epoch, o.seq, EXISTS (SELECT 1 FROM rejections j WHERE j.device_id = o.device_id AND j.epoch = o.epoch AND j.seq = o.seq)
             FROM ops o WHERE o.device_id = ?1 AND o.sha256 = ?2 ORDER BY o.epoch, o.seq",
            rusqlite::params![device.to_string(), sha],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
    };
    let stored_events = query(&p, "SELECT id, body FROM events", |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    });
    let mut events: BTreeMap<Uuid, OpBody> = BTreeMap::new();
    for (id, body) in rows(&mut out, stored_events) {
        match (id.parse(), serde_json::from_str(&body)) {
            (Ok(id), Ok(body)) => {
                events.insert(id, body);
            }
            _ => out.push((
                POD_FROZEN,
                format!("the planner's event {} is unreadable", short(&id)),
            )),
        }
    }

    for (d, dev) in world.devices.iter_mut().enumerate() {
        let courier = world.couriers[dev.courier].id;
        let device_id = dev.device_id;
        let dir = dev.dir.clone();
        let confirmed = dev.confirmed.clone();
        let Some(store) = dev.store.as_mut() else {
            continue;
        };
        if let Err(e) = store.check_integrity() {
            out.push((INTACT, format!("d{d}: {e}")));
        }
        let waiting = match store.outbox().len() {
            Ok(n) => n,
            Err(e) => {
                out.push((CHECKABLE, format!("d{d}'s outbox cannot be counted: {e}")));
                0
            }
        };
        if waiting > 0 {
            out.push((
                EXACTLY_ONCE,
                format!("d{d} still has {waiting} records waiting after the network healed"),
            ));
        }
        let photos = store.photos_waiting().unwrap_or_else(|e| {
            out.push((
                CHECKABLE,
                format!("d{d}'s waiting photos cannot be read: {e}"),
            ));
            vec![]
        });
        if !photos.is_empty() {
            out.push((
                PHOTOS,
                format!(
                    "d{d} still has {} photos waiting after the network healed",
                    photos.len()
                ),
            ));
        }
        for c in &confirmed {
            let stored = rows(&mut out, ops_of(&device_id, &c.op.sha256));
            let label = format!(
                "d{d}'s {} (e{} #{})",
                c.op.body.kind(),
                c.op.epoch,
                c.op.seq
            );
            if !c.lost_with_restore {
                if stored.is_empty() {
                    out.push((EXACTLY_ONCE, format!("{label} never reached the planner")));
                }
                // A record may have left the phone with its route (reassigned, synced);
                // while it is there it is exactly as saved.
                if let Some(now) = on_device(store, &c.op.body) {
                    if now != c.op.body {
                        out.push((
                            POD_FROZEN,
                            format!("{label} changed on the phone after it was saved"),
                        ));
                    }
                }
            }
            if let Some(id) = c.event {
                match events.get(&id) {
                    Some(body) if *body != c.op.body => out.push((
                        POD_FROZEN,
                        format!("{label}: the planner holds a different record under its id"),
                    )),
                    Some(_) => {}
                    None => {
                        let rejected = stored.iter().any(|s| s.2);
                        if !stored.is_empty() && !rejected {
                            out.push((
                                EXACTLY_ONCE,
                                format!("{label} was stored and accepted but its event is missing"),
                            ));
                        }
                    }
                }
            } else {
                let applied = stored.iter().filter(|s| !s.2).count();
                if applied > 1 {
                    out.push((EXACTLY_ONCE, format!("{label} took effect {applied} times")));
                }
            }
        }

        // Scope: the same routes at the same versions, the same stops in the same state.
        let dconn = read_only(&dir.join(DB_FILE));
        let sql_routes_device = "SELECT id, version FROM routes WHERE out_of_scope = 0 ORDER BY id";
        let device_routes: Vec<(String, i64)> = rows(
            &mut out,
            query(&dconn, sql_routes_device, |r| Ok((r.get(0)?, r.get(1)?))),
        );
        let planner_routes: Vec<(String, i64)> = rows(
            &mut out,
            query_with(
                &p,
                "SELECT id, version FROM routes WHERE tenant_id = ?1 AND courier_id = ?2 ORDER BY id",
                rusqlite::params![tenant.to_string(), courier.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            ),
        );
        if device_routes != planner_routes {
            out.push((
                SCOPE,
                format!(
                    "d{d} holds routes {device_routes:?}, the planner gives it {planner_routes:?}"
                ),
            ));
        }
        let leftover: Vec<String> = rows(
            &mut out,
            query(
                &dconn,
                "SELECT id FROM routes WHERE out_of_scope = 1",
                |r| r.get(0),
            ),
        );
        if !leftover.is_empty() {
            out.push((
                OUT_OF_SCOPE,
                format!(
                    "d{d} still holds {} routes that left its scope",
                    leftover.len()
                ),
            ));
        }
        let stop_sql = "SELECT s.id, s.position, s.address, s.window_start, s.window_end, s.status, s.cancelled
                        FROM stops s JOIN routes r ON r.id = s.route_id";
        let device_stops: Vec<[String; 7]> = rows(
            &mut out,
            query(
                &dconn,
                &format!("{stop_sql} WHERE r.out_of_scope = 0 ORDER BY s.id"),
                stop_row,
            ),
        );
        let planner_stops: Vec<[String; 7]> = rows(
            &mut out,
            query_with(
                &p,
                &format!("{stop_sql} WHERE r.tenant_id = ?1 AND r.courier_id = ?2 ORDER BY s.id"),
                rusqlite::params![tenant.to_string(), courier.to_string()],
                stop_row,
            ),
        );
        for (a, b) in device_stops.iter().zip(&planner_stops) {
            if a != b {
                out.push((SCOPE, format!("d{d} holds stop {a:?}, the planner {b:?}")));
            }
        }
        if device_stops.len() != planner_stops.len() {
            out.push((
                SCOPE,
                format!(
                    "d{d} holds {} stops, the planner gives it {}",
                    device_stops.len(),
                    planner_stops.len()
                ),
            ));
        }
        let stray: i64 = rows(
            &mut out,
            query(
                &dconn,
                "SELECT COUNT(*) FROM stops s LEFT JOIN routes r ON r.id = s.route_id WHERE r.id IS NULL",
                |r| r.get(0),
            ),
        )
        .first()
        .copied()
        .unwrap_or(0);
        if stray > 0 {
            out.push((
                OUT_OF_SCOPE,
                format!("d{d} holds {stray} stops of no route"),
            ));
        }
        for problem in device_files(&dir) {
            out.push((NO_ORPHAN, format!("d{d}: {problem}")));
        }
    }

    // Photos: every photo a stored event names arrived whole, under its own hash, except
    // photos whose only copy went with a restored phone (the planner shows those records
    // incomplete).
    let named = query(
        &p,
        "SELECT DISTINCT e.sha256, b.data, b.complete FROM event_photos e
         LEFT JOIN blobs b ON b.tenant_id = e.tenant_id AND b.sha256 = e.sha256 ORDER BY e.sha256",
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<Vec<u8>>>(1)?,
                r.get::<_, Option<bool>>(2)?,
            ))
        },
    );
    for (sha, data, complete) in rows(&mut out, named) {
        if world.lost_photos.contains(&sha) && data.is_none() {
            continue;
        }
        match data {
            None => out.push((PHOTOS, format!("photo {} never arrived", short(&sha)))),
            Some(_) if complete != Some(true) => {
                out.push((PHOTOS, format!("photo {} is incomplete", short(&sha))))
            }
            Some(bytes) if sha256_hex(&bytes) != sha => out.push((
                PHOTOS,
                format!("photo {} does not match its hash", short(&sha)),
            )),
            Some(_) => {}
        }
    }

    // Arrival order: a stop's status is what its accepted ops imply, whatever order they came
    // in: the furthest status any accepted op reached (one outcome at most; a second is
    // refused). Stops with a corrected proof are left out: a correction replaces the outcome.
    let accepted = query(
        &p,
        "SELECT COALESCE(o.body, e.body), o.kind FROM ops o
         LEFT JOIN events e ON e.id = o.event_id
         WHERE NOT EXISTS (SELECT 1 FROM rejections j WHERE j.device_id = o.device_id AND j.epoch = o.epoch AND j.seq = o.seq)",
        |r| Ok((r.get::<_, Option<String>>(0)?, r.get::<_, String>(1)?)),
    );
    let accepted = rows(&mut out, accepted);
    let mut implied: BTreeMap<Uuid, StopStatus> = BTreeMap::new();
    let mut corrected: BTreeSet<Uuid> = BTreeSet::new();
    for (body, kind) in accepted {
        let Some(Ok(body)) = body.as_deref().map(serde_json::from_str::<OpBody>) else {
            out.push((
                ORDER,
                format!("an accepted {kind} op has no readable body on the planner"),
            ));
            continue;
        };
        let status = match &body {
            OpBody::PodRecorded { pod } => {
                if pod.corrects.is_some() {
                    corrected.insert(pod.stop_id);
                }
                Some(pod.outcome.status())
            }
            OpBody::FailedAttemptRecorded { .. } => Some(StopStatus::Failed),
            OpBody::StopAdvanced { status, .. } => Some(*status),
            OpBody::ConditionNoteRecorded { .. } | OpBody::DeliveryResolved { .. } => None,
        };
        if let Some(s) = status {
            let e = implied.entry(body.stop_id()).or_insert(StopStatus::Pending);
            if s.step() > e.step() {
                *e = s;
            }
        }
    }
    let statuses = query(&p, "SELECT id, status FROM stops ORDER BY id", |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    });
    for (id, status) in rows(&mut out, statuses) {
        let Ok(uuid) = id.parse::<Uuid>() else {
            out.push((ORDER, format!("the planner's stop id {id:?} is not a UUID")));
            continue;
        };
        if corrected.contains(&uuid) {
            continue;
        }
        let want = implied.get(&uuid).copied().unwrap_or(StopStatus::Pending);
        if want.as_str() != status {
            out.push((
                ORDER,
                format!(
                    "stop {} is {status} but its accepted ops say {}",
                    short(&id),
                    want.as_str()
                ),
            ));
        }
    }
    out
}

fn stop_row(r: &Row<'_>) -> rusqlite::Result<[String; 7]> {
    let text = |i: usize| -> rusqlite::Result<String> {
        Ok(match r.get_ref(i)? {
            rusqlite::types::ValueRef::Null => "null".into(),
            rusqlite::types::ValueRef::Integer(n) => n.to_string(),
            rusqlite::types::ValueRef::Real(f) => f.to_string(),
            rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
            rusqlite::types::ValueRef::Blob(_) => "blob".into(),
        })
    };
    Ok([
        text(0)?,
        text(1)?,
        text(2)?,
        text(3)?,
        text(4)?,
        text(5)?,
        text(6)?,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_statement_is_an_error_naming_its_sql() {
        let conn = Connection::open_in_memory().expect("an in-memory database opens");
        let err = query(&conn, "SELECT total FROM nowhere", |r| r.get::<_, i64>(0))
            .expect_err("a query on a missing table must fail, not give zero rows");
        let text = err.to_string();
        assert!(
            text.contains("SELECT total FROM nowhere") && text.contains("no such table"),
            "the error names the SQL and why it failed: {text}"
        );
    }

    #[test]
    fn a_check_whose_table_is_gone_reports_a_violation_instead_of_passing() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let mut world = World::new(5, dir.path());
        let clean = all(&mut world);
        assert!(
            !clean.iter().any(|(invariant, _)| *invariant == CHECKABLE),
            "on today's schema every check's query runs: {clean:?}"
        );
        let path = world.planner.borrow().path().to_owned();
        Connection::open(&path)
            .expect("the planner's file opens")
            .execute_batch("ALTER TABLE ops RENAME TO ops_of_another_schema")
            .expect("the table is renamed, as a schema change would");
        let found = all(&mut world);
        doorstep_field::failpoint::clear_hook();
        assert!(
            found
                .iter()
                .any(|(invariant, detail)| *invariant == CHECKABLE && detail.contains("FROM ops")),
            "a check on a table that is gone is a violation naming its SQL: {found:?}"
        );
    }
}
