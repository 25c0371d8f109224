//! The planner with real devices: a server on a free port, the real device engine syncing
//! with it over HTTP.

mod conformance;
mod faults;
mod import;
mod kill;
mod network;
mod openapi;
mod proxy;
mod reps;
mod stories;
mod territories;
mod upgrade;

use std::net::SocketAddr;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use doorstep_domain::{Clock, FakeClock};
use doorstep_field::sync::{enroll, HttpTransport, SyncEngine};
use doorstep_field::Store;
use doorstep_planner::api::{router, AppState};
use doorstep_planner::demo::{seed, Demo};
use doorstep_planner::storage::{PostgresStorage, SqliteStorage, Storage};
use tempfile::TempDir;

/// Which store a test runs on. Every story and the conformance suite run on both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backing {
    Sqlite,
    Postgres,
}

/// Runs each named `fn(Backing)` as two tests: `sqlite::NAME` and `postgres::NAME`.
#[macro_export]
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test]
            fn $name() {
                super::$name($crate::Backing::Sqlite)
            })*
        }
        mod postgres {
            $(#[test]
            fn $name() {
                super::$name($crate::Backing::Postgres)
            })*
        }
    };
}

/// The server PostgreSQL tests create their databases on (DESIGN.md §6: trust auth on
/// 127.0.0.1:5432); `make test` starts it.
fn postgres_admin_url() -> String {
    std::env::var("DOORSTEP_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A fresh, empty database for one test: a SQLite file in a temp dir, or a new PostgreSQL
/// database that is dropped afterwards.
pub struct TestDb {
    pub url: String,
    _dir: TempDir,
    postgres_name: Option<String>,
}

impl TestDb {
    pub fn new(backing: Backing) -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        match backing {
            Backing::Sqlite => TestDb {
                url: format!("sqlite://{}", dir.path().join("planner.db").display()),
                _dir: dir,
                postgres_name: None,
            },
            Backing::Postgres => {
                let admin = postgres_admin_url();
                let mut salt = [0u8; 8];
                getrandom::fill(&mut salt).unwrap();
                let name = format!("doorstep_test_{}", hex::encode(salt));
                let mut client = postgres::Client::connect(&admin, postgres::NoTls)
                    .unwrap_or_else(|e| {
                        panic!("PostgreSQL is not reachable at {admin} ({e}); `make test` starts it (DESIGN.md §6)")
                    });
                client
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .unwrap();
                let base = admin.rsplit_once('/').unwrap().0;
                TestDb {
                    url: format!("{base}/{name}"),
                    _dir: dir,
                    postgres_name: Some(name),
                }
            }
        }
    }

    /// The SQLite file of a SQLite test database.
    pub fn sqlite_path(&self) -> std::path::PathBuf {
        std::path::PathBuf::from(
            self.url
                .strip_prefix("sqlite://")
                .expect("a SQLite database"),
        )
    }

    pub fn open(&self) -> Arc<dyn Storage> {
        match self.postgres_name {
            None => Arc::new(
                SqliteStorage::open(std::path::Path::new(
                    self.url.strip_prefix("sqlite://").unwrap(),
                ))
                .unwrap(),
            ),
            Some(_) => Arc::new(PostgresStorage::open(&self.url).unwrap()),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = &self.postgres_name {
            if let Ok(mut c) = postgres::Client::connect(&postgres_admin_url(), postgres::NoTls) {
                let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

/// Where every test's time starts: 09:00 UTC on 2026-11-25, a Wednesday. The planner and the
/// phones of a test share one fake clock, so no test depends on today's date or the machine's
/// time zone; a test that needs time to pass advances it.
pub fn test_clock() -> Arc<FakeClock> {
    Arc::new(FakeClock::at(
        Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap(),
    ))
}

/// A planner serving on 127.0.0.1:0 in its own runtime; stops when dropped.
pub struct TestServer {
    pub url: String,
    pub storage: Arc<dyn Storage>,
    pub demo: Demo,
    /// The planner's clock, which the phones of the test share.
    pub clock: Arc<dyn Clock>,
    db: TestDb,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestServer {
    /// A planner seeded with the demo tenant, on [`test_clock`].
    pub fn start(backing: Backing) -> TestServer {
        TestServer::start_at(backing, test_clock())
    }

    /// A planner seeded with the demo tenant, on `clock`.
    pub fn start_at(backing: Backing, clock: Arc<dyn Clock>) -> TestServer {
        let db = TestDb::new(backing);
        let storage = db.open();
        let demo = seed(&*storage, &*clock).unwrap();
        let (url, shutdown, thread) = serve(storage.clone(), clock.clone());
        TestServer {
            url,
            storage,
            demo,
            clock,
            db,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    /// Stops the planner and starts a new one on the same database (on a new port), as after a
    /// crash or a deploy: nothing is kept in memory between the two.
    pub fn restart(&mut self) {
        self.stop();
        self.storage = self.db.open();
        let (url, shutdown, thread) = serve(self.storage.clone(), self.clock.clone());
        self.url = url;
        self.shutdown = Some(shutdown);
        self.thread = Some(thread);
    }

    fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    pub fn code_of(&self, name: &str) -> String {
        self.demo
            .users
            .iter()
            .find(|u| u.name == name)
            .unwrap()
            .enrolment_code
            .clone()
    }

    pub fn route_of(&self, name: &str) -> uuid::Uuid {
        self.demo
            .users
            .iter()
            .find(|u| u.name == name)
            .unwrap()
            .route_id
            .unwrap()
    }

    /// A dispatcher's HTTP call; returns status and JSON body.
    pub fn dispatch(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let client = reqwest::blocking::Client::new();
        let mut req = client
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(&self.demo.dispatcher_token);
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        let resp = req.send().unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
        )
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop();
    }
}

type Serving = (
    String,
    tokio::sync::oneshot::Sender<()>,
    std::thread::JoinHandle<()>,
);

/// Serves the planner on 127.0.0.1:0 in its own runtime until the sender fires.
fn serve(storage: Arc<dyn Storage>, clock: Arc<dyn Clock>) -> Serving {
    let app = router(AppState::new(storage, clock));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let (addr_tx, addr_rx) = std::sync::mpsc::channel::<SocketAddr>();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            addr_tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await
                .unwrap();
        });
    });
    let addr = addr_rx.recv().unwrap();
    (format!("http://{addr}"), tx, thread)
}

/// One of the phone photos in shared/testdata (real EXIF orientation tags).
pub fn testdata_photo(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/photos")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A phone: the real device engine in its own temp dir, enrolled with the test planner.
pub struct Phone {
    pub store: Store,
    pub transport: HttpTransport,
    clock: Arc<dyn Clock>,
    _dir: TempDir,
}

impl Phone {
    pub fn enrol(server: &TestServer, courier: &str) -> Phone {
        let dir = tempfile::tempdir().unwrap();
        let clock = server.clock.clone();
        let mut store = Store::open(dir.path(), clock.clone()).unwrap();
        let transport = HttpTransport::new(&server.url).unwrap();
        enroll(
            &mut store,
            &transport,
            &server.url,
            &server.code_of(courier),
        )
        .unwrap();
        Phone {
            store,
            transport,
            clock,
            _dir: dir,
        }
    }

    pub fn sync(&mut self) -> doorstep_field::Result<doorstep_field::sync::SyncReport> {
        SyncEngine::default().sync_once(&mut self.store, &self.transport)
    }

    pub fn today(&self) -> chrono::NaiveDate {
        self.store.clock().today()
    }

    /// Proofs of delivery (no signature, lines in full) for the stops at `positions`, each
    /// with the shared test photo `photo` through the real pipeline; returns the photo hashes.
    pub fn deliver_with_photo(
        &mut self,
        positions: std::ops::RangeInclusive<u32>,
        photo: &str,
    ) -> Vec<String> {
        let bytes = testdata_photo(photo);
        let mut hashes = vec![];
        for position in positions {
            let stop_id = self.store.routes().stop_at(position).unwrap();
            let lines = self.store.stops().detail(stop_id).unwrap().lines;
            let sha = self.store.photos().import(&bytes).unwrap().sha256;
            self.store
                .pods()
                .record(doorstep_domain::NewPod {
                    stop_id,
                    recipient_name: format!("Recipient {position}"),
                    signature: None,
                    photos: vec![sha.clone()],
                    gps: None,
                    lines: lines
                        .iter()
                        .map(doorstep_domain::LineOutcome::in_full)
                        .collect(),
                    corrects: None,
                })
                .unwrap();
            hashes.push(sha);
        }
        hashes
    }

    /// The phone's data dir (database, WAL, photos).
    pub fn dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    /// Closes the database (the app is stopped); the phone holds a scratch store meanwhile.
    pub fn close(&mut self) {
        let scratch = self._dir.path().with_extension("closed");
        self.store = Store::open(&scratch, self.clock.clone()).unwrap();
    }

    /// Opens the data dir again (the app starts).
    pub fn reopen(&mut self) {
        self.store = Store::open(self._dir.path(), self.clock.clone()).unwrap();
    }
}
