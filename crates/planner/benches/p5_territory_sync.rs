//! P5 (DESIGN.md §7): the first sync of a sales rep's territory, 50,000 deliveries.
//!
//! A real planner (SQLite, in-process, 127.0.0.1:0) holds a few days of courier routes spread
//! over Amsterdam: 25-stop routes, each clustered around its own centre, jittered
//! deterministically across the city. One sales rep's territory is an irregular polygon over a
//! good part of the city; routes are added until at least 50,000 of their stops lie inside
//! it. A fresh phone running the real device engine enrols as the rep and runs its first
//! `pull_territory` (whole routes through the territory, as lateness needs them). Printed:
//!
//! * the first sync's wall time, and where it went (the planner's answer, decoding, applying);
//! * rows per second applied on the device (`Territory::replace`, the same decoded scope, on a
//!   fresh store) against the floor: a plain batched INSERT of the same rows into a bare
//!   SQLite table (no keys, no indexes, no R*Tree; one transaction, a prepared statement),
//!   same pragmas, same kind of file, interleaved in the same run;
//! * the bytes on the wire (the gzip body, counted by a client that does not decode it)
//!   against the JSON it carries, and bytes per delivery.
//!
//! Run: `cargo bench -p doorstep-planner --bench p5_territory_sync` (or `make bench`).

use std::io::Read;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate, Timelike};
use doorstep_domain::sync::TerritoryScope;
use doorstep_domain::territory::Area;
use doorstep_domain::{Clock, SystemClock};
use doorstep_field::store::RepStop;
use doorstep_field::sync::{enroll, HttpTransport, Request, Response, SyncEngine, Transport};
use doorstep_field::Store;
use doorstep_planner::api::{router, AppState};
use doorstep_planner::auth::hash_secret;
use doorstep_planner::demo::seed;
use doorstep_planner::storage::{NewTerritory, Role, SqliteStorage, Storage, User};
use rusqlite::{params, Connection};
use uuid::Uuid;

/// Deliveries inside the rep's territory, at least.
const INSIDE: usize = 50_000;
const DAYS: i64 = 3;
const STOPS_PER_ROUTE: usize = 25;
/// Apply and floor runs, interleaved; the median is reported.
const RUNS: usize = 3;
/// DESIGN.md §7: rows per second applied on the device.
const TARGET_ROWS_PER_S: f64 = 50_000.0;

/// The city: Amsterdam and around (~14 × 11 km).
const CITY: (f64, f64, f64, f64) = (52.32, 52.42, 4.80, 5.00);

/// The rep's territory: an irregular outline over most of the city, with a dent in its north
/// side, `[lon, lat]` as GeoJSON has it.
const OUTLINE: &[[f64; 2]] = &[
    [4.825, 52.340],
    [4.860, 52.332],
    [4.900, 52.338],
    [4.935, 52.330],
    [4.975, 52.336],
    [4.990, 52.355],
    [4.982, 52.385],
    [4.960, 52.405],
    [4.930, 52.410],
    [4.912, 52.392],
    [4.895, 52.388],
    [4.880, 52.408],
    [4.845, 52.405],
    [4.818, 52.382],
    [4.830, 52.362],
    [4.825, 52.340],
];

/// splitmix64: the same city every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * ((self.next() >> 11) as f64 / (1u64 << 53) as f64)
    }
}

/// A planner on 127.0.0.1:0, serving until the process ends.
fn start_planner(storage: Arc<dyn Storage>) -> SocketAddr {
    let app = router(AppState::new(storage, Arc::new(SystemClock)));
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    rx.recv().unwrap()
}

/// The real transport, timed, remembering the last bearer token it carried.
struct Timed {
    inner: HttpTransport,
    token: Mutex<Option<String>>,
    spent: Mutex<Duration>,
}

impl Transport for Timed {
    fn send(&self, request: &Request) -> Result<Response, doorstep_field::sync::TransportError> {
        if let Some((_, v)) = request
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        {
            *self.token.lock().unwrap() = v.strip_prefix("Bearer ").map(str::to_owned);
        }
        let t = Instant::now();
        let answer = self.inner.send(request);
        *self.spent.lock().unwrap() += t.elapsed();
        answer
    }
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// The floor: a bare table, no keys, no indexes.
const BARE: &str = "CREATE TABLE bare (id TEXT, route_id TEXT, date TEXT, day INTEGER,
    position INTEGER, lat REAL, lon REAL, window_start INTEGER, window_end INTEGER, status TEXT,
    cancelled INTEGER, damaged INTEGER, customer_name TEXT, address TEXT, courier_name TEXT,
    territory_id TEXT, version INTEGER)";

