//! Real processes, really killed (DESIGN.md §8, R2): `doorstep-field` gets SIGKILL while it
//! records and syncs with a planner, and `doorstep-planner` gets SIGKILL (and is started again
//! on the same port and database) while a device pushes and uploads photos, on SQLite and on
//! PostgreSQL. Afterwards every record a device confirmed is on the planner exactly once, every
//! photo hashes to its name, and the databases pass their integrity checks.
//!
//! `DOORSTEP_KILLS` sets how many times the device is killed (default 60; `make crash` runs
//! 200), `DOORSTEP_PLANNER_KILLS` how many times each planner is (default 20), and
//! `DOORSTEP_KILL_SEED` the seed of the moments chosen (each test prints the one it used).

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Cursor};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use doorstep_domain::{
    demo, sha256_hex, Clock, LineOutcome, NewPod, Signature, SignaturePoint, SystemClock,
};
use doorstep_field::sync::{
    enroll, HttpTransport, Method, Request, Response, SplitMix64, SyncEngine, Transport,
    TransportError,
};
use doorstep_field::Store;
use doorstep_planner::auth::{enrolment_code, hash_secret, OsEntropy};
use doorstep_planner::storage::{Role, Storage, User};
use uuid::Uuid;

use crate::{Backing, TestDb, TestServer};

const COURIER: &str = "Kim Courier";

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v} is not a whole number")),
        Err(_) => default,
    }
}

fn seed() -> u64 {
    env_number("DOORSTEP_KILL_SEED", 0x5eed_d00d)
}

/// A uniformly drawn number of milliseconds in `lo..hi`.
fn millis(rng: &mut SplitMix64, lo: u64, hi: u64) -> Duration {
    Duration::from_millis(lo + rng.next_u64() % (hi - lo))
}

/// Adds a courier to `tenant` with today's route of `stops` stops; returns the courier's
/// one-time enrolment code and the route's id. "Today" is the machine's: the route is for a
/// spawned doorstep-field or a spawned planner, which read the machine's clock.
fn courier_with_route(storage: &dyn Storage, tenant: Uuid, stops: usize) -> (String, Uuid) {
    let clock = SystemClock;
    let courier = User {
        id: clock.new_id(),
        name: COURIER.into(),
        role: Role::Courier,
    };
    storage.create_user(tenant, &courier).unwrap();
    let mut route = demo::synthetic_route(clock.today(), stops, &clock);
    route.courier_name = COURIER.into();
    storage
        .save_route(tenant, &route, Some(courier.id))
        .unwrap();
    let code = enrolment_code(&OsEntropy).unwrap();
    storage
        .add_enrolment_code(
            tenant,
            courier.id,
            &hash_secret(&code),
            clock.now() + chrono::Duration::days(1),
        )
        .unwrap();
    (code, route.id)
}

/// A picture no other call returns (random pixels, so its JPEG is not tiny either), as PNG.
fn unique_photo(rng: &mut SplitMix64, width: u32, height: u32) -> Vec<u8> {
    let mut pixels = vec![0u8; (width * height * 3) as usize];
    for chunk in pixels.chunks_mut(8) {
        chunk.copy_from_slice(&rng.next_u64().to_le_bytes()[..chunk.len()]);
    }
    let img = image::RgbImage::from_raw(width, height, pixels).unwrap();
    let mut png = Vec::new();
    img.write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    png
}

fn signature() -> Signature {
    Signature {
        width: 320,
        height: 160,
        strokes: vec![(0..12)
            .map(|i| SignaturePoint {
                x: 20.0 + i as f64 * 20.0,
                y: 80.0 + (i % 3) as f64 * 10.0,
                t: i as f64 * 16.0,
            })
            .collect()],
    }
}

/// The planner's own tables, read as an auditor would (not through the code under test), on
/// either store.
enum Audit {
    Sqlite(rusqlite::Connection),
    Postgres(::postgres::Client),
}

impl Audit {
    fn open(url: &str) -> Audit {
        match url.strip_prefix("sqlite://") {
            Some(path) => Audit::Sqlite(
                rusqlite::Connection::open_with_flags(
                    path,
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
                )
                .unwrap(),
            ),
            None => Audit::Postgres(::postgres::Client::connect(url, ::postgres::NoTls).unwrap()),
        }
    }

