//! P4 (DESIGN.md §7): a sales rep's territory on the device. 100,000 deliveries cached (50 days,
//! 100 routes a day, 20 stops a route, spread over the whole city); the "late first" list of
//! one day inside a territory drawn over part of the city (an irregular, concave polygon, not
//! a box). Against the floor DESIGN.md §7 names: the day's rows read by the day index (all of
//! them, whole routes), then point-in-polygon, computing the same list, measured interleaved in
//! the same run. Exits non-zero when p95 misses the 20 ms target.
//!
//! Run: `cargo bench -p doorstep-field --bench p4_territory` (or `make bench`).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime};
use doorstep_domain::lateness::{assess_route, Pace, StopFacts};
use doorstep_domain::sync::TerritoryState;
use doorstep_domain::territory::Area;
use doorstep_domain::StopStatus;
use doorstep_field::store::{DeliveryFilter, RepStop};
use doorstep_field::{Store, SystemClock};
use rusqlite::Connection;
use uuid::Uuid;

const DAYS: u32 = 50;
const ROUTES_PER_DAY: u32 = 100;
const STOPS_PER_ROUTE: u32 = 20;
const SAMPLES: usize = 200;
const WARMUP: usize = 20;

/// The city: Amsterdam and around, 0.2° of longitude by 0.1° of latitude (~14 × 11 km).
const CITY: (f64, f64, f64, f64) = (52.32, 52.42, 4.80, 5.00);

/// A rep's territory over the centre and the east: an irregular outline with a dent in its
/// north side, `[lon, lat]` as GeoJSON has it.
const OUTLINE: &[[f64; 2]] = &[
    [4.870, 52.365],
    [4.880, 52.358],
    [4.895, 52.355],
    [4.910, 52.352],
    [4.930, 52.350],
    [4.945, 52.355],
    [4.950, 52.365],
    [4.940, 52.372],
    [4.925, 52.375],
    [4.915, 52.385],
    [4.900, 52.388],
    [4.893, 52.380],
    [4.885, 52.383],
    [4.875, 52.380],
    [4.868, 52.373],
    [4.870, 52.365],
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

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
}

fn main() -> std::process::ExitCode {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("device"), Arc::new(SystemClock)).expect("store");

    let first = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    let today = first + chrono::Duration::days(DAYS as i64 / 2);
    let now = today.and_time(NaiveTime::from_hms_opt(13, 0, 0).unwrap());
    let territory = TerritoryState {
        id: Uuid::from_u128(1),
        name: "Centrum-Oost".into(),
        area: serde_json::json!({"type": "Polygon", "coordinates": [OUTLINE]}),
    };
    let stops = city(first, today);
    let total = stops.len();

    // Caching them: one apply, as a first sync would (P5 measures this properly).
    let t = Instant::now();
    let applied = store
        .territory()
        .apply(std::slice::from_ref(&territory), &stops)
        .expect("apply");
    let apply_time = t.elapsed();
    assert_eq!(applied.stops, total);
    drop(stops);

    let area = Area::from_geojson(&territory.area).expect("area");
    let floor_conn = Connection::open(dir.path().join("device").join("doorstep.db")).expect("db");

    let mut ours = Vec::with_capacity(SAMPLES);
    let mut floor = Vec::with_capacity(SAMPLES);
    let mut listed = 0;
    for i in 0..SAMPLES + WARMUP {
        let t = Instant::now();
        let naive = day_scan(&floor_conn, &area, today, now);
        let floor_elapsed = t.elapsed();

        let t = Instant::now();
        let list = store
            .territory()
            .late_first(None, today, now, &DeliveryFilter::default())
            .expect("late first");
        let ours_elapsed = t.elapsed();

        if i == 0 {
            let got: Vec<_> = list.iter().map(|d| (d.stop_id, d.standing)).collect();
            assert_eq!(got, naive, "the indexed list and the full scan agree");
            listed = list.len();
        }
        if i >= WARMUP {
            ours.push(ours_elapsed);
            floor.push(floor_elapsed);
        }
    }

    let late = store
        .territory()
        .late_first(None, today, now, &DeliveryFilter::default())
        .unwrap()
        .iter()
        .filter(|d| d.standing.needs_attention())
        .count();
    let (f50, f95) = (pct(&mut floor, 50.0), pct(&mut floor, 95.0));
    let (o50, o95) = (pct(&mut ours, 50.0), pct(&mut ours, 95.0));
    println!(
        "P4 a sales rep's territory on the device: {total} deliveries cached ({DAYS} days x {ROUTES_PER_DAY} routes x {STOPS_PER_ROUTE} stops), {SAMPLES} samples"
    );
    println!(
        "  one day inside a {}-point polygon: {listed} deliveries listed, {late} late or incomplete first",
        OUTLINE.len() - 1
    );
    println!(
        "  (caching them took {:.2} s in one apply: {:.0} rows/s)",
        apply_time.as_secs_f64(),
        total as f64 / apply_time.as_secs_f64()
    );
    println!(
        "  floor: the day by its index + point-in-polygon  p50 {:>8.3} ms   p95 {:>8.3} ms",
        ms(f50),
        ms(f95)
    );
    println!(
        "  doorstep: territory().late_first (route R*Tree) p50 {:>8.3} ms   p95 {:>8.3} ms",
        ms(o50),
        ms(o95)
    );
    let met = ms(o95) <= 20.0;
    println!(
        "  ratio p50 {:.3}x   ratio p95 {:.3}x   (target p95 <= 20 ms: {})",
        ms(o50) / ms(f50),
        ms(o95) / ms(f95),
        if met { "met" } else { "NOT met" }
    );
    if met {
        std::process::ExitCode::SUCCESS
    } else {
        eprintln!("P4 missed its target: p95 {:.3} ms > 20 ms", ms(o95));
        std::process::ExitCode::FAILURE
    }
}