/// Not a floor, a breakdown: the cache's own keys and index (migrations/0003_territory.sql).
const KEYED: &str = "CREATE TABLE bare (rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,
    route_id TEXT, date TEXT, day INTEGER, position INTEGER, lat REAL, lon REAL,
    window_start INTEGER, window_end INTEGER, status TEXT, cancelled INTEGER, damaged INTEGER,
    customer_name TEXT, address TEXT, courier_name TEXT, territory_id TEXT, version INTEGER);
    CREATE INDEX bare_route ON bare (route_id, position)";

/// ... and an R*Tree entry per stop kept by a trigger: the cache's index before migration 0005
/// (one box per route since), kept here to show what that cost.
const RTREE: &str = "CREATE VIRTUAL TABLE bare_where USING rtree (rid, min_lat, max_lat,
    min_lon, max_lon, min_day, max_day);
    CREATE TRIGGER bare_where_insert AFTER INSERT ON bare BEGIN
        INSERT INTO bare_where VALUES (NEW.rid, NEW.lat, NEW.lat, NEW.lon, NEW.lon, NEW.day, NEW.day);
    END";

/// The same rows into a table made by `schema`, one transaction, one prepared statement, the
/// device's pragmas.
fn bare_insert(dir: &Path, schema: &str, stops: &[RepStop]) -> Duration {
    std::fs::create_dir_all(dir).unwrap();
    let mut conn = Connection::open(dir.join("bare.db")).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "synchronous", "FULL").unwrap();
    conn.execute_batch(schema).unwrap();
    let t = Instant::now();
    let tx = conn.transaction().unwrap();
    {
        let mut insert = tx
            .prepare(
                "INSERT INTO bare (id, route_id, date, day, position, lat, lon, window_start,
                    window_end, status, cancelled, damaged, customer_name, address,
                    courier_name, territory_id, version)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                    ?17)",
            )
            .unwrap();
        for s in stops {
            insert
                .execute(params![
                    s.id.to_string(),
                    s.route_id.to_string(),
                    s.date.to_string(),
                    s.date.num_days_from_ce(),
                    s.position,
                    s.lat,
                    s.lon,
                    s.window_start.num_seconds_from_midnight(),
                    s.window_end.num_seconds_from_midnight(),
                    s.status.as_str(),
                    s.cancelled,
                    s.damaged,
                    s.customer_name,
                    s.address,
                    s.courier_name,
                    Option::<String>::None,
                    s.version,
                ])
                .unwrap();
        }
    }
    tx.commit().unwrap();
    t.elapsed()
}