    /// Every row of `sql`, each column (which the query casts to text) as text or NULL.
    fn rows(&mut self, sql: &str) -> Vec<Vec<Option<String>>> {
        match self {
            Audit::Sqlite(c) => {
                let mut stmt = c.prepare(sql).unwrap();
                let n = stmt.column_count();
                stmt.query_map([], |r| (0..n).map(|i| r.get(i)).collect())
                    .unwrap()
                    .map(Result::unwrap)
                    .collect()
            }
            Audit::Postgres(c) => c
                .query(sql, &[])
                .unwrap()
                .iter()
                .map(|r| (0..r.len()).map(|i| r.get(i)).collect())
                .collect(),
        }
    }

    fn count(&mut self, sql: &str) -> u64 {
        self.rows(sql)[0][0].as_deref().unwrap().parse().unwrap()
    }

    /// The ops the planner stored for `device`: (epoch, seq, id of the POD it records).
    fn ops(&mut self, device: Uuid) -> Vec<(u64, u64, String)> {
        let mut ops: Vec<_> = self
            .rows(&format!(
                "SELECT CAST(epoch AS TEXT), CAST(seq AS TEXT), kind, CAST(event_id AS TEXT), body
                 FROM ops WHERE CAST(device_id AS TEXT) = '{device}'"
            ))
            .into_iter()
            .map(|r| {
                let epoch = r[0].as_deref().unwrap().parse().unwrap();
                let seq = r[1].as_deref().unwrap().parse().unwrap();
                assert_eq!(
                    r[2].as_deref(),
                    Some("pod_recorded"),
                    "op {seq}: the device only records PODs"
                );
                // An op whose event was stored names it; a duplicate of an event keeps its body.
                let pod = match (&r[3], &r[4]) {
                    (Some(event), _) => event.clone(),
                    (None, Some(body)) => {
                        let body: serde_json::Value = serde_json::from_str(body).unwrap();
                        body["pod"]["id"].as_str().unwrap().to_owned()
                    }
                    (None, None) => panic!("op {seq} names no event and has no body"),
                };
                (epoch, seq, pod)
            })
            .collect();
        ops.sort();
        ops
    }

    /// The highest seq the planner holds for `device` in `epoch` (what it acknowledges).
    fn acked(&mut self, device: Uuid, epoch: u64) -> u64 {
        self.count(&format!(
            "SELECT CAST(COALESCE(MAX(seq), 0) AS TEXT) FROM ops
             WHERE CAST(device_id AS TEXT) = '{device}' AND epoch = {epoch}"
        ))
    }

    /// Every whole photo the planner keeps, with its bytes.
    fn blobs(&mut self) -> Vec<(String, Vec<u8>)> {
        let sql = "SELECT sha256, data FROM blobs";
        match self {
            Audit::Sqlite(c) => {
                let mut stmt = c.prepare(sql).unwrap();
                stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                    .unwrap()
                    .map(Result::unwrap)
                    .collect()
            }
            Audit::Postgres(c) => c
                .query(sql, &[])
                .unwrap()
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect(),
        }
    }
}

/// What a device's data folder holds, read straight from its SQLite file.
struct DeviceFile {
    device_id: Uuid,
    epoch: u64,
    last_seq: u64,
    acked_seq: u64,
    outbox_min: Option<u64>,
    pods: HashMap<String, String>, // POD id → stop id
}

