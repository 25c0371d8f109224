//! Migrations are append-only: a phone keeps the database an earlier build made. The fixture
//! `tests/fixtures/upgrade/device.db` was made by `scripts/make-upgrade-fixtures.sh` (the demo
//! route of 2026-12-02, a delivery with a short line, a failed attempt, a note, a stop on the
//! way, nothing synced); every later build must open it and read every record back.

use std::path::Path;
use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};
use doorstep_domain::migration::check_folder;
use doorstep_domain::{FakeClock, StopStatus};
use doorstep_field::store::MIGRATIONS;
use doorstep_field::Store;
use tempfile::TempDir;

/// The fixture's day, at 09:00 UTC: its route is "today" on this clock.
fn fixture_clock() -> Arc<FakeClock> {
    Arc::new(FakeClock::at(
        Utc.with_ymd_and_hms(2026, 12, 2, 9, 0, 0).unwrap(),
    ))
}

/// A copy of the fixture in a fresh data dir, so the checked-in file is never changed.
fn fixture_copy() -> TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/upgrade/device.db");
    std::fs::copy(&fixture, dir.path().join("doorstep.db"))
        .unwrap_or_else(|e| panic!("{}: {e}", fixture.display()));
    dir
}

fn db(dir: &TempDir) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.path().join("doorstep.db")).expect("database opens")
}

fn count(conn: &rusqlite::Connection, table: &str) -> i64 {
    conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{table}: {e}"))
}

/// What the fixture holds, table by table; later migrations may add tables, never lose rows.
const FIXTURE_ROWS: &[(&str, i64)] = &[
    ("device", 1),
    ("routes", 1),
    ("stops", 30),
    ("order_lines", 74),
    ("pods", 1),
    ("pod_lines", 2),
    ("failed_attempts", 1),
    ("condition_notes", 1),
    ("outbox", 4),
];

#[test]
fn every_landed_migration_is_listed_unchanged_in_the_manifest() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let manifest = std::fs::read_to_string(dir.join("MANIFEST")).expect("MANIFEST is there");
    let files: Vec<String> = std::fs::read_dir(&dir)
        .expect("the migrations folder is there")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    if let Err(e) = check_folder(&manifest, &files, MIGRATIONS) {
        panic!("crates/field/migrations: {e}");
    }
}

#[test]
fn a_phone_database_made_by_an_earlier_build_opens_and_reads_every_record_back() {
    let dir = fixture_copy();
    let clock = fixture_clock();
    let mut store = Store::open(dir.path(), clock).expect("the current build opens the fixture");
    store
        .check_integrity()
        .expect("the migrated database passes the integrity check");

    let route = store.routes().today().expect("today's route reads");
    assert_eq!(
        route.today,
        NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
        "the fake clock is on the fixture's day"
    );
    assert_eq!(route.stops.len(), 30, "the demo route keeps its 30 stops");
    let status: Vec<StopStatus> = route.stops.iter().take(5).map(|s| s.status).collect();
    assert_eq!(
        status,
        vec![
            StopStatus::PartlyDelivered,
            StopStatus::Failed,
            StopStatus::Pending,
            StopStatus::Pending,
            StopStatus::EnRoute,
        ],
        "the first stops keep what the courier did"
    );

    let first = store.routes().stop_at(1).unwrap();
    let first = store.stops().detail(first).unwrap();
    assert_eq!(first.pods.len(), 1, "stop 1 keeps its proof of delivery");
    assert_eq!(
        first.pods[0].recipient_name, "Femke de Graaf",
        "the proof keeps its recipient"
    );
    assert!(first.pods[0].has_signature, "the proof keeps its signature");
    assert_eq!(
        first.pods[0].lines[1].delivered_qty, 3,
        "the short line keeps the quantity delivered"
    );
    let second = store.routes().stop_at(2).unwrap();
    let second = store.stops().detail(second).unwrap();
    assert_eq!(
        second.failed_attempts.len(),
        1,
        "stop 2 keeps its failed attempt"
    );
    let third = store.routes().stop_at(3).unwrap();
    let third = store.stops().detail(third).unwrap();
    assert_eq!(
        third
            .notes
            .iter()
            .map(|n| n.text.as_str())
            .collect::<Vec<_>>(),
        vec!["sack torn"],
        "stop 3 keeps its condition note"
    );
    assert_eq!(
        store.outbox().len().unwrap(),
        4,
        "the four unsynced actions still wait in the outbox"
    );
    store
        .outbox()
        .check_contiguous()
        .expect("the outbox is still numbered without gaps");
    drop(store);

    let conn = db(&dir);
    for (table, rows) in FIXTURE_ROWS {
        assert_eq!(
            count(&conn, table),
            *rows,
            "{table} keeps every row the fixture holds"
        );
    }
    let recorded: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM schema_migrations WHERE sha256 IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        recorded,
        MIGRATIONS.len() as i64,
        "after opening, the database records the hash of every migration it applied"
    );
}

#[test]
fn a_database_from_before_migration_hashes_is_adopted_with_this_builds_hashes() {
    let dir = fixture_copy();
    db(&dir)
        .execute_batch("ALTER TABLE schema_migrations DROP COLUMN sha256")
        .expect("the column drops, as in a database made before hashes were recorded");
    Store::open(dir.path(), fixture_clock()).expect("an unhashed database is adopted");
    let conn = db(&dir);
    for m in MIGRATIONS {
        let sha: String = conn
            .query_row(
                "SELECT sha256 FROM schema_migrations WHERE version = ?1",
                [m.version()],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            sha,
            m.sha256(),
            "{} is recorded with this build's hash",
            m.file
        );
    }
}

#[test]
fn a_database_migrated_with_another_version_of_a_file_is_refused_in_plain_words() {
    let dir = fixture_copy();
    db(&dir)
        .execute(
            "UPDATE schema_migrations SET sha256 = ?1 WHERE version = 3",
            [&"0".repeat(64)],
        )
        .unwrap();
    let err = match Store::open(dir.path(), fixture_clock()) {
        Ok(_) => panic!("a database migrated with another 0003_territory.sql must not open"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.starts_with(
            "this database was migrated with a different 0003_territory.sql than this build has"
        ),
        "the refusal names the file in plain words: {err}"
    );
    assert!(
        err.contains("made by another build and cannot be opened safely"),
        "the refusal says why: {err}"
    );
}

#[test]
fn a_database_from_a_newer_build_is_refused_in_plain_words() {
    let dir = fixture_copy();
    db(&dir)
        .execute(
            "INSERT INTO schema_migrations (version, name, applied_at, sha256)
             VALUES (9999, 'future', '2030-01-01T00:00:00.000Z', ?1)",
            [&"f".repeat(64)],
        )
        .unwrap();
    let err = match Store::open(dir.path(), fixture_clock()) {
        Ok(_) => panic!("a database with a migration this build does not know must not open"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains("migration 9999") && err.contains("made by a newer build"),
        "the refusal says a newer build made the database: {err}"
    );
}