/// 100 routes a day, each working a district of its own (a centre anywhere in the city, its
/// stops within ~1.5 km), windows following the driving order. Days before `today` are done;
/// on `today` the morning's stops are done with a few failures, short and damaged deliveries;
/// later days wait.
fn city(first: NaiveDate, today: NaiveDate) -> Vec<RepStop> {
    let mut rng = Rng(4);
    let mut out = Vec::with_capacity((DAYS * ROUTES_PER_DAY * STOPS_PER_ROUTE) as usize);
    let mut n: u128 = 1_000;
    for d in 0..DAYS {
        let date = first + chrono::Duration::days(d as i64);
        for r in 0..ROUTES_PER_DAY {
            let route_id = Uuid::from_u128(((d * ROUTES_PER_DAY + r) as u128) << 32);
            let centre = (
                rng.between(CITY.0 + 0.01, CITY.1 - 0.01),
                rng.between(CITY.2 + 0.02, CITY.3 - 0.02),
            );
            // Started 08:00; by 13:00 the first 5 to 14 stops are done: some rounds run behind.
            let done_by_now = 5 + (rng.next() % 10) as u32;
            for p in 1..=STOPS_PER_ROUTE {
                n += 1;
                let lat = (centre.0 + rng.between(-0.013, 0.013)).clamp(CITY.0, CITY.1);
                let lon = (centre.1 + rng.between(-0.022, 0.022)).clamp(CITY.2, CITY.3);
                let start = 8 * 60 + (p - 1) * 25 + (rng.next() % 15) as u32;
                let status = if date < today || (date == today && p <= done_by_now) {
                    match rng.next() % 40 {
                        0 => StopStatus::Failed,
                        1 => StopStatus::PartlyDelivered,
                        _ => StopStatus::Delivered,
                    }
                } else {
                    StopStatus::Pending
                };
                out.push(RepStop {
                    id: Uuid::from_u128(n),
                    route_id,
                    date,
                    position: p,
                    lat,
                    lon,
                    window_start: clock(start),
                    window_end: clock(start + 120),
                    status,
                    cancelled: rng.next().is_multiple_of(200),
                    damaged: status == StopStatus::Delivered && rng.next().is_multiple_of(60),
                    customer_name: format!("Customer {}", rng.next() % 5_000),
                    address: format!("Street {}", rng.next() % 900),
                    courier_name: format!("Courier {r}"),
                    version: 1,
                    detail: Default::default(),
                });
            }
        }
    }
    out
}

fn clock(minutes: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(minutes / 60, minutes % 60, 0).unwrap()
}

/// The floor: every row of the day read through the day index (whole routes: a route is one
/// day's), each tested against the polygon, each route with a stop inside judged whole; the
/// same order as the list.
fn day_scan(
    conn: &Connection,
    area: &Area,
    date: NaiveDate,
    now: NaiveDateTime,
) -> Vec<(Uuid, doorstep_domain::lateness::Standing)> {
    let day = date.num_days_from_ce();
    let mut stmt = conn
        .prepare_cached(
            "SELECT day, lat, lon, route_id, id, position, window_start, window_end, status,
                    cancelled, damaged, customer_name
             FROM rep_stops INDEXED BY rep_stops_day WHERE day = ?1",
        )
        .unwrap();
    let mut rows = stmt.query([day]).unwrap();
    let mut routes: BTreeMap<String, Vec<(StopFacts, String, bool)>> = BTreeMap::new();
    while let Some(r) = rows.next().unwrap() {
        let (row_day, lat, lon): (i32, f64, f64) =
            (r.get(0).unwrap(), r.get(1).unwrap(), r.get(2).unwrap());
        assert_eq!(row_day, day, "the day index gives only the day's rows");
        let inside = area.contains(lat, lon);
        let secs = |i: usize| {
            NaiveTime::from_num_seconds_from_midnight_opt(r.get::<_, u32>(i).unwrap(), 0).unwrap()
        };
        let facts = StopFacts {
            id: Uuid::parse_str(&r.get::<_, String>(4).unwrap()).unwrap(),
            position: r.get(5).unwrap(),
            lat,
            lon,
            window_start: secs(6),
            window_end: secs(7),
            status: r.get::<_, String>(8).unwrap().parse().unwrap(),
            cancelled: r.get(9).unwrap(),
            damaged: r.get(10).unwrap(),
        };
        routes
            .entry(r.get(3).unwrap())
            .or_default()
            .push((facts, r.get(11).unwrap(), inside));
    }
    let mut out = vec![];
    for stops in routes.values() {
        if !stops.iter().any(|(_, _, inside)| *inside) {
            continue;
        }
        let facts: Vec<StopFacts> = stops.iter().map(|(f, _, _)| f.clone()).collect();
        for (id, standing) in assess_route(date, &facts, now, Pace::default()) {
            let (f, customer, inside) = stops.iter().find(|(f, _, _)| f.id == id).unwrap();
            if *inside {
                out.push((
                    (
                        !standing.needs_attention(),
                        f.window_start,
                        customer.clone(),
                        id,
                    ),
                    standing,
                ));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out.into_iter().map(|((.., id), s)| (id, s)).collect()
}

fn pct(v: &mut [Duration], p: f64) -> Duration {
    v.sort_unstable();
    let idx = ((p / 100.0) * (v.len() - 1) as f64).round() as usize;
    v[idx]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
