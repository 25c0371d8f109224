//! Migrations are append-only: a planner keeps the database an earlier build made. The
//! fixtures in `tests/fixtures/upgrade` were made by `scripts/make-upgrade-fixtures.sh`: the
//! demo tenant of 2026-12-02 and Kees's phone, which synced a delivery with a short line, a
//! failed attempt and a note. Every later build must open them and read every record back.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use doorstep_domain::FakeClock;
use doorstep_planner::storage::{PostgresStorage, SqliteStorage, Storage};
use serde_json::Value;

use crate::{on_both_stores, serve, Backing, TestDb};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/upgrade")
        .join(name)
}

/// What the fixture holds, table by table; later migrations may add tables, never lose rows.
const FIXTURE_ROWS: &[(&str, i64)] = &[
    ("tenants", 1),
    ("users", 6),
    ("enrolment_codes", 7),
    ("devices", 2),
    ("user_tokens", 1),
    ("routes", 4),
    ("stops", 120),
    ("order_lines", 296),
    ("events", 22),
    ("ops", 22),
    ("changes", 7),
    ("customers", 15),
    ("territories", 2),
];

/// Runs one SQL statement that answers one number, on either store.
trait Probe {
    fn number(&mut self, sql: &str) -> i64;
    fn exec(&mut self, sql: &str);
}