fn main() -> std::process::ExitCode {
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("temp dir");
    let storage: Arc<dyn Storage> =
        Arc::new(SqliteStorage::open(&dir.path().join("planner.db")).expect("planner db"));
    let clock = SystemClock;
    let demo = seed(&*storage, &clock).expect("demo tenant");
    let tenant = demo.tenant_id;
    let couriers: Vec<_> = demo.users.iter().filter(|u| u.route_id.is_some()).collect();

    // The rep and their territory.
    let rep = User {
        id: clock.new_id(),
        name: "Pia Sales".into(),
        role: Role::SalesRep,
    };
    storage.create_user(tenant, &rep).unwrap();
    let code = "P5-BENCH-CODE";
    storage
        .add_enrolment_code(
            tenant,
            rep.id,
            &hash_secret(code),
            clock.now() + chrono::Duration::days(1),
        )
        .unwrap();
    let polygon = serde_json::json!({"type": "Polygon", "coordinates": [OUTLINE]});
    let area = Area::from_geojson(&polygon).expect("the outline is a polygon");
    storage
        .save_territories(
            tenant,
            &[NewTerritory {
                id: clock.new_id(),
                name: "Amsterdam Centre & South-East".into(),
                area: area.clone(),
                rep_id: Some(rep.id),
            }],
        )
        .unwrap();

    // Routes over the city until enough of their stops lie inside the territory.
    let from = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
    let to = from + chrono::Duration::days(DAYS - 1);
    let mut rng = Rng(5);
    let (mut inside, mut planned, mut routes) = (0usize, 0usize, 0usize);
    let t = Instant::now();
    while inside < INSIDE {
        let date = from + chrono::Duration::days(routes as i64 % DAYS);
        let courier = couriers[routes % couriers.len()];
        let mut route = doorstep_domain::demo::synthetic_route(date, STOPS_PER_ROUTE, &clock);
        route.courier_name = courier.name.clone();
        let (c_lat, c_lon) = (rng.between(CITY.0, CITY.1), rng.between(CITY.2, CITY.3));
        for s in &mut route.stops {
            s.lat = (c_lat + rng.between(-0.012, 0.012)).clamp(CITY.0, CITY.1);
            s.lon = (c_lon + rng.between(-0.02, 0.02)).clamp(CITY.2, CITY.3);
            // Customers of their own: 30 demo places would flatter gzip.
            let n = rng.next() % 20_000;
            s.customer_name = format!("{} {n}", s.customer_name);
            s.address = format!("{}, unit {}", s.address, n % 300 + 1);
            if area.contains(s.lat, s.lon) {
                inside += 1;
            }
        }
        planned += route.stops.len();
        storage
            .save_route(tenant, &route, Some(courier.user_id))
            .expect("save route");
        routes += 1;
    }
    let seeding = t.elapsed();
    eprintln!(
        "seeded {routes} routes, {planned} stops over {DAYS} days, {inside} inside the territory, in {:.1} s",
        seeding.as_secs_f64()
    );

    let planner = start_planner(storage.clone());
    let url = format!("http://{planner}");

    // The first sync, as the phone does it.
    let phone_dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(phone_dir.path(), Arc::new(SystemClock)).unwrap();
    let transport = Timed {
        inner: HttpTransport::new(&url).unwrap(),
        token: Mutex::new(None),
        spent: Mutex::new(Duration::ZERO),
    };
    enroll(&mut store, &transport, &url, code).expect("enrol the rep's phone");
    *transport.spent.lock().unwrap() = Duration::ZERO;
    let t = Instant::now();
    let pulled = SyncEngine::default()
        .pull_territory(&mut store, &transport, from, to)
        .expect("first territory sync");
    let total = t.elapsed();
    let in_transport = *transport.spent.lock().unwrap();
    let token = transport
        .token
        .lock()
        .unwrap()
        .clone()
        .expect("the sync carried a token");

    // The bytes on the wire: a client that does not decode gzip, asking for it.
    let raw = reqwest::blocking::Client::builder()
        .no_gzip()
        .timeout(Duration::from_secs(300))
        .build()
        .unwrap();
    let get = |gzip: bool| {
        let mut req = raw
            .get(format!("{url}/v1/sync/territory?from={from}&to={to}"))
            .header("authorization", format!("Bearer {token}"))
            .header("accept", "application/json");
        if gzip {
            req = req.header("accept-encoding", "gzip");
        }
        let t = Instant::now();
        let resp = req.send().unwrap();
        assert!(resp.status().is_success(), "{}", resp.status());
        let encoding = resp
            .headers()
            .get("content-encoding")
            .map(|v| v.to_str().unwrap().to_owned());
        let body = resp.bytes().unwrap().to_vec();
        (body, encoding, t.elapsed())
    };
    let (gz, encoding, server_gzip) = get(true);
    assert_eq!(encoding.as_deref(), Some("gzip"), "the planner compressed");
    let (json, plain_encoding, server_plain) = get(false);
    assert_eq!(plain_encoding, None, "asked for no encoding, got none");
    let mut unzipped = vec![];
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped.len(), json.len(), "the same JSON, compressed");

    // Decoding, as pull_territory does.
    let t = Instant::now();
    let scope: TerritoryScope = serde_json::from_slice(&json).unwrap();
    let rows: Vec<RepStop> = scope.stops.iter().map(RepStop::from).collect();
    let decode = t.elapsed();
    let rows_n = rows.len();
    let in_scope = scope
        .stops
        .iter()
        .filter(|s| s.territory_id.is_some())
        .count();
    assert_eq!(in_scope, inside, "the planner files the same stops inside");
    assert_eq!(
        pulled.stops, rows_n,
        "the first sync applied the whole scope"
    );
    let scope_routes = rows
        .iter()
        .map(|s| s.route_id)
        .collect::<std::collections::HashSet<Uuid>>()
        .len();

    // Applying on the device against the bare INSERT, interleaved, each on a fresh file.
    let mut apply = vec![];
    let mut floor = vec![];
    let (mut keyed, mut rtree) = (vec![], vec![]);
    for run in 0..RUNS {
        let fresh = tempfile::tempdir().unwrap();
        let mut device = Store::open(&fresh.path().join("device"), Arc::new(SystemClock)).unwrap();
        let t = Instant::now();
        let applied = device
            .territory()
            .replace(&scope.territories, &rows, from, to)
            .expect("replace");
        apply.push(t.elapsed());
        assert_eq!(applied.stops, rows_n);
        drop(device);
        let at = |what: &str| fresh.path().join(format!("{what}{run}"));
        floor.push(bare_insert(&at("bare"), BARE, &rows));
        keyed.push(bare_insert(&at("keyed"), KEYED, &rows));
        rtree.push(bare_insert(
            &at("rtree"),
            &format!("{KEYED};{RTREE}"),
            &rows,
        ));
    }
    let (apply, floor) = (median(&mut apply), median(&mut floor));
    let (keyed, rtree) = (median(&mut keyed), median(&mut rtree));
    let apply_rate = rows_n as f64 / apply.as_secs_f64();
    let floor_rate = rows_n as f64 / floor.as_secs_f64();

    println!(
        "P5 first sync of a territory: {inside} deliveries inside the rep's territory; scope {rows_n} rows ({scope_routes} whole routes over {DAYS} days; planner holds {routes} routes, {planned} stops)"
    );
    println!(
        "P5 apply on the device (Territory::replace, median of {RUNS}): {:.0} rows/s ({:.2} s) vs floor {:.0} rows/s ({:.2} s, bare batched INSERT) = {:.2}× the floor's rate; target ≥ {:.0} rows/s: {}",
        apply_rate,
        apply.as_secs_f64(),
        floor_rate,
        floor.as_secs_f64(),
        apply_rate / floor_rate,
        TARGET_ROWS_PER_S,
        if apply_rate >= TARGET_ROWS_PER_S { "met" } else { "NOT met" }
    );
    println!(
        "P5 apply breakdown (plain INSERTs, median of {RUNS}): + the cache's keys and route index {:.0} rows/s; + a per-stop R*Tree trigger (the index before migration 0005; one box per route now) {:.0} rows/s; the rest is replace's own work (checks, upsert, stop details, filing each stop by polygon, a box per route)",
        rows_n as f64 / keyed.as_secs_f64(),
        rows_n as f64 / rtree.as_secs_f64(),
    );
    println!(
        "P5 wire: {} B gzip body for {} B JSON = {:.3} ({:.1}× smaller); {:.1} B per scope row on the wire ({:.1} B of JSON), {:.1} B per delivery inside the territory",
        gz.len(),
        json.len(),
        gz.len() as f64 / json.len() as f64,
        json.len() as f64 / gz.len() as f64,
        gz.len() as f64 / rows_n as f64,
        json.len() as f64 / rows_n as f64,
        gz.len() as f64 / inside as f64,
    );
    println!(
        "P5 total first sync (pull_territory over loopback): {:.2} s = transport {:.2} s (planner query + JSON + gzip + transfer + gunzip) + decode and apply {:.2} s; alone: planner answer {:.2} s gzip / {:.2} s plain, decode {:.2} s, apply {:.2} s",
        total.as_secs_f64(),
        in_transport.as_secs_f64(),
        (total - in_transport).as_secs_f64(),
        server_gzip.as_secs_f64(),
        server_plain.as_secs_f64(),
        decode.as_secs_f64(),
        apply.as_secs_f64(),
    );
    eprintln!(
        "(seeding {:.1} s; whole bench {:.1} s)",
        seeding.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    if apply_rate >= TARGET_ROWS_PER_S {
        std::process::ExitCode::SUCCESS
    } else {
        eprintln!(
            "P5 missed its target: {apply_rate:.0} rows/s applied < {TARGET_ROWS_PER_S:.0} rows/s"
        );
        std::process::ExitCode::FAILURE
    }
}
