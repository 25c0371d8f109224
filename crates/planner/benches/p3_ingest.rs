//! P3 (DESIGN.md §7): planner ingest with 1,000 devices pushing at once into PostgreSQL,
//! against the floor for a durable acknowledgement per push; then pull latency.
//!
//! The devices call the planner's storage directly (the sync rules, row locks, change log
//! and all; HTTP is left out so the number is the store's). Each device pushes one batch of
//! `--ops` PODs for stops of its own route. The floor (DESIGN.md §7): the same rows, into a
//! scratch table of the ops table's shape, as plain INSERTs (one prepared statement a row),
//! one commit per push, from the same 1,000 threads over the same 32 connections. Beside it,
//! the ratio to a bulk INSERT (1,000 rows a statement, one commit each). Exits non-zero when
//! ingest is under 50% of the per-push floor or the pull p99 is over 50 ms.
//!
//! `cargo bench -p doorstep-planner --bench p3_ingest -- [--devices N] [--ops K]` (without
//! `--ops`, three runs: 10, 30 and 100 ops per device); the
//! database server is `DOORSTEP_BENCH_POSTGRES` (default postgres://postgres@127.0.0.1:5432/postgres);
//! a fresh database is created and dropped (kept with `P3_KEEP_DATABASE=1`, to look at plans).

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use doorstep_domain::sync::{Op, OpBody, PullRequest, PushRequest};
use doorstep_domain::{sha256_hex, Clock, FakeClock, Pod, PodOutcome};
use doorstep_planner::auth::hash_secret;
use doorstep_planner::storage::{Postgres, Principal, Role, SqlStorage, Storage, User};