impl DeviceFile {
    fn read(dir: &Path) -> DeviceFile {
        let conn = rusqlite::Connection::open_with_flags(
            dir.join(doorstep_field::store::DB_FILE),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .unwrap();
        let (device_id, epoch, last_seq, acked_seq) = conn
            .query_row(
                "SELECT device_id, epoch, last_seq, acked_seq FROM device WHERE id = 1",
                [],
                |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        let outbox_min = conn
            .query_row("SELECT MIN(seq) FROM outbox", [], |r| r.get(0))
            .unwrap();
        let mut stmt = conn.prepare("SELECT id, stop_id FROM pods").unwrap();
        let pods = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        DeviceFile {
            device_id: device_id.parse().unwrap(),
            epoch,
            last_seq,
            acked_seq,
            outbox_min,
            pods,
        }
    }

    /// Every photo a row of the device names is a whole file that hashes to its name (a
    /// photo is written, fsynced and renamed into place before its row commits).
    fn assert_photos_whole(dir: &Path, when: &str) {
        let conn = rusqlite::Connection::open_with_flags(
            dir.join(doorstep_field::store::DB_FILE),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .unwrap();
        let mut stmt = conn.prepare("SELECT sha256, bytes FROM photos").unwrap();
        let rows: Vec<(String, u64)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for (sha, len) in rows {
            let path =
                doorstep_field::photos::path_for(&dir.join(doorstep_field::store::PHOTO_DIR), &sha);
            let bytes = std::fs::read(&path)
                .unwrap_or_else(|e| panic!("{when}: photo {sha} has a row but no file: {e}"));
            assert_eq!(bytes.len() as u64, len, "{when}: photo {sha} is whole");
            assert_eq!(
                sha256_hex(&bytes),
                sha,
                "{when}: photo {sha} hashes to its name"
            );
        }
    }

    /// Between the planner's stored ops and the device's outbox nothing is missing: the
    /// planner holds 1..=acked, the device everything after what it trimmed.
    fn assert_nothing_between(&self, planner_acked: u64, when: &str) {
        assert!(
            planner_acked >= self.acked_seq,
            "{when}: the device trimmed up to {} but the planner holds only up to {planner_acked}",
            self.acked_seq
        );
        assert!(
            planner_acked <= self.last_seq,
            "{when}: the planner holds seq {planner_acked}, the device handed out only {}",
            self.last_seq
        );
        if let Some(min) = self.outbox_min {
            assert!(
                min <= planner_acked + 1,
                "{when}: ops {} to {} are neither on the planner nor in the outbox",
                planner_acked + 1,
                min - 1
            );
        }
    }
}

/// The healed state, whoever was killed: the planner holds each of the device's ops once,
/// contiguous from 1, each recording one POD of the device (all the confirmed ones among them)
/// as a complete event; every photo hashes to its name and matches the device's file; no
/// rejection, no half-uploaded photo left over.
fn assert_planner_holds_each_pod_once(
    audit: &mut Audit,
    storage: &dyn Storage,
    tenant: Uuid,
    route: Uuid,
    device_dir: &Path,
    confirmed: &HashMap<String, String>,
) {
    let device = DeviceFile::read(device_dir);
    assert_eq!(device.epoch, 1, "nothing made the device start a new epoch");
    assert_eq!(
        device.acked_seq, device.last_seq,
        "the device's outbox is empty"
    );
    let ops = audit.ops(device.device_id);
    let seqs: Vec<u64> = ops.iter().map(|(_, seq, _)| *seq).collect();
    assert_eq!(
        seqs,
        (1..=device.last_seq).collect::<Vec<_>>(),
        "the planner holds every op the device handed out, once, under epoch 1"
    );
    assert!(ops.iter().all(|(epoch, _, _)| *epoch == 1));
    let mut per_pod: HashMap<&str, usize> = HashMap::new();
    for (_, _, pod) in &ops {
        *per_pod.entry(pod).or_default() += 1;
    }
    let doubled: Vec<_> = per_pod.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        doubled.is_empty(),
        "PODs stored more than once: {doubled:?}"
    );
    let on_device: HashSet<&str> = device.pods.keys().map(String::as_str).collect();
    let on_planner: HashSet<&str> = per_pod.keys().copied().collect();
    assert_eq!(
        on_planner, on_device,
        "the planner's ops record exactly the device's PODs"
    );
    let lost: Vec<_> = confirmed
        .keys()
        .filter(|p| !on_planner.contains(p.as_str()))
        .collect();
    assert!(
        lost.is_empty(),
        "confirmed PODs missing on the planner: {lost:?}"
    );
    assert_eq!(
        audit.count(&format!(
            "SELECT CAST(COUNT(*) AS TEXT) FROM rejections WHERE CAST(device_id AS TEXT) = '{}'",
            device.device_id
        )),
        0,
        "no op was refused"
    );

    let report = storage.route_report(tenant, route).unwrap();
    let mut events: HashMap<String, &doorstep_planner::storage::EventReport> = HashMap::new();
    for e in &report.events {
        assert!(
            events.insert(e.id.to_string(), e).is_none(),
            "event {} listed twice",
            e.id
        );
    }
    assert_eq!(events.len(), ops.len(), "one event per op");
    let mut per_stop: HashMap<Uuid, usize> = HashMap::new();
    for e in events.values() {
        *per_stop.entry(e.stop_id).or_default() += 1;
    }
    let twice: Vec<_> = per_stop.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        twice.is_empty(),
        "stops delivered more than once: {twice:?}"
    );
    for (pod, stop) in confirmed {
        let event = events
            .get(pod)
            .unwrap_or_else(|| panic!("confirmed POD {pod} is not on the route"));
        assert_eq!(event.kind, "pod");
        assert_eq!(event.stop_id.to_string(), *stop, "POD {pod} is on its stop");
    }
    let mut photos = 0;
    for e in events.values() {
        assert!(e.complete, "event {} still waits for a photo", e.id);
        for p in &e.photos {
            let bytes = storage
                .blob(tenant, &p.sha256)
                .unwrap()
                .expect("photo kept");
            assert_eq!(sha256_hex(&bytes), p.sha256, "photo of event {}", e.id);
            let mine = std::fs::read(doorstep_field::photos::path_for(
                &device_dir.join(doorstep_field::store::PHOTO_DIR),
                &p.sha256,
            ))
            .unwrap();
            assert!(
                mine == bytes,
                "the planner's copy of {} is the device's",
                p.sha256
            );
            photos += 1;
        }
    }
    for (sha, data) in audit.blobs() {
        assert_eq!(
            sha256_hex(&data),
            sha,
            "every photo kept hashes to its name"
        );
    }
    assert_eq!(
        audit.count("SELECT CAST(COUNT(*) AS TEXT) FROM blob_chunks"),
        0,
        "no half-uploaded photo is left once all arrived"
    );
    assert!(photos > 0, "the device sent photos");
}

// ---------------------------------------------------------------------------------------------
// The device is killed.

/// The `doorstep-field` binary beside this crate's `doorstep-planner`. `cargo test --workspace`
/// builds it there; a narrower `cargo test` may not have, or may have left an older one, so it is
/// built (once per run) whenever it is missing or older than the device engine's sources.
fn field_binary() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let planner = Path::new(env!("CARGO_BIN_EXE_doorstep-planner"));
        let field =
            planner.with_file_name(format!("doorstep-field{}", std::env::consts::EXE_SUFFIX));
        let built_at = std::fs::metadata(&field).and_then(|m| m.modified()).ok();
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let sources = newest_change(&[root.join("crates/field"), root.join("crates/domain")]);
        if built_at.is_none_or(|b| b < sources) {
            let mut cargo = Command::new(env!("CARGO"));
            cargo
                .args(["build", "-p", "doorstep-field", "--bin", "doorstep-field"])
                .current_dir(&root);
            // Without what cargo told this test about itself: build scripts that watch those
            // variables (ring watches CARGO_MANIFEST_DIR) would otherwise be rebuilt, here and
            // again by the next ordinary build.
            for (name, _) in std::env::vars_os() {
                let name = name.to_string_lossy();
                let per_unit = [
                    "CARGO_MANIFEST_",
                    "CARGO_PKG_",
                    "CARGO_CRATE_",
                    "CARGO_BIN_",
                ]
                .iter()
                .any(|p| name.starts_with(p))
                    || ["CARGO_TARGET_TMPDIR", "CARGO_PRIMARY_PACKAGE", "OUT_DIR"]
                        .contains(&name.as_ref());
                if per_unit {
                    cargo.env_remove(name.as_ref());
                }
            }
            let status = cargo.status().unwrap();
            assert!(status.success(), "building doorstep-field failed");
        }
        field
    })
}

