//! P1 (DESIGN.md §7): recording one proof of delivery (metadata + signature; photo already on
//! disk), durable, against the floor of one raw rusqlite insert + commit with the same
//! durability (WAL, synchronous=FULL) on the same disk, measured interleaved in the same run.
//!
//! Run: `cargo bench -p doorstep-field --bench p1_record_pod` (or `make bench`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use doorstep_domain::{demo, Clock, GpsFix, LineOutcome, NewPod, Signature, SignaturePoint};
use doorstep_field::{Store, SystemClock};
use rusqlite::{params, Connection};

const SAMPLES: usize = 1000;
const WARMUP: usize = 50;

fn main() -> std::process::ExitCode {
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = Arc::new(SystemClock);
    let mut store = Store::open(&dir.path().join("device"), clock.clone()).expect("store");
    let route = demo::synthetic_route(clock.today(), SAMPLES + WARMUP, &*clock);
    store.routes().import(&route).expect("route");
    let photo_file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/photos/Landscape_1.jpg");
    let photo = std::fs::read(&photo_file)
        .ok()
        .map(|bytes| store.photos().import(&bytes).expect("photo").sha256);

    let raw = Connection::open(dir.path().join("raw.db")).expect("raw db");
    raw.pragma_update(None, "journal_mode", "WAL").unwrap();
    raw.pragma_update(None, "synchronous", "FULL").unwrap();
    raw.execute_batch("CREATE TABLE events (id TEXT PRIMARY KEY, payload TEXT NOT NULL)")
        .unwrap();

    let signature = Signature {
        width: 320,
        height: 160,
        strokes: (0..4)
            .map(|s| {
                (0..40)
                    .map(|i| SignaturePoint {
                        x: 10.0 + i as f64 * 7.0,
                        y: 40.0 + s as f64 * 20.0,
                        t: i as f64 * 16.0,
                    })
                    .collect()
            })
            .collect(),
    };

    let mut raw_times = Vec::with_capacity(SAMPLES);
    let mut pod_times = Vec::with_capacity(SAMPLES);
    let mut payload_bytes = 0;
    for (i, stop) in route.stops.iter().enumerate() {
        let pod = NewPod {
            stop_id: stop.id,
            recipient_name: format!("Recipient {i}"),
            signature: Some(signature.clone()),
            photos: photo.iter().cloned().collect(),
            gps: Some(GpsFix {
                lat: stop.lat,
                lon: stop.lon,
                accuracy_m: 7.5,
            }),
            lines: stop.lines.iter().map(LineOutcome::in_full).collect(),
            corrects: None,
        };
        // The floor writes a row as big as the POD's JSON, in its own durable transaction.
        let payload = serde_json::to_string(&pod).unwrap();
        payload_bytes = payload.len();

        let t = Instant::now();
        let tx = raw.unchecked_transaction().unwrap();
        tx.execute(
            "INSERT INTO events (id, payload) VALUES (?1, ?2)",
            params![clock.new_id().to_string(), payload],
        )
        .unwrap();
        tx.commit().unwrap();
        let raw_elapsed = t.elapsed();

        let t = Instant::now();
        store.pods().record(pod).expect("POD records");
        let pod_elapsed = t.elapsed();

        if i >= WARMUP {
            raw_times.push(raw_elapsed);
            pod_times.push(pod_elapsed);
        }
    }
    store.check_integrity().expect("store intact");

    let (raw50, raw99) = (pct(&mut raw_times, 50.0), pct(&mut raw_times, 99.0));
    let (pod50, pod99) = (pct(&mut pod_times, 50.0), pct(&mut pod_times, 99.0));
    println!("P1 record one proof of delivery, durable (WAL, synchronous=FULL), {SAMPLES} samples, payload {payload_bytes} B");
    println!(
        "  floor: raw rusqlite insert+commit   p50 {:>8.3} ms   p99 {:>8.3} ms",
        ms(raw50),
        ms(raw99)
    );
    println!(
        "  doorstep: pods().record             p50 {:>8.3} ms   p99 {:>8.3} ms",
        ms(pod50),
        ms(pod99)
    );
    let ratio = ms(pod50) / ms(raw50);
    println!(
        "  ratio p50 {:.2}x   ratio p99 {:.2}x   (target <= 1.5x: {}; p99 <= 10 ms: {})",
        ratio,
        ms(pod99) / ms(raw99),
        if ratio <= 1.5 { "met" } else { "NOT met" },
        if ms(pod99) <= 10.0 { "met" } else { "NOT met" }
    );
    let mut missed = vec![];
    if ratio > 1.5 {
        missed.push(format!("p50 {ratio:.2}x the raw insert > 1.5x"));
    }
    if ms(pod99) > 10.0 {
        missed.push(format!("p99 {:.3} ms > 10 ms", ms(pod99)));
    }
    if missed.is_empty() {
        std::process::ExitCode::SUCCESS
    } else {
        eprintln!("P1 missed its target: {}", missed.join("; "));
        std::process::ExitCode::FAILURE
    }
}

fn pct(v: &mut [Duration], p: f64) -> Duration {
    v.sort_unstable();
    let idx = ((p / 100.0) * (v.len() - 1) as f64).round() as usize;
    v[idx]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