fn arg(args: &[String], name: &str, default: usize) -> usize {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map_or(default, |s| s.parse().expect("a number"))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

/// A fixed set of connections shared by the pushing threads, as the planner's pool is.
struct Pool {
    free: std::sync::Mutex<Vec<(postgres::Client, postgres::Statement)>>,
    ready: std::sync::Condvar,
}

impl Pool {
    fn open(url: &str, size: usize, insert: &str) -> Pool {
        let free = (0..size)
            .map(|_| {
                let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
                let stmt = client.prepare(insert).unwrap();
                (client, stmt)
            })
            .collect();
        Pool {
            free: std::sync::Mutex::new(free),
            ready: std::sync::Condvar::new(),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut postgres::Client, &postgres::Statement) -> T) -> T {
        let (mut client, stmt) = {
            let mut free = self.free.lock().unwrap();
            loop {
                if let Some(c) = free.pop() {
                    break c;
                }
                free = self.ready.wait(free).unwrap();
            }
        };
        let out = f(&mut client, &stmt);
        self.free.lock().unwrap().push((client, stmt));
        self.ready.notify_one();
        out
    }
}

/// One op as a row of the floors: device, seq, hash, kind, body.
type OpRow = (uuid::Uuid, i64, String, String, String);

/// The planner's pool size in this bench, and so the floor's.
const CONNECTIONS: usize = 32;

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let devices = arg(&args, "--devices", 1000);
    // How many ops each device pushes: a few minutes offline, an hour, a morning.
    let sizes: Vec<usize> = match arg(&args, "--ops", 0) {
        0 => vec![10, 30, 100],
        k => vec![k],
    };
    let admin = std::env::var("DOORSTEP_BENCH_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let mut missed: Vec<String> = vec![];
    for per_device in sizes {
        let mut salt = [0u8; 6];
        getrandom::fill(&mut salt).unwrap();
        let name = format!("doorstep_bench_{}", hex::encode(salt));
        let mut admin_client = postgres::Client::connect(&admin, postgres::NoTls)
            .unwrap_or_else(|e| panic!("PostgreSQL is not reachable at {admin}: {e}"));
        admin_client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        let url = format!("{}/{name}", admin.rsplit_once('/').unwrap().0);
        let result = std::panic::catch_unwind(|| run(&url, devices, per_device));
        if std::env::var_os("P3_KEEP_DATABASE").is_some() {
            eprintln!("P3_KEEP_DATABASE: the database {name} is kept for a look");
        } else {
            let _ =
                admin_client.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
        match result {
            Ok(misses) => missed.extend(misses),
            Err(e) => std::panic::resume_unwind(e),
        }
    }
    if missed.is_empty() {
        std::process::ExitCode::SUCCESS
    } else {
        eprintln!("P3 missed its target: {}", missed.join("; "));
        std::process::ExitCode::FAILURE
    }
}

/// One run; gives the targets it missed, in words.
fn run(url: &str, devices: usize, per_device: usize) -> Vec<String> {
    let storage: Arc<dyn Storage> = Arc::new(SqlStorage(Postgres::open(url, CONNECTIONS).unwrap()));
    let clock = FakeClock::at(Utc.with_ymd_and_hms(2026, 11, 25, 6, 0, 0).unwrap());
    let tenant = clock.new_id();
    storage.create_tenant(tenant, "Bench").unwrap();
    eprintln!("seeding {devices} couriers, routes and devices…");
    let mut phones: Vec<(Principal, Vec<uuid::Uuid>)> = Vec::with_capacity(devices);
    for i in 0..devices {
        let user = User {
            id: clock.new_id(),
            name: format!("Courier {i}"),
            role: Role::Courier,
        };
        storage.create_user(tenant, &user).unwrap();
        let mut route = doorstep_domain::demo::synthetic_route(clock.today(), per_device, &clock);
        route.courier_name = user.name.clone();
        storage.save_route(tenant, &route, Some(user.id)).unwrap();
        let code = format!("code-{i}");
        storage
            .add_enrolment_code(
                tenant,
                user.id,
                &hash_secret(&code),
                clock.now() + chrono::Duration::days(1),
            )
            .unwrap();
        let (who, _) = storage
            .enroll(
                &hash_secret(&code),
                clock.new_id(),
                None,
                &hash_secret(&format!("token-{i}")),
                clock.now(),
            )
            .unwrap();
        phones.push((who, route.stops.iter().map(|s| s.id).collect()));
    }
    let pushes: Vec<(Principal, PushRequest)> = phones
        .iter()
        .map(|(who, stops)| {
            let device_id = who.device_id.unwrap();
            let ops = stops
                .iter()
                .enumerate()
                .map(|(k, stop_id)| {
                    let body = OpBody::PodRecorded {
                        pod: Pod {
                            id: clock.new_id(),
                            stop_id: *stop_id,
                            recipient_name: format!("Recipient {k}"),
                            signature: None,
                            photos: vec![],
                            gps: None,
                            lines: vec![],
                            outcome: PodOutcome::Delivered,
                            corrects: None,
                            captured_at: clock.now(),
                        },
                    };
                    Op {
                        device_id,
                        epoch: 1,
                        seq: k as u64 + 1,
                        sha256: sha256_hex(&serde_json::to_vec(&body).unwrap()),
                        body,
                    }
                })
                .collect();
            (
                who.clone(),
                PushRequest {
                    device_id,
                    epoch: 1,
                    ops,
                },
            )
        })
        .collect();
    let total_ops = devices * per_device;
    postgres::Client::connect(url, postgres::NoTls)
        .unwrap()
        .batch_execute("ANALYZE")
        .unwrap();

    // The scratch tables of the floors, made before anything is timed.
    let mut raw = postgres::Client::connect(url, postgres::NoTls).unwrap();
    raw.batch_execute(
        "CREATE TABLE push_ops (LIKE ops INCLUDING ALL); CREATE TABLE raw_ops (LIKE ops INCLUDING ALL)",
    )
    .unwrap();
    let rows_of = |req: &PushRequest| -> Vec<OpRow> {
        req.ops
            .iter()
            .map(|op| {
                (
                    op.device_id,
                    op.seq as i64,
                    op.sha256.clone(),
                    op.body.kind().to_owned(),
                    serde_json::to_string(&op.body).unwrap(),
                )
            })
            .collect()
    };
    let per_push: Vec<Vec<OpRow>> = pushes.iter().map(|(_, req)| rows_of(req)).collect();
    let pool = Pool::open(
        url,
        CONNECTIONS,
        "INSERT INTO push_ops (tenant_id, device_id, epoch, seq, sha256, kind, body, received_at)
         VALUES ($1, $2, 1, $3, $4, $5, $6, now())",
    );

    // The floor for a durable ack per push: each device's rows as plain INSERTs, one commit
    // per push, all devices at once over the same number of connections.
    let started = Instant::now();
    std::thread::scope(|s| {
        for rows in &per_push {
            let pool = &pool;
            s.spawn(move || {
                pool.with(|client, insert| {
                    let mut tx = client.transaction().unwrap();
                    for (device, seq, sha, kind, body) in rows {
                        tx.execute(insert, &[&tenant, device, seq, sha, kind, body])
                            .unwrap();
                    }
                    tx.commit().unwrap();
                })
            });
        }
    });
    let push_floor = started.elapsed().as_secs_f64();
    drop(pool);

    // Ingest: every device pushes at once.
    let now = clock.now();
    let started = Instant::now();
    std::thread::scope(|s| {
        for (who, req) in &pushes {
            let storage = storage.clone();
            s.spawn(move || {
                let answer = storage.push(who, req, now).unwrap();
                assert_eq!(answer.acked_seq, req.ops.len() as u64);
                assert!(answer.rejections.is_empty());
            });
        }
    });
    let ingest = started.elapsed().as_secs_f64();

    // Beside it, the bulk floor: the same rows, 1,000 a statement, one commit each.
    let rows: Vec<OpRow> = per_push.into_iter().flatten().collect();
    let started = Instant::now();
    for batch in rows.chunks(1000) {
        let mut sql = String::from(
            "INSERT INTO raw_ops (tenant_id, device_id, epoch, seq, sha256, kind, body, received_at) VALUES ",
        );
        let mut params: Vec<Box<dyn postgres::types::ToSql + Sync>> = vec![];
        for (i, (device, seq, sha, kind, body)) in batch.iter().enumerate() {
            let b = i * 6;
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "(${}, ${}, 1, ${}, ${}, ${}, ${}, now())",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6
            ));
            params.push(Box::new(tenant));
            params.push(Box::new(*device));
            params.push(Box::new(*seq));
            params.push(Box::new(sha.clone()));
            params.push(Box::new(kind.clone()));
            params.push(Box::new(body.clone()));
        }
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
            params.iter().map(|p| p.as_ref()).collect();
        let mut tx = raw.transaction().unwrap();
        tx.execute(sql.as_str(), &refs).unwrap();
        tx.commit().unwrap();
    }
    let floor = started.elapsed().as_secs_f64();

    // Pull: every device asks for its scope from 0, eight at a time, on fresh statistics (as
    // autovacuum would have them on a planner that has been running).
    raw.batch_execute("ANALYZE").unwrap();
    let latencies = std::sync::Mutex::new(Vec::with_capacity(devices));
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some((who, _)) = phones.get(i) else { break };
                let t = Instant::now();
                let answer = storage
                    .pull(
                        who,
                        &PullRequest {
                            device_id: who.device_id.unwrap(),
                            epoch: 1,
                            cursor: 0,
                        },
                    )
                    .unwrap();
                let took = t.elapsed();
                assert_eq!(answer.routes.len(), 1);
                assert_eq!(answer.acked_seq, per_device as u64);
                latencies.lock().unwrap().push(took);
            });
        }
    });
    let mut lat = latencies.into_inner().unwrap();
    lat.sort();
    // The same pulls one at a time: what a pull costs without company, so the note can say
    // how much of the p99 is waiting for the others.
    let mut alone: Vec<Duration> = phones
        .iter()
        .take(200)
        .map(|(who, _)| {
            let t = Instant::now();
            storage
                .pull(
                    who,
                    &PullRequest {
                        device_id: who.device_id.unwrap(),
                        epoch: 1,
                        cursor: 0,
                    },
                )
                .unwrap();
            t.elapsed()
        })
        .collect();
    alone.sort();

    let ingest_rate = total_ops as f64 / ingest;
    let push_rate = total_ops as f64 / push_floor;
    let floor_rate = total_ops as f64 / floor;
    let ratio = 100.0 * ingest_rate / push_rate;
    let p99 = percentile(&lat, 0.99).as_secs_f64() * 1e3;
    println!(
        "P3 ingest: {devices} devices × {per_device} ops pushed at once = {total_ops} ops in {ingest:.2} s = {ingest_rate:.0} ops/s"
    );
    println!(
        "P3 floor: plain INSERTs, one commit per push, {devices} pushes at once over {CONNECTIONS} connections: {total_ops} rows in {push_floor:.2} s = {push_rate:.0} rows/s"
    );
    println!(
        "P3 ratio: {ratio:.1}% of the per-push floor (target ≥ 50%: {})",
        if ratio >= 50.0 { "met" } else { "NOT met" }
    );
    println!(
        "P3 beside it: bulk INSERT of {total_ops} rows (1,000 per statement) in {floor:.2} s = {floor_rate:.0} rows/s; ingest is {:.1}% of it",
        100.0 * ingest_rate / floor_rate
    );
    println!(
        "P3 pull (a route of {per_device} stops with its events), 8 at a time: p50 {:.1} ms, p99 {p99:.1} ms (target p99 ≤ 50 ms: {})",
        percentile(&lat, 0.50).as_secs_f64() * 1e3,
        if p99 <= 50.0 { "met" } else { "NOT met" }
    );
    println!(
        "P3 pull one at a time (200 devices): p50 {:.1} ms, p99 {:.1} ms",
        percentile(&alone, 0.50).as_secs_f64() * 1e3,
        percentile(&alone, 0.99).as_secs_f64() * 1e3
    );
    let mut missed = vec![];
    if ratio < 50.0 {
        missed.push(format!(
            "{per_device} ops a push: ingest {ratio:.1}% of the per-push floor < 50%"
        ));
    }
    if p99 > 50.0 {
        missed.push(format!(
            "{per_device}-stop routes: pull p99 {p99:.1} ms > 50 ms"
        ));
    }
    missed
}