/// The newest modification time of the sources under `dirs` (Cargo.toml and src/).
fn newest_change(dirs: &[PathBuf]) -> std::time::SystemTime {
    fn walk(p: &Path, newest: &mut std::time::SystemTime) {
        let Ok(meta) = std::fs::metadata(p) else {
            return;
        };
        if meta.is_dir() {
            for e in std::fs::read_dir(p).unwrap().flatten() {
                walk(&e.path(), newest);
            }
        } else if let Ok(t) = meta.modified() {
            *newest = (*newest).max(t);
        }
    }
    let mut newest = std::time::UNIX_EPOCH;
    for d in dirs {
        walk(&d.join("src"), &mut newest);
        walk(&d.join("migrations"), &mut newest);
        walk(&d.join("Cargo.toml"), &mut newest);
    }
    newest
}

fn field(dir: &Path) -> Command {
    let mut cmd = Command::new(field_binary());
    cmd.arg("--data-dir").arg(dir);
    cmd
}

/// Runs a `doorstep-field` command to its end; its stdout, or a panic with its stderr.
fn field_ok(dir: &Path, args: &[&str]) -> String {
    let out = field(dir).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "doorstep-field {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Kills of one phone before the next courier takes over: each courier's route stays the size
/// of a real (long) day, so a sync round takes what it takes in the field.
const KILLS_PER_PHONE: u64 = 12;

/// A phone running `doorstep-field` in its own data folder, enrolled as a courier of its own.
struct FieldPhone {
    dir: tempfile::TempDir,
    route: Uuid,
    /// POD id → stop id, for every `saved` line the phone printed.
    confirmed: HashMap<String, String>,
}

impl FieldPhone {
    fn enrol(server: &TestServer, stops: usize) -> FieldPhone {
        let (code, route) = courier_with_route(&*server.storage, server.demo.tenant_id, stops);
        let dir = tempfile::tempdir().unwrap();
        field_ok(
            dir.path(),
            &["enroll", "--planner", &server.url, "--code", &code],
        );
        field_ok(dir.path(), &["sync"]);
        FieldPhone {
            dir,
            route,
            confirmed: HashMap::new(),
        }
    }

    /// Syncs until nothing waits, then checks the planner holds each POD once.
    fn heal_and_audit(&self, server: &TestServer, audit: &mut Audit) -> usize {
        let dir = self.dir.path();
        for round in 0.. {
            field_ok(dir, &["sync"]);
            let status: serde_json::Value =
                serde_json::from_str(&field_ok(dir, &["status", "--json"])).unwrap();
            if status["waiting_ops"] == 0 && status["waiting_photo_bytes"] == 0 {
                break;
            }
            assert!(round < 10, "the device does not drain: {status}");
        }
        assert_planner_holds_each_pod_once(
            audit,
            &*server.storage,
            server.demo.tenant_id,
            self.route,
            dir,
            &self.confirmed,
        );
        audit.ops(DeviceFile::read(dir).device_id).len()
    }
}

#[test]
fn sigkill_of_the_device_while_it_records_and_syncs_loses_and_doubles_nothing() {
    let kills = env_number("DOORSTEP_KILLS", 60);
    let seed = seed();
    println!("device kills: {kills}, seed {seed} (DOORSTEP_KILLS, DOORSTEP_KILL_SEED)");
    let started = Instant::now();
    let mut rng = SplitMix64::new(seed);

    // The phone is a spawned doorstep-field, which reads the machine's clock; the planner reads
    // it too, so both agree on "today" whatever the date and time zone.
    let server = TestServer::start_at(Backing::Sqlite, Arc::new(SystemClock));
    let mut audit = Audit::open(&server.db.url);
    let pictures = tempfile::tempdir().unwrap();
    let photo_args: Vec<String> = (0..48)
        .flat_map(|i| {
            let path = pictures.path().join(format!("photo-{i}.png"));
            std::fs::write(&path, unique_photo(&mut rng, 320, 240)).unwrap();
            ["--photo".to_owned(), path.display().to_string()]
        })
        .collect();

    let mut phones: Vec<FieldPhone> = vec![];
    let (mut hit_running, mut hit_sync, mut rounds_synced) = (0, 0, 0);
    for round in 0..kills {
        if round % KILLS_PER_PHONE == 0 {
            // Enough stops that the phone never runs out between kills.
            phones.push(FieldPhone::enrol(
                &server,
                40 * KILLS_PER_PHONE as usize + 100,
            ));
        }
        let phone = phones.last_mut().unwrap();
        let dir = phone.dir.path();
        // The sync wakes after every couple of saves, or seldom (so some kills find only the
        // writer at work).
        let sync_every = ["2", "5", "25"][rng.next_u64() as usize % 3];
        let mut child = field(dir)
            .args(["work", "--photo-every", "3", "--sync-every", sync_every])
            .args(["--chunk-bytes", "16384"])
            .args(&photo_args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel::<String>();
        let reader = thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        // A third of the kills at any moment from the start (opening and recovering the
        // database included), a third once the phone has saved a record, a third once a sync
        // round has begun; whatever the machine's speed.
        let mut output = vec![];
        let wait_for = ["", "saved", "sync started"][round as usize % 3];
        let pause = match wait_for {
            "" => millis(&mut rng, 30, 600),
            "saved" => millis(&mut rng, 0, 300),
            _ => millis(&mut rng, 0, 100),
        };
        if !wait_for.is_empty() {
            while let Ok(line) = lines.recv_timeout(Duration::from_secs(10)) {
                let seen = line.starts_with(wait_for);
                output.push(line);
                if seen {
                    break;
                }
            }
        }
        thread::sleep(pause);
        if child.try_wait().unwrap().is_none() {
            hit_running += 1;
        }
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        reader.join().unwrap();
        output.extend(lines.try_iter());
        let mut syncing = false;
        for line in output {
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["saved", stop, pod] => {
                    let again = phone.confirmed.insert(pod.to_string(), stop.to_string());
                    assert!(again.is_none(), "round {round}: POD {pod} confirmed twice");
                }
                ["sync", "started"] => syncing = true,
                ["sync", "done", ..] => {
                    syncing = false;
                    rounds_synced += 1;
                }
                ["sync", "failed:", ..] => panic!("round {round}: {line}"),
                _ => panic!("round {round}: unexpected output {line:?}"),
            }
        }
        hit_sync += syncing as usize;

        let check = field_ok(dir, &["check"]);
        assert_eq!(check.trim(), "ok", "round {round}: integrity_check");
        let now = DeviceFile::read(dir);
        let lost: Vec<_> = phone
            .confirmed
            .keys()
            .filter(|p| !now.pods.contains_key(*p))
            .collect();
        assert!(
            lost.is_empty(),
            "round {round}: confirmed PODs gone: {lost:?}"
        );
        let acked = audit.acked(now.device_id, now.epoch);
        now.assert_nothing_between(acked, &format!("round {round}"));
        DeviceFile::assert_photos_whole(dir, &format!("round {round}"));
    }

    let confirmed: usize = phones.iter().map(|p| p.confirmed.len()).sum();
    let on_planner: usize = phones
        .iter()
        .map(|p| p.heal_and_audit(&server, &mut audit))
        .sum();
    println!(
        "device kills: {kills} SIGKILLs of doorstep-field on {} phones, {hit_running} hit a \
         running writer, {hit_sync} during a sync round; {confirmed} PODs confirmed, \
         {on_planner} PODs on the planner, each once; {rounds_synced} sync rounds finished \
         between kills; {:.1} s",
        phones.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        hit_running * 10 >= kills * 9,
        "only {hit_running} of {kills} kills hit a running device"
    );
    // A handful of kills (DOORSTEP_KILLS=3) proves nothing about where they land.
    assert!(
        kills < 12 || (hit_sync > 0 && rounds_synced > 0),
        "kills must land during sync rounds too ({hit_sync}), and rounds must finish ({rounds_synced})"
    );
    // Not a speed test: on a loaded machine fewer PODs fit between kills, but some must.
    assert!(
        confirmed as u64 >= kills / 2,
        "the device got real work done between kills ({confirmed} PODs)"
    );
}

// ---------------------------------------------------------------------------------------------
// The planner is killed.

/// A `doorstep-planner serve` process on a fixed port (after the first start) and a database.
struct PlannerProcess {
    db_url: String,
    addr: String,
    child: Option<Child>,
    log: PathBuf,
}

impl PlannerProcess {
    fn start(db_url: &str, log: PathBuf) -> PlannerProcess {
        let mut p = PlannerProcess {
            db_url: db_url.to_owned(),
            addr: "127.0.0.1:0".into(),
            child: None,
            log,
        };
        p.spawn();
        p
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Starts the binary and waits until it listens.
    fn spawn(&mut self) {
        for attempt in 0.. {
            let log = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.log)
                .unwrap();
            let mut child = Command::new(env!("CARGO_BIN_EXE_doorstep-planner"))
                .args(["serve", "--db", &self.db_url, "--addr", &self.addr])
                .env("RUST_LOG", "warn")
                .stdout(Stdio::piped())
                .stderr(log)
                .spawn()
                .unwrap();
            let mut stdout = BufReader::new(child.stdout.take().unwrap());
            let mut line = String::new();
            stdout.read_line(&mut line).unwrap();
            if let Some(url) = line.trim().strip_prefix("listening on http://") {
                self.addr = url.to_owned();
                // Keep reading so the planner never writes into a closed pipe.
                thread::spawn(move || for _ in stdout.lines() {});
                self.child = Some(child);
                return;
            }
            let _ = child.wait();
            // The port may still be held for a moment after a kill.
            assert!(
                attempt < 50,
                "the planner did not start: {}",
                std::fs::read_to_string(&self.log).unwrap_or_default()
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap(); // SIGKILL on Unix
            child.wait().unwrap();
        }
    }
}

impl Drop for PlannerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// What the device was waiting on when the planner died.
const IDLE: u8 = 0;
const PUSH: u8 = 1;
const UPLOAD: u8 = 2;
const OTHER: u8 = 3;

/// The real HTTP transport, noting which request is on the wire, and how many of each kind
/// went out and for how long.
struct Watched {
    inner: HttpTransport,
    on_the_wire: Arc<AtomicU8>,
    sent: std::sync::Mutex<[(u32, Duration); 4]>,
}

impl Transport for Watched {
    fn send(&self, req: &Request) -> Result<Response, TransportError> {
        let what = match req.method {
            Method::Post if req.path.ends_with("/sync/push") => PUSH,
            Method::Patch => UPLOAD,
            _ => OTHER,
        };
        self.on_the_wire.store(what, Ordering::SeqCst);
        let t = Instant::now();
        let answer = self.inner.send(req);
        self.on_the_wire.store(IDLE, Ordering::SeqCst);
        let mut sent = self.sent.lock().unwrap();
        sent[what as usize].0 += 1;
        sent[what as usize].1 += t.elapsed();
        answer
    }
}

fn sigkill_of_the_planner_under_pushes_and_photo_uploads_loses_and_doubles_nothing(
    backing: Backing,
) {
    let kills = env_number("DOORSTEP_PLANNER_KILLS", 20);
    let seed = seed() ^ backing as u64;
    println!("planner kills ({backing:?}): {kills}, seed {seed}");
    let started = Instant::now();
    let mut rng = SplitMix64::new(seed);

    let db = TestDb::new(backing);
    let (tenant, code, route) = {
        let storage = db.open();
        let demo = doorstep_planner::demo::seed(&*storage, &SystemClock).unwrap();
        let (code, route) = courier_with_route(&*storage, demo.tenant_id, 400);
        (demo.tenant_id, code, route)
    };
    let logs = tempfile::tempdir().unwrap();
    let mut planner = PlannerProcess::start(&db.url, logs.path().join("planner.log"));

    let phone = tempfile::tempdir().unwrap();
    let mut store = Store::open(phone.path(), Arc::new(SystemClock)).unwrap();
    let on_the_wire = Arc::new(AtomicU8::new(IDLE));
    let transport = Watched {
        inner: HttpTransport::new(&planner.url()).unwrap(),
        on_the_wire: on_the_wire.clone(),
        sent: Default::default(),
    };
    enroll(&mut store, &transport, &planner.url(), &code).unwrap();
    let engine = SyncEngine {
        batch_ops: 4,
        chunk_bytes: 8 * 1024,
    };
    engine.sync_once(&mut store, &transport).unwrap();

    // The courier delivers and syncs after each delivery, a new photo on every other one,
    // until told to stop; the planner dies under it meanwhile.
    let done = Arc::new(AtomicBool::new(false));
    let courier = {
        let done = done.clone();
        let mut rng = SplitMix64::new(seed.rotate_left(17));
        thread::spawn(move || {
            let mut confirmed: HashMap<String, String> = HashMap::new();
            let mut failed_rounds = 0;
            let stops = store.routes().today().unwrap().stops;
            for stop in stops {
                if done.load(Ordering::SeqCst) {
                    break;
                }
                let lines = store.stops().detail(stop.id).unwrap().lines;
                let photos = if stop.position % 2 == 0 {
                    let png = unique_photo(&mut rng, 400, 300);
                    vec![store.photos().import(&png).unwrap().sha256]
                } else {
                    vec![]
                };
                let saved = store
                    .pods()
                    .record(NewPod {
                        stop_id: stop.id,
                        recipient_name: format!("Recipient {}", stop.position),
                        signature: Some(signature()),
                        photos,
                        gps: None,
                        lines: lines.iter().map(LineOutcome::in_full).collect(),
                        corrects: None,
                    })
                    .unwrap();
                confirmed.insert(saved.id.to_string(), stop.id.to_string());
                match engine.sync_once(&mut store, &transport) {
                    Ok(r) if r.photo_problems.is_empty() => {}
                    Ok(r) => panic!("a photo went wrong: {:?}", r.photo_problems),
                    Err(e) => {
                        let doorstep_field::FieldError::Sync(e) = &e else {
                            panic!("the device's store failed: {e}");
                        };
                        assert!(
                            e.will_retry(),
                            "a sync failure the device cannot get over: {e}"
                        );
                        failed_rounds += 1;
                        thread::sleep(Duration::from_millis(10));
                    }
                }
            }
            (store, transport, confirmed, failed_rounds)
        })
    };

    let mut hit = [0usize; 4];
    for k in 0..kills {
        thread::sleep(millis(&mut rng, 20, 300));
        // One kill in three at any moment; the others aimed at a push or a photo upload on
        // the wire, a little after it left (before, during or after the planner's commit).
        let aim = [IDLE, PUSH, UPLOAD][k as usize % 3];
        if aim != IDLE {
            let give_up = Instant::now() + Duration::from_secs(3);
            while on_the_wire.load(Ordering::SeqCst) != aim && Instant::now() < give_up {
                thread::sleep(Duration::from_micros(100));
            }
            thread::sleep(Duration::from_micros(rng.next_u64() % 2000));
        }
        hit[on_the_wire.load(Ordering::SeqCst) as usize] += 1;
        planner.kill();
        thread::sleep(millis(&mut rng, 0, 100));
        planner.spawn();
        if courier.is_finished() {
            courier.join().unwrap();
            panic!("the route ran out before the kills did");
        }
    }
    done.store(true, Ordering::SeqCst);
    let (mut store, transport, confirmed, failed_rounds) = courier.join().unwrap();

    // Heal: the planner stays up until the device has nothing left to send.
    let mut heal_rounds = 0;
    loop {
        heal_rounds += 1;
        let report = engine.sync_once(&mut store, &transport);
        let state = store.sync_state().unwrap();
        if report.is_ok() && state.waiting_ops == 0 && state.waiting_photo_bytes == 0 {
            break;
        }
        assert!(
            heal_rounds < 20,
            "the device does not drain: {report:?} {state:?}"
        );
    }
    store.check_integrity().unwrap();
    drop(store);
    planner.kill();

    let storage = db.open();
    let mut audit = Audit::open(&db.url);
    if backing == Backing::Sqlite {
        let verdict = audit.rows("PRAGMA integrity_check");
        assert_eq!(
            verdict[0][0].as_deref(),
            Some("ok"),
            "the planner's SQLite file"
        );
    }
    assert_planner_holds_each_pod_once(
        &mut audit,
        &*storage,
        tenant,
        route,
        phone.path(),
        &confirmed,
    );
    println!(
        "planner kills ({backing:?}): {kills} SIGKILLs and restarts, {} during a push, {} during \
         a photo upload, {} during another request; {} PODs confirmed, each once on the planner; \
         {failed_rounds} sync rounds cut; {:.1} s",
        hit[PUSH as usize],
        hit[UPLOAD as usize],
        hit[OTHER as usize],
        confirmed.len(),
        started.elapsed().as_secs_f64()
    );
    let sent = transport.sent.lock().unwrap();
    println!(
        "planner kills ({backing:?}): the device sent {} pushes ({} ms), {} photo chunks ({} ms), \
         {} other requests ({} ms)",
        sent[PUSH as usize].0,
        sent[PUSH as usize].1.as_millis(),
        sent[UPLOAD as usize].0,
        sent[UPLOAD as usize].1.as_millis(),
        sent[OTHER as usize].0,
        sent[OTHER as usize].1.as_millis(),
    );
    assert!(
        kills < 12 || (hit[PUSH as usize] > 0 && hit[UPLOAD as usize] > 0),
        "kills must land during pushes and during uploads: {hit:?}"
    );
}

crate::on_both_stores!(
    sigkill_of_the_planner_under_pushes_and_photo_uploads_loses_and_doubles_nothing
);
