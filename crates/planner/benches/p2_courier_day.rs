//! P2 (DESIGN.md §7): sync a courier's day over a shaped link, against the link's own limit.
//!
//! A real planner (SQLite, in-process) behind a loopback proxy that shapes the link like a
//! weak mobile connection: 2 Mbit/s each way, 150 ms round trip. A phone running the real
//! device engine records a day offline — one POD per stop with a signature and two distinct
//! photos of ~300 KB through the real photo pipeline — then syncs it in one go. Printed:
//! bytes on the wire (TCP payload both ways, counted by the proxy) against the payload (photo
//! bytes + the gzip-compressed metadata), and the sync's wall time against the link's limit
//! (payload ÷ bandwidth + 3 RTT).
//!
//! `cargo bench -p doorstep-planner --bench p2_courier_day -- [--stops N]` (default 20 stops,
//! 40 photos, about a minute; DESIGN's day is `--stops 150`, about seven minutes).

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use doorstep_domain::{Clock, LineOutcome, NewPod, Signature, SignaturePoint, SystemClock};
use doorstep_field::sync::{enroll, HttpTransport, SyncEngine};
use doorstep_field::Store;
use doorstep_planner::api::{router, AppState};
use doorstep_planner::demo::seed;
use doorstep_planner::storage::{SqliteStorage, Storage};

const BANDWIDTH_BITS: f64 = 2_000_000.0;
const RTT: Duration = Duration::from_millis(150);

/// One direction of the link: a shared pacing clock, a byte counter.
struct Direction {
    free_at: Mutex<Instant>,
    bytes: AtomicU64,
}

impl Direction {
    fn new() -> Arc<Direction> {
        Arc::new(Direction {
            free_at: Mutex::new(Instant::now()),
            bytes: AtomicU64::new(0),
        })
    }
}

/// Copies `src` to `dst` as the link would: each chunk leaves when the link is free (paced at
/// the bandwidth), and arrives half a round trip later.
fn pipe(mut src: TcpStream, mut dst: TcpStream, dir: Arc<Direction>) {
    let (tx, rx) = mpsc::channel::<(Instant, Vec<u8>)>();
    let writer = thread::spawn(move || {
        for (at, chunk) in rx {
            let now = Instant::now();
            if at > now {
                thread::sleep(at - now);
            }
            if dst.write_all(&chunk).is_err() {
                break;
            }
        }
        let _ = dst.shutdown(Shutdown::Write);
    });
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match src.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        dir.bytes.fetch_add(n as u64, Ordering::Relaxed);
        let sent_at = {
            let mut free = dir.free_at.lock().unwrap();
            let start = (*free).max(Instant::now());
            *free = start + Duration::from_secs_f64(n as f64 * 8.0 / BANDWIDTH_BITS);
            *free
        };
        // Back-pressure: do not read faster than the link drains.
        let now = Instant::now();
        if sent_at > now {
            thread::sleep(sent_at - now);
        }
        if tx.send((sent_at + RTT / 2, buf[..n].to_vec())).is_err() {
            break;
        }
    }
    drop(tx);
    let _ = writer.join();
}

fn shaped_link(target: SocketAddr, up: Arc<Direction>, down: Arc<Direction>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(server) = TcpStream::connect(target) else {
                continue;
            };
            let _ = client.set_nodelay(true);
            let _ = server.set_nodelay(true);
            let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            let (up, down) = (up.clone(), down.clone());
            thread::spawn(move || pipe(client, server, up));
            thread::spawn(move || pipe(s2, c2, down));
        }
    });
    url
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

/// Distinct phone-sized photos: one real photo, each copy with its own mark, as JPEG.
fn photos(n: usize) -> Vec<Vec<u8>> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/photos/Landscape_1.jpg");
    let base = image::open(path).unwrap().to_rgb8();
    (0..n)
        .map(|i| {
            let mut img = base.clone();
            for x in 0..64u32 {
                for y in 0..8u32 {
                    let p = img.get_pixel_mut(x + (i as u32 % 20) * 64, y + 8 * (i as u32 / 20));
                    p.0 = [(i * 37 % 256) as u8, (x * 4) as u8, 255 - (i % 256) as u8];
                }
            }
            let mut out = std::io::Cursor::new(vec![]);
            img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
            out.into_inner()
        })
        .collect()
}

fn signature(seed: usize) -> Signature {
    Signature {
        width: 320,
        height: 160,
        strokes: (0..3)
            .map(|s| {
                (0..40)
                    .map(|k| SignaturePoint {
                        x: (10 + k * 7) as f64,
                        y: (80.0 + ((k + s + seed) as f64 * 0.7).sin() * 50.0),
                        t: (k * 16) as f64,
                    })
                    .collect()
            })
            .collect(),
    }
}