impl Probe for rusqlite::Connection {
    fn number(&mut self, sql: &str) -> i64 {
        self.query_row(sql, [], |r| r.get(0))
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }
    fn exec(&mut self, sql: &str) {
        self.execute_batch(sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

impl Probe for ::postgres::Client {
    fn number(&mut self, sql: &str) -> i64 {
        self.query_one(sql, &[])
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .get(0)
    }
    fn exec(&mut self, sql: &str) {
        self.batch_execute(sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

/// A copy of a store's fixture: the SQLite file copied into the test's temp dir, or the dump
/// restored into the test's fresh PostgreSQL database.
struct Fixture {
    db: TestDb,
    backing: Backing,
    demo: Value,
}

impl Fixture {
    fn restore(backing: Backing) -> Fixture {
        let db = TestDb::new(backing);
        let demo = match backing {
            Backing::Sqlite => {
                std::fs::copy(fixture("planner.db"), db.sqlite_path()).unwrap();
                "sqlite-demo.json"
            }
            Backing::Postgres => {
                let dump = std::fs::read_to_string(fixture("planner.sql")).unwrap();
                let mut client = ::postgres::Client::connect(&db.url, ::postgres::NoTls).unwrap();
                client
                    .batch_execute(&dump)
                    .expect("the PostgreSQL dump restores");
                "postgres-demo.json"
            }
        };
        let demo = serde_json::from_str(&std::fs::read_to_string(fixture(demo)).unwrap())
            .expect("the demo's JSON reads");
        Fixture { db, backing, demo }
    }

    fn probe(&self) -> Box<dyn Probe> {
        match self.backing {
            Backing::Sqlite => Box::new(rusqlite::Connection::open(self.db.sqlite_path()).unwrap()),
            Backing::Postgres => {
                Box::new(::postgres::Client::connect(&self.db.url, ::postgres::NoTls).unwrap())
            }
        }
    }

    /// Opens the database with this build, which migrates it.
    fn open(&self) -> Result<Arc<dyn Storage>, String> {
        match self.backing {
            Backing::Sqlite => {
                SqliteStorage::open(&self.db.sqlite_path()).map(|s| Arc::new(s) as Arc<dyn Storage>)
            }
            Backing::Postgres => {
                PostgresStorage::open(&self.db.url).map(|s| Arc::new(s) as Arc<dyn Storage>)
            }
        }
        .map_err(|e| e.to_string())
    }

    fn kees_route(&self) -> String {
        self.demo["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["name"] == "Kees Courier")
            .and_then(|u| u["route_id"].as_str())
            .expect("Kees has a route in the demo")
            .to_owned()
    }
}

/// The fixture's day at 09:00 UTC.
fn fixture_clock() -> Arc<FakeClock> {
    Arc::new(FakeClock::at(
        Utc.with_ymd_and_hms(2026, 12, 2, 9, 0, 0).unwrap(),
    ))
}

fn get(url: &str, token: &str) -> Value {
    let resp = reqwest::blocking::Client::new()
        .get(url)
        .bearer_auth(token)
        .send()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200, "GET {url} answers");
    serde_json::from_str(&resp.text().unwrap()).unwrap()
}

fn a_planner_database_made_by_an_earlier_build_opens_and_reads_every_record_back(backing: Backing) {
    let fixture = Fixture::restore(backing);
    let storage = fixture.open().expect("the current build opens the fixture");

    let mut probe = fixture.probe();
    for (table, rows) in FIXTURE_ROWS {
        assert_eq!(
            probe.number(&format!("SELECT COUNT(*) FROM {table}")),
            *rows,
            "{table} keeps every row the fixture holds"
        );
    }
    let migrations = probe.number("SELECT COUNT(*) FROM schema_migrations");
    assert_eq!(
        probe.number("SELECT COUNT(*) FROM schema_migrations WHERE sha256 IS NOT NULL"),
        migrations,
        "after opening, the database records the hash of every migration it applied"
    );

    // Dispatch reads Kees's synced day through the API of this build.
    let (url, shutdown, thread) = serve(storage.clone(), fixture_clock());
    let token = fixture.demo["dispatcher_token"].as_str().unwrap();
    let route = get(&format!("{url}/v1/routes/{}", fixture.kees_route()), token);
    let stops = route["route"]["stops"]
        .as_array()
        .expect("the route has stops");
    assert_eq!(stops.len(), 30, "Kees's route keeps its 30 stops");
    let status: Vec<&str> = stops
        .iter()
        .take(3)
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        status,
        vec!["partly_delivered", "failed", "pending"],
        "the planner keeps what Kees's phone synced"
    );
    let text = route.to_string();
    assert!(
        text.contains("Femke de Graaf"),
        "the proof of delivery keeps its recipient"
    );
    assert!(
        text.contains("sack torn"),
        "the condition note keeps its text"
    );
    let territories = get(&format!("{url}/v1/territories"), token);
    assert_eq!(
        territories.as_array().map(Vec::len),
        Some(2),
        "both demo territories are still there"
    );
    let _ = shutdown.send(());
    thread.join().unwrap();
    drop(storage); // outside the server's runtime: the PostgreSQL client blocks as it closes
}

fn a_planner_database_from_before_migration_hashes_is_adopted(backing: Backing) {
    let fixture = Fixture::restore(backing);
    fixture
        .probe()
        .exec("ALTER TABLE schema_migrations DROP COLUMN sha256");
    fixture
        .open()
        .expect("a database made before hashes were recorded is adopted");
    let mut probe = fixture.probe();
    assert_eq!(
        probe.number("SELECT COUNT(*) FROM schema_migrations WHERE sha256 IS NULL"),
        0,
        "every applied migration is recorded with this build's hash"
    );
}

fn a_planner_database_migrated_with_another_file_is_refused_in_plain_words(backing: Backing) {
    let fixture = Fixture::restore(backing);
    fixture.probe().exec(&format!(
        "UPDATE schema_migrations SET sha256 = '{}' WHERE version = 2",
        "0".repeat(64)
    ));
    let err = match fixture.open() {
        Ok(_) => panic!("a database migrated with another migration 2 must not open"),
        Err(e) => e,
    };
    let file = match backing {
        Backing::Sqlite => "0002_scope_exits.sql",
        Backing::Postgres => "0002_customers.sql",
    };
    assert!(
        err.starts_with(&format!(
            "this database was migrated with a different {file} than this build has"
        )),
        "the refusal names the file in plain words: {err}"
    );
    assert!(
        err.contains("made by another build and cannot be opened safely"),
        "the refusal says why: {err}"
    );
}

fn a_planner_database_from_a_newer_build_is_refused_in_plain_words(backing: Backing) {
    let fixture = Fixture::restore(backing);
    fixture.probe().exec(&format!(
        "INSERT INTO schema_migrations (version, sha256) VALUES (9999, '{}')",
        "f".repeat(64)
    ));
    let err = match fixture.open() {
        Ok(_) => panic!("a database with a migration this build does not know must not open"),
        Err(e) => e,
    };
    assert!(
        err.contains("migration 9999") && err.contains("made by a newer build"),
        "the refusal says a newer build made the database: {err}"
    );
}

on_both_stores!(
    a_planner_database_made_by_an_earlier_build_opens_and_reads_every_record_back,
    a_planner_database_from_before_migration_hashes_is_adopted,
    a_planner_database_migrated_with_another_file_is_refused_in_plain_words,
    a_planner_database_from_a_newer_build_is_refused_in_plain_words,
);