fn gzip_len(bytes: &[u8]) -> u64 {
    let mut enc = flate2::write::GzEncoder::new(vec![], flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap().len() as u64
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let stops: usize = args
        .iter()
        .position(|a| a == "--stops")
        .and_then(|i| args.get(i + 1))
        .map_or(20, |s| s.parse().expect("--stops N"));

    let dir = tempfile::tempdir().unwrap();
    let storage: Arc<dyn Storage> =
        Arc::new(SqliteStorage::open(&dir.path().join("planner.db")).unwrap());
    let clock = SystemClock;
    let demo = seed(&*storage, &clock).unwrap();
    let sam = demo.users.iter().find(|u| u.name == "Sam Courier").unwrap();
    let mut day = doorstep_domain::demo::synthetic_route(clock.today(), stops, &clock);
    day.courier_name = sam.name.clone();
    storage
        .save_route(demo.tenant_id, &day, Some(sam.user_id))
        .unwrap();
    let planner = start_planner(storage.clone());

    let (up, down) = (Direction::new(), Direction::new());
    let url = shaped_link(planner, up.clone(), down.clone());
    let phone_dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(phone_dir.path(), Arc::new(SystemClock)).unwrap();
    let transport = HttpTransport::new(&url).unwrap();
    enroll(&mut store, &transport, &url, &sam.enrolment_code).unwrap();
    let engine = SyncEngine::default();
    engine.sync_once(&mut store, &transport).unwrap();

    eprintln!("recording {stops} PODs with {} photos offline…", stops * 2);
    let mut photo_bytes = 0u64;
    let sources = photos(stops * 2);
    let route = store.routes().view(day.id).unwrap();
    assert_eq!(
        route.stops.len(),
        stops,
        "the day's route reached the phone"
    );
    for (i, stop) in route.stops.iter().enumerate() {
        let detail = store.stops().detail(stop.id).unwrap();
        let mut hashes = vec![];
        for src in &sources[i * 2..i * 2 + 2] {
            let saved = store.photos().import(src).unwrap();
            photo_bytes += saved.bytes;
            hashes.push(saved.sha256);
        }
        store
            .pods()
            .record(NewPod {
                stop_id: stop.id,
                recipient_name: format!("Recipient {}", i + 1),
                signature: Some(signature(i)),
                photos: hashes,
                gps: None,
                lines: detail.lines.iter().map(LineOutcome::in_full).collect(),
                corrects: None,
            })
            .unwrap();
    }
    let metadata: Vec<u8> = store
        .outbox()
        .entries()
        .unwrap()
        .iter()
        .flat_map(|e| serde_json::to_vec(&e.op).unwrap())
        .collect();
    let metadata_gz = gzip_len(&metadata);
    let payload = photo_bytes + metadata_gz;

    let (up0, down0) = (
        up.bytes.load(Ordering::Relaxed),
        down.bytes.load(Ordering::Relaxed),
    );
    let started = Instant::now();
    let report = engine.sync_once(&mut store, &transport).unwrap();
    let took = started.elapsed().as_secs_f64();
    assert_eq!(report.waiting_ops, 0);
    assert!(report.photo_problems.is_empty(), "{report:?}");
    let wire = up.bytes.load(Ordering::Relaxed) - up0 + down.bytes.load(Ordering::Relaxed) - down0;

    let transfer = payload as f64 * 8.0 / BANDWIDTH_BITS;
    let limit = transfer + 3.0 * RTT.as_secs_f64();
    println!(
        "P2 courier's day: {stops} PODs, {} photos ({:.1} MB), metadata {} B → {} B gzip; link 2 Mbit/s, RTT 150 ms",
        stops * 2,
        photo_bytes as f64 / 1e6,
        metadata.len(),
        metadata_gz
    );
    let bytes_ratio = wire as f64 / payload as f64;
    let bytes_met = bytes_ratio <= 1.05;
    let time_met = took <= 1.2 * transfer + 3.0 * RTT.as_secs_f64();
    println!(
        "P2 bytes on the wire: {wire} vs payload {payload} = {bytes_ratio:.3}× (target ≤ 1.05×: {})",
        if bytes_met { "met" } else { "NOT met" }
    );
    println!(
        "P2 sync time: {took:.1} s vs link limit {limit:.1} s (payload ÷ bandwidth {transfer:.1} s + 3 RTT) = {:.3}× of payload ÷ bandwidth; target ≤ 1.2× + 3 RTT: {}",
        took / transfer,
        if time_met { "met" } else { "NOT met" }
    );
    let mut missed = vec![];
    if !bytes_met {
        missed.push(format!("{bytes_ratio:.3}× the payload on the wire > 1.05×"));
    }
    if !time_met {
        missed.push(format!("{took:.1} s > 1.2 × {transfer:.1} s + 3 RTT"));
    }
    if missed.is_empty() {
        std::process::ExitCode::SUCCESS
    } else {
        eprintln!("P2 missed its target: {}", missed.join("; "));
        std::process::ExitCode::FAILURE
    }
}
