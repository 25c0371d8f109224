//! One simulated run: a planner, a few devices, a dispatcher and a faulty network, all driven
//! by one seeded generator and fake clocks, step by step. Nothing here reads the real clock or
//! real randomness, so a seed replays byte for byte.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use doorstep_domain::sync::Op;
use doorstep_domain::{
    demo, Clock, FailureReason, FakeClock, GpsFix, LineOutcome, NewConditionNote, NewFailedAttempt,
    NewPod, NoteCategory, ShortfallReason, Signature, SignaturePoint, StopStatus,
};
use doorstep_field::sync::{self, Method, Request, SyncEngine, SyncError, SyncReport};
use doorstep_field::{failpoint, FieldError, Store};
use doorstep_planner::auth::hash_secret;
use doorstep_planner::storage::{Role, Storage, User};
use rusqlite::{Connection, OpenFlags};
use uuid::Uuid;

use crate::check;
use crate::net::{deliver, describe, short, summary, Fate, Parcel, SimLink};
use crate::planner::{SeededEntropy, SimPlanner};
use crate::rng::Rng;

/// The payload of a simulated crash: where the phone died.
pub struct Crash(pub &'static str);

/// How often each fault strikes in this run; the seed decides, and some runs have none of a
/// kind, so that every fault is also seen alone.
#[derive(Debug, Clone)]
pub struct Faults {
    pub drop_request: f64,
    pub drop_answer: f64,
    pub duplicate: f64,
    pub delay: f64,
    pub cut_upload: f64,
    pub crash_in_sync: f64,
    pub crash_point: f64,
    pub crash_idle: f64,
    pub planner_restart: f64,
    pub dispatch: f64,
    pub skew: f64,
    pub backup: f64,
    pub restore: f64,
}

impl Faults {
    fn draw(rng: &mut Rng) -> Faults {
        let mut p = |max: f64| {
            if rng.chance(0.75) {
                max * (rng.below(1000) as f64 / 1000.0)
            } else {
                0.0
            }
        };
        Faults {
            drop_request: p(0.15),
            drop_answer: p(0.15),
            duplicate: p(0.10),
            delay: p(0.10),
            cut_upload: p(0.30),
            crash_in_sync: p(0.04),
            crash_point: p(0.03),
            crash_idle: p(0.03),
            planner_restart: p(0.03),
            dispatch: p(0.12),
            skew: p(0.02),
            backup: p(0.03),
            restore: p(0.02),
        }
    }
}

/// An invariant broken, in plain words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub invariant: String,
    pub detail: String,
}

/// What the whole run shares: the generator, the trace, the faults, what went wrong.
pub struct Shared {
    pub rng: Rng,
    pub trace: Vec<String>,
    pub faults: Faults,
    /// After the workload: the network heals and no more crashes.
    pub calm: bool,
    pub step: u32,
    pub violations: Vec<Violation>,
}

impl Shared {
    pub fn log(&mut self, line: String) {
        self.trace.push(format!("{:>4} {line}", self.step));
    }

    pub fn violation(&mut self, invariant: &str, detail: String) {
        self.log(format!("VIOLATION of \"{invariant}\": {detail}"));
        self.violations.push(Violation {
            invariant: invariant.to_owned(),
            detail,
        });
    }

    pub fn fate(&mut self, request: &Request) -> Fate {
        if self.calm {
            return Fate::Deliver;
        }
        let f = self.faults.clone();
        let r = &mut self.rng;
        if r.chance(f.crash_in_sync / 2.0) {
            return Fate::CrashBefore;
        }
        if r.chance(f.drop_request) {
            return Fate::DropRequest;
        }
        if r.chance(f.delay) {
            return Fate::Delay;
        }
        if request.method == Method::Patch && request.body.len() > 1 && r.chance(f.cut_upload) {
            return Fate::Cut(r.between(1, request.body.len() as u64 - 1) as usize);
        }
        if r.chance(f.drop_answer) {
            return Fate::DropAnswer;
        }
        if r.chance(f.duplicate) {
            return Fate::Duplicate;
        }
        if r.chance(f.crash_in_sync / 2.0) {
            return Fate::CrashAfter;
        }
        Fate::Deliver
    }
}

/// Watches the planner's file after every request it handled: a stop's status never moves
/// back, route versions and the change log never go back.
#[derive(Default)]
pub struct Monitor {
    conn: Option<Connection>,
    status: BTreeMap<String, (u8, String)>,
    versions: BTreeMap<String, u64>,
    last_change: i64,
}

impl Monitor {
    pub fn observe(&mut self, path: &Path) -> Vec<(&'static str, String)> {
        let mut found = vec![];
        if self.conn.is_none() {
            match Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY) {
                Ok(conn) => self.conn = Some(conn),
                Err(e) => {
                    found.push((
                        check::CHECKABLE,
                        format!("the planner's file cannot be opened to watch it: {e}"),
                    ));
                    return found;
                }
            }
        }
        let Some(conn) = &self.conn else {
            return found;
        };
        let rows = check::query(conn, "SELECT id, status FROM stops ORDER BY id", |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        });
        for (id, status) in check::rows(&mut found, rows) {
            let rank = check::rank(&status);
            if let Some((before, was)) = self.status.get(&id) {
                if rank < *before {
                    found.push((
                        "a stop's status never moves back",
                        format!("stop {} went from {was} back to {status}", short(&id)),
                    ));
                }
            }
            self.status.insert(id, (rank, status));
        }
        let rows = check::query(conn, "SELECT id, version FROM routes ORDER BY id", |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
        });
        for (id, version) in check::rows(&mut found, rows) {
            if let Some(before) = self.versions.get(&id) {
                if version < *before {
                    found.push((
                        "versions never go back",
                        format!(
                            "route {} went from version {before} back to {version}",
                            short(&id)
                        ),
                    ));
                }
            }
            self.versions.insert(id, version);
        }
        let last = check::query(conn, "SELECT COALESCE(MAX(seq), 0) FROM changes", |r| {
            r.get::<_, i64>(0)
        });
        let Some(last) = check::rows(&mut found, last).first().copied() else {
            return found;
        };
        if last < self.last_change {
            found.push((
                "cursors never go back",
                format!(
                    "the change log went back from {} to {last}",
                    self.last_change
                ),
            ));
        }
        self.last_change = last;
        found
    }
}

/// A record a device confirmed to its user (the store returned after the commit).
#[derive(Debug, Clone)]
pub struct Confirmed {
    pub op: Op,
    pub event: Option<Uuid>,
    /// Made after the backup this device was later restored from: the phone lost it, so it
    /// counts only if it had reached the planner.
    pub lost_with_restore: bool,
}

pub struct SimDevice {
    pub idx: usize,
    pub dir: PathBuf,
    pub clock: Arc<FakeClock>,
    pub store: Option<Store>,
    pub engine: SyncEngine,
    pub courier: usize,
    pub code: Option<String>,
    pub codes_issued: u32,
    pub confirmed: Vec<Confirmed>,
    /// A copy of the data folder and how many records it held.
    pub backup: Option<(PathBuf, usize)>,
    pub last_cursor: u64,
    pub versions: BTreeMap<String, u64>,
    pub device_id: Uuid,
}

/// What one device action came to.
enum Did {
    Recorded(Box<Op>, Option<Uuid>, String),
    Refused(String),
    Nothing(String),
}

pub struct Options {
    /// Where the run's files go (one folder per seed, removed afterwards unless `keep`).
    pub dir: PathBuf,
    pub keep: bool,
}

/// The result of one seed.
pub struct Outcome {
    pub seed: u64,
    pub trace: Vec<String>,
    pub violations: Vec<Violation>,
    pub stats: Stats,
}

#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub confirmed: usize,
    pub crashes: usize,
    pub restarts: usize,
    pub restores: usize,
    pub requests_in_limbo: usize,
}

pub const PLANNER_URL: &str = "http://planner.sim";

pub struct World {
    pub(crate) seed: u64,
    pub(crate) shared: Rc<RefCell<Shared>>,
    pub(crate) planner: Rc<RefCell<SimPlanner>>,
    pub(crate) limbo: Rc<RefCell<Vec<Parcel>>>,
    pub(crate) monitor: Rc<RefCell<Monitor>>,
    pub(crate) clock: Arc<FakeClock>,
    pub(crate) tenant: Uuid,
    pub(crate) dispatcher_token: String,
    pub(crate) couriers: Vec<User>,
    /// Each route and the courier (index) it is assigned to.
    pub(crate) routes: Vec<(Uuid, usize)>,
    pub(crate) stops: Vec<Uuid>,
    pub(crate) devices: Vec<SimDevice>,
    pub(crate) stats: Stats,
    pub(crate) dir: PathBuf,
    /// Photos whose phone was restored from a backup that did not hold them.
    pub(crate) lost_photos: BTreeSet<String>,
}

/// Runs seed `seed` in a fresh folder under `opts.dir` and checks every invariant.
pub fn run_seed(seed: u64, opts: &Options) -> Outcome {
    crate::quiet_crashes();
    let dir = opts.dir.join(format!("seed-{seed}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the simulation's folder can be made");
    let mut world = World::new(seed, &dir);
    world.workload();
    world.heal();
    world.check();
    failpoint::clear_hook();
    let shared = world.shared.clone();
    let stats = world.stats.clone();
    drop(world);
    if !opts.keep {
        let _ = std::fs::remove_dir_all(&dir);
    }
    let shared = Rc::try_unwrap(shared)
        .ok()
        .expect("the world is gone")
        .into_inner();
    Outcome {
        seed,
        trace: shared.trace,
        violations: shared.violations,
        stats,
    }
}

impl World {
    pub(crate) fn new(seed: u64, dir: &Path) -> World {
        let mut rng = Rng::new(seed);
        let faults = Faults::draw(&mut rng);
        let start = Utc.with_ymd_and_hms(2026, 11, 25, 7, 30, 0).unwrap();
        let clock = Arc::new(FakeClock::with_node(start, 3600, 0));
        let entropy = Arc::new(SeededEntropy::new(rng.fork()));
        let planner = SimPlanner::open(&dir.join("planner.db"), clock.clone(), entropy);
        let n_devices = rng.between(2, 4) as usize;
        let mut shared = Shared {
            rng,
            trace: vec![],
            faults,
            calm: false,
            step: 0,
            violations: vec![],
        };
        shared.log(format!(
            "seed {seed}: {n_devices} devices, {:?}",
            shared.faults
        ));

        // The tenant, its dispatcher and couriers, and today's routes.
        let storage = planner.storage();
        let tenant = clock.new_id();
        storage
            .create_tenant(tenant, "Simulated Deliveries")
            .unwrap();
        let dispatcher = User {
            id: clock.new_id(),
            name: "Dispatch".into(),
            role: Role::Dispatcher,
        };
        storage.create_user(tenant, &dispatcher).unwrap();
        let dispatcher_token = format!("dispatch-{seed}");
        storage
            .add_user_token(
                tenant,
                dispatcher.id,
                &hash_secret(&dispatcher_token),
                clock.now(),
            )
            .unwrap();
        let couriers: Vec<User> = (0..n_devices)
            .map(|i| {
                let u = User {
                    id: clock.new_id(),
                    name: format!("Courier {i}"),
                    role: Role::Courier,
                };
                storage.create_user(tenant, &u).unwrap();
                u
            })
            .collect();
        let n_routes = n_devices + shared.rng.below(2) as usize;
        let mut routes = vec![];
        let mut stops = vec![];
        for r in 0..n_routes {
            let n = shared.rng.between(3, 7) as usize;
            let mut route = demo::synthetic_route(clock.today(), n, &*clock);
            let courier = r % n_devices;
            route.courier_name = couriers[courier].name.clone();
            storage
                .save_route(tenant, &route, Some(couriers[courier].id))
                .unwrap();
            stops.extend(route.stops.iter().map(|s| s.id));
            routes.push((route.id, courier));
        }

        let mut devices = vec![];
        for i in 0..n_devices {
            // Device clocks run off by up to ±3 h: recorded as data, never used to order.
            let skew = shared.rng.between(0, 6 * 3600) as i64 - 3 * 3600;
            let dclock = Arc::new(FakeClock::with_node(
                start + Duration::seconds(skew),
                3600,
                i as u16 + 1,
            ));
            let ddir = dir.join(format!("device-{i}"));
            std::fs::create_dir_all(&ddir).unwrap();
            let store = Store::open(&ddir, dclock.clone()).expect("a new device store opens");
            let device_id = store.device().device_id;
            shared.log(format!(
                "d{i} is {} for courier {i}, clock off by {skew} s",
                short(&device_id.to_string())
            ));
            devices.push(SimDevice {
                idx: i,
                dir: ddir,
                clock: dclock,
                store: Some(store),
                engine: SyncEngine {
                    batch_ops: shared.rng.between(1, 8) as usize,
                    chunk_bytes: shared.rng.between(200, 3000) as usize,
                },
                courier: i,
                code: None,
                codes_issued: 0,
                confirmed: vec![],
                backup: None,
                last_cursor: 0,
                versions: BTreeMap::new(),
                device_id,
            });
        }

        let shared = Rc::new(RefCell::new(shared));
        let hook_shared = shared.clone();
        failpoint::set_hook(move |point| {
            let crash = {
                let mut s = hook_shared.borrow_mut();
                let p = if s.calm { 0.0 } else { s.faults.crash_point };
                s.rng.chance(p)
            };
            if crash {
                hook_shared
                    .borrow_mut()
                    .log(format!("   the phone dies at {point}"));
                std::panic::panic_any(Crash(point));
            }
        });
        World {
            seed,
            shared,
            planner: Rc::new(RefCell::new(planner)),
            limbo: Rc::new(RefCell::new(vec![])),
            monitor: Rc::new(RefCell::new(Monitor::default())),
            clock,
            tenant,
            dispatcher_token,
            couriers,
            routes,
            stops,
            devices,
            stats: Stats::default(),
            dir: dir.to_owned(),
            lost_photos: BTreeSet::new(),
        }
    }

    fn log(&self, line: String) {
        self.shared.borrow_mut().log(line);
    }

    fn rng(&self) -> std::cell::RefMut<'_, Rng> {
        std::cell::RefMut::map(self.shared.borrow_mut(), |s| &mut s.rng)
    }

    fn chance(&self, p: f64) -> bool {
        self.rng().chance(p)
    }

    fn link(&self, device: usize) -> SimLink {
        SimLink {
            device,
            shared: self.shared.clone(),
            planner: self.planner.clone(),
            limbo: self.limbo.clone(),
            monitor: self.monitor.clone(),
        }
    }

    /// The workload: a few hundred steps of couriers working, syncing, dispatch editing,
    /// and everything that goes wrong.
    fn workload(&mut self) {
        let steps = self.rng().between(80, 200) as u32;
        for step in 1..=steps {
            self.shared.borrow_mut().step = step;
            let tick = self.rng().between(1_000, 90_000) as i64;
            self.clock.advance(tick);
            for d in &self.devices {
                d.clock.advance(tick);
            }
            let faults = self.shared.borrow().faults.clone();
            if !self.limbo.borrow().is_empty() && self.chance(0.25) {
                self.deliver_from_limbo();
            }
            if self.chance(faults.planner_restart) {
                self.planner.borrow_mut().restart();
                self.stats.restarts += 1;
                self.log("the planner restarts".into());
            }
            if self.chance(faults.dispatch) {
                self.dispatch();
            }
            let d = self.rng().below(self.devices.len() as u64) as usize;
            self.device_step(d, &faults);
        }
    }

    fn deliver_from_limbo(&mut self) {
        let i = {
            let n = self.limbo.borrow().len() as u64;
            self.rng().below(n) as usize
        };
        let parcel = self.limbo.borrow_mut().remove(i);
        let answer = deliver(&self.planner, &self.shared, &self.monitor, &parcel.request);
        self.stats.requests_in_limbo += 1;
        self.log(format!(
            "late: d{} {} arrives → {} (nobody listens)",
            parcel.device,
            describe(&parcel.request),
            summary(&parcel.request, &answer)
        ));
    }

    /// Dispatch changes a window, an address, cancels a stop or gives a route to another
    /// courier, through the planner's API, while the couriers work.
    fn dispatch(&mut self) {
        let choice = self.rng().below(100);
        let (request, what) = if choice < 70 {
            let stop = *self.rng().pick(&self.stops).expect("routes have stops");
            let (body, what) = match choice {
                0..=34 => {
                    let start = self.rng().between(8, 15);
                    let end = start + self.rng().between(1, 3);
                    (
                        format!(
                            r#"{{"window_start":"{start:02}:00:00","window_end":"{end:02}:00:00"}}"#
                        ),
                        format!(
                            "moves the window of stop {} to {start}–{end} h",
                            short(&stop.to_string())
                        ),
                    )
                }
                35..=54 => {
                    let n = self.rng().between(1, 400);
                    (
                        format!(r#"{{"address":"Simstraat {n}, Amsterdam"}}"#),
                        format!("changes the address of stop {}", short(&stop.to_string())),
                    )
                }
                _ => (
                    r#"{"cancelled":true}"#.to_owned(),
                    format!("cancels stop {}", short(&stop.to_string())),
                ),
            };
            (
                Request::new(Method::Patch, format!("/v1/stops/{stop}")).body(body.into_bytes()),
                what,
            )
        } else {
            let r = self.rng().below(self.routes.len() as u64) as usize;
            let to = self.rng().below(self.couriers.len() as u64) as usize;
            let (route, _) = self.routes[r];
            let body = format!(r#"{{"courier_id":"{}"}}"#, self.couriers[to].id);
            (
                Request::new(Method::Post, format!("/v1/routes/{route}/assign"))
                    .body(body.into_bytes()),
                format!("gives route {} to courier {to}", short(&route.to_string())),
            )
        };
        let request = request
            .header("authorization", format!("Bearer {}", self.dispatcher_token))
            .header("content-type", "application/json");
        let answer = deliver(&self.planner, &self.shared, &self.monitor, &request);
        if answer.is_success() {
            if let Some(rest) = request.path.strip_prefix("/v1/routes/") {
                let id: Uuid = rest.trim_end_matches("/assign").parse().unwrap();
                let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
                let courier = body["courier_id"].as_str().unwrap().to_owned();
                let to = self
                    .couriers
                    .iter()
                    .position(|c| c.id.to_string() == courier)
                    .unwrap();
                for r in self.routes.iter_mut().filter(|r| r.0 == id) {
                    r.1 = to;
                }
            }
        }
        self.log(format!("dispatch {what} → {}", answer.status));
    }

    fn device_step(&mut self, d: usize, faults: &Faults) {
        let roll = self.rng().below(1000) as f64 / 1000.0;
        let mut edge = faults.crash_idle;
        if roll < edge {
            self.log(format!("d{d}: the phone dies while idle"));
            self.crash_and_reopen(d);
            return;
        }
        edge += faults.skew;
        if roll < edge {
            let hours = self.rng().between(1, 10) as i64 - 5;
            self.devices[d].clock.advance(hours * 3_600_000);
            self.log(format!("d{d}: its clock jumps {hours} h"));
            return;
        }
        edge += faults.backup;
        if roll < edge {
            self.back_up(d);
            return;
        }
        edge += faults.restore;
        if roll < edge && self.devices[d].backup.is_some() {
            self.restore(d);
            return;
        }
        if self.chance(0.35) {
            self.sync(d);
        } else {
            self.record(d);
        }
    }

    /// Runs `f` on device `d`'s store; a simulated crash inside drops the store and reopens
    /// its files, and gives `None`.
    fn on_device<T>(&mut self, d: usize, f: impl FnOnce(&mut Store, &SimLink) -> T) -> Option<T> {
        let link = self.link(d);
        let store = self.devices[d].store.as_mut().expect("the store is open");
        match catch_unwind(AssertUnwindSafe(|| f(store, &link))) {
            Ok(out) => Some(out),
            Err(payload) => {
                if let Some(crash) = payload.downcast_ref::<Crash>() {
                    self.log(format!("d{d} crashed ({})", crash.0));
                } else {
                    let why = payload
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default();
                    self.shared
                        .borrow_mut()
                        .violation("the engine never panics", format!("d{d}: {why}"));
                }
                self.crash_and_reopen(d);
                None
            }
        }
    }

    /// The phone dies: its store is dropped (what was not committed is gone) and opened again.
    fn crash_and_reopen(&mut self, d: usize) {
        self.stats.crashes += 1;
        drop(self.devices[d].store.take());
        self.reopen(d);
    }

    fn reopen(&mut self, d: usize) {
        let dev = &mut self.devices[d];
        let store = Store::open(&dev.dir, dev.clock.clone()).expect("the store reopens");
        let swept = store
            .sweep_orphan_photos()
            .expect("the photo folder is tidied");
        if swept > 0 {
            self.shared.borrow_mut().log(format!(
                "d{d} reopens and tidies {swept} orphaned photo files"
            ));
        }
        if let Err(e) = store.check_integrity() {
            self.shared.borrow_mut().violation(
                "a crash breaks nothing",
                format!("d{d} after reopening: {e}"),
            );
        }
        for problem in check::device_files(&dev.dir) {
            self.shared.borrow_mut().violation(
                "a crash leaves no orphan",
                format!("d{d} after reopening: {problem}"),
            );
        }
        dev.store = Some(store);
    }

    fn back_up(&mut self, d: usize) {
        let dev = &mut self.devices[d];
        drop(dev.store.take());
        let copy = self.dir.join(format!("backup-{d}"));
        let _ = std::fs::remove_dir_all(&copy);
        check::copy_dir(&dev.dir, &copy);
        dev.backup = Some((copy, dev.confirmed.len()));
        let n = dev.confirmed.len();
        self.log(format!(
            "d{d}: the phone backs up its data ({n} records so far)"
        ));
        self.reopen(d);
    }

    /// The app is reinstalled and its data restored from the last backup: whatever the phone
    /// recorded after it is gone from the phone (unless it had reached the planner).
    fn restore(&mut self, d: usize) {
        self.stats.restores += 1;
        let dev = &mut self.devices[d];
        let (copy, kept) = dev.backup.clone().expect("a backup exists");
        drop(dev.store.take());
        let before = check::photo_names(&dev.dir);
        std::fs::remove_dir_all(&dev.dir).unwrap();
        check::copy_dir(&copy, &dev.dir);
        let after = check::photo_names(&dev.dir);
        self.lost_photos.extend(before.difference(&after).cloned());
        for c in dev.confirmed.iter_mut().skip(kept) {
            c.lost_with_restore = true;
        }
        dev.last_cursor = 0;
        dev.versions.clear();
        let lost = dev.confirmed.len() - kept;
        self.log(format!(
            "d{d}: reinstalled and restored from its backup ({lost} later records gone from the phone)"
        ));
        self.reopen(d);
    }

    fn issue_code(&mut self, d: usize) -> String {
        let dev = &mut self.devices[d];
        dev.codes_issued += 1;
        let code = format!("SIM{}D{d}N{}", self.seed, dev.codes_issued);
        let courier = &self.couriers[dev.courier];
        self.planner
            .borrow()
            .storage()
            .add_enrolment_code(
                self.tenant,
                courier.id,
                &hash_secret(&code),
                self.clock.now() + Duration::days(1),
            )
            .unwrap();
        let n = dev.codes_issued;
        self.log(format!("dispatch gives d{d} enrolment code #{n}"));
        code
    }

    fn enrolled(&self, d: usize) -> bool {
        let store = self.devices[d].store.as_ref().expect("open");
        store
            .sync_state()
            .map(|s| s.planner_url.is_some())
            .unwrap_or(false)
    }

    fn enrol(&mut self, d: usize) {
        let code = match self.devices[d].code.clone() {
            Some(c) => c,
            None => {
                let c = self.issue_code(d);
                self.devices[d].code = Some(c.clone());
                c
            }
        };
        let result = self.on_device(d, |store, link| {
            sync::enroll(store, link, PLANNER_URL, &code)
        });
        match result {
            Some(Ok(e)) => self.log(format!("d{d} enrolled as {}", e.user_name)),
            Some(Err(FieldError::Sync(SyncError::CodeRefused(why)))) => {
                self.log(format!("d{d} enrolment refused: {why}"));
                self.devices[d].code = None;
            }
            Some(Err(e)) => self.log(format!("d{d} enrolment failed: {e}")),
            None => {}
        }
    }

    fn sync(&mut self, d: usize) -> Option<SyncReport> {
        if !self.enrolled(d) {
            self.enrol(d);
            return None;
        }
        let engine = self.devices[d].engine;
        let result = self.on_device(d, |store, link| {
            let before = store.pull_cursor();
            (before, engine.sync_once(store, link))
        });
        let (before, result) = result?;
        let before = before.unwrap_or(0);
        match result {
            Ok(report) => {
                self.log(format!(
                    "d{d} synced: {} acked, {} rejected, {} photos, {} routes, {} removed, cursor {}{}{}",
                    report.ops_acked,
                    report.new_rejections,
                    report.photos_uploaded,
                    report.routes_updated,
                    report.routes_removed,
                    report.cursor,
                    if report.full_pull { ", whole scope" } else { "" },
                    report
                        .new_epoch
                        .map(|e| format!(", new epoch {e}"))
                        .unwrap_or_default()
                ));
                self.watch_device(d, before, &report);
                Some(report)
            }
            Err(e) => {
                self.log(format!("d{d} sync failed: {e}"));
                None
            }
        }
    }

    /// A device's cursor and route versions never go back (within one copy of its data), and
    /// an incremental pull never needs the checksum to catch a change it skipped.
    fn watch_device(&mut self, d: usize, cursor_before: u64, report: &SyncReport) {
        let dev = &mut self.devices[d];
        let mut found = vec![];
        if report.new_epoch.is_some() {
            dev.last_cursor = 0;
            dev.versions.clear();
        }
        if report.cursor < dev.last_cursor {
            found.push((
                "cursors never go back",
                format!(
                    "d{d}'s cursor went from {} back to {}",
                    dev.last_cursor, report.cursor
                ),
            ));
        }
        if report.full_pull && cursor_before != 0 && report.new_epoch.is_none() {
            found.push((
                "no change is skipped by a cursor",
                format!(
                    "d{d} pulled from {cursor_before} and its routes disagreed with the planner's checksum"
                ),
            ));
        }
        dev.last_cursor = report.cursor;
        let path = dev.dir.join(doorstep_field::store::DB_FILE);
        let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        let routes = check::query(&conn, "SELECT id, version FROM routes", |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
        });
        for (id, version) in check::rows(&mut found, routes) {
            if let Some(before) = dev.versions.get(&id) {
                if version < *before {
                    found.push((
                        "versions never go back",
                        format!(
                            "d{d} holds route {} at version {version} after {before}",
                            short(&id)
                        ),
                    ));
                }
            }
            dev.versions.insert(id, version);
        }
        for (invariant, detail) in found {
            self.shared.borrow_mut().violation(invariant, detail);
        }
    }

    /// The courier does something at a stop: on the way, arrived, a proof of delivery (maybe
    /// short, with photos, maybe correcting an earlier one), a failed attempt or a note.
    fn record(&mut self, d: usize) {
        let mut rng = self.rng().fork();
        let did = self.on_device(d, move |store, _| -> Result<Did, FieldError> {
            let routes = store.routes().in_scope()?;
            let Some(route) = rng.pick(&routes).copied() else {
                return Ok(Did::Nothing("has no route yet".into()));
            };
            let view = store.routes().view(route)?;
            let Some(stop) = rng.pick(&view.stops).cloned() else {
                return Ok(Did::Nothing("has an empty route".into()));
            };
            let detail = store.stops().detail(stop.id)?;
            let before = store.outbox().len()?;
            let choice = rng.below(100);
            let photos = |store: &mut Store, rng: &mut Rng, n: u64| -> Result<Vec<String>, FieldError> {
                (0..n)
                    .map(|_| Ok(store.photos().import(&photo(rng))?.sha256))
                    .collect()
            };
            let (what, result) = match choice {
                0..=24 => {
                    let to = if stop.status == StopStatus::Pending && rng.chance(0.6) {
                        StopStatus::EnRoute
                    } else {
                        StopStatus::Arrived
                    };
                    (format!("{} → {}", stop.position, to.as_str()), store.stops().advance(stop.id, to))
                }
                25..=64 => {
                    let n = rng.below(3);
                    let shots = photos(store, &mut rng, n)?;
                    let lines = detail
                        .lines
                        .iter()
                        .map(|l| {
                            if rng.chance(0.2) {
                                LineOutcome {
                                    line_id: l.id,
                                    delivered_qty: rng.below(l.ordered_qty as u64) as u32,
                                    shortfall_reason: Some(ShortfallReason::Missing),
                                    note: None,
                                }
                            } else {
                                LineOutcome::in_full(l)
                            }
                        })
                        .collect();
                    let corrects = match detail.pods.first() {
                        Some(p) if rng.chance(0.5) => Some(p.id),
                        _ => None,
                    };
                    let pod = NewPod {
                        stop_id: stop.id,
                        recipient_name: format!("Recipient {}", rng.below(100)),
                        signature: rng.chance(0.7).then(|| signature(&mut rng)),
                        photos: shots,
                        gps: Some(GpsFix {
                            lat: 52.3 + rng.below(1000) as f64 / 10_000.0,
                            lon: 4.8 + rng.below(1000) as f64 / 10_000.0,
                            accuracy_m: rng.between(3, 40) as f64,
                        }),
                        lines,
                        corrects,
                    };
                    let label = if corrects.is_some() { "corrected POD" } else { "POD" };
                    (format!("{} {label} with {n} photos", stop.position), store.pods().record(pod))
                }
                65..=79 => {
                    let shot = if rng.chance(0.5) { photos(store, &mut rng, 1)?.pop() } else { None };
                    let attempt = NewFailedAttempt {
                        stop_id: stop.id,
                        reason: FailureReason::NobodyHome,
                        note: Some("rang twice".into()),
                        photo: shot,
                        gps: None,
                    };
                    (format!("{} failed attempt", stop.position), store.failed_attempts().record(attempt))
                }
                _ => {
                    let n = rng.below(2);
                    let shots = photos(store, &mut rng, n)?;
                    let note = NewConditionNote {
                        stop_id: stop.id,
                        category: NoteCategory::DamagedPackaging,
                        text: format!("box {} dented", rng.below(10)),
                        photos: shots,
                        line_id: None,
                    };
                    (format!("{} condition note", stop.position), store.condition_notes().record(note))
                }
            };
            match result {
                Ok(saved) => {
                    let op = store
                        .outbox()
                        .entries()?
                        .pop()
                        .expect("a saved record waits in the outbox")
                        .op;
                    let event = (choice >= 25).then_some(saved.id);
                    Ok(Did::Recorded(Box::new(op), event, what))
                }
                Err(e) => {
                    let after = store.outbox().len()?;
                    if after != before {
                        return Ok(Did::Refused(format!(
                            "HALF-SAVED: {what} was refused ({e}) but the outbox went from {before} to {after}"
                        )));
                    }
                    Ok(Did::Refused(format!("{what}: {e}")))
                }
            }
        });
        match did {
            Some(Ok(Did::Recorded(op, event, what))) => {
                self.log(format!(
                    "d{d} saved stop {what} (e{} #{})",
                    op.epoch, op.seq
                ));
                self.devices[d].confirmed.push(Confirmed {
                    op: *op,
                    event,
                    lost_with_restore: false,
                });
                self.stats.confirmed += 1;
            }
            Some(Ok(Did::Refused(why))) => {
                if why.starts_with("HALF-SAVED") {
                    self.shared
                        .borrow_mut()
                        .violation("nothing is half-saved", format!("d{d}: {why}"));
                } else {
                    self.log(format!("d{d} refused locally: {why}"));
                }
            }
            Some(Ok(Did::Nothing(why))) => self.log(format!("d{d} {why}")),
            Some(Err(e)) => self.log(format!("d{d} could not work: {e}")),
            None => {}
        }
    }

    /// The network heals, late requests land, crashes stop; every device syncs until nothing
    /// moves.
    fn heal(&mut self) {
        self.shared.borrow_mut().calm = true;
        self.shared.borrow_mut().step += 1;
        self.log("the network heals".into());
        while !self.limbo.borrow().is_empty() {
            self.deliver_from_limbo();
        }
        for round in 0..12 {
            let mut quiet = true;
            for d in 0..self.devices.len() {
                if !self.enrolled(d) {
                    self.enrol(d);
                    quiet = false;
                    continue;
                }
                match self.sync(d) {
                    Some(r) => {
                        let moved = r.ops_acked > 0
                            || r.photos_uploaded > 0
                            || r.routes_updated > 0
                            || r.routes_removed > 0
                            || r.new_epoch.is_some()
                            || !r.checksum_ok
                            || r.waiting_ops > 0
                            || !r.photo_problems.is_empty();
                        quiet &= !moved;
                    }
                    None => quiet = false,
                }
            }
            if quiet {
                self.log(format!("all quiet after {} rounds", round + 1));
                return;
            }
        }
        self.shared.borrow_mut().violation(
            "sync settles once the network heals",
            "the devices were still syncing changes after 12 rounds on a healed network".into(),
        );
    }

    fn check(&mut self) {
        let found = check::all(self);
        for (invariant, detail) in found {
            self.shared.borrow_mut().violation(invariant, detail);
        }
    }
}

/// A small photo of random pixels, as PNG: the pipeline decodes and re-encodes it.
fn photo(rng: &mut Rng) -> Vec<u8> {
    let (w, h) = (rng.between(8, 24) as u32, rng.between(8, 24) as u32);
    let pixels: Vec<u8> = (0..w * h * 3).map(|_| rng.next_u64() as u8).collect();
    let img = image::RgbImage::from_raw(w, h, pixels).expect("the buffer fits");
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("PNG encodes");
    png
}

fn signature(rng: &mut Rng) -> Signature {
    let points = (0..rng.between(2, 6))
        .map(|i| SignaturePoint {
            x: rng.below(300) as f64,
            y: rng.below(100) as f64,
            t: i as f64 * 16.0,
        })
        .collect();
    Signature {
        width: 300,
        height: 100,
        strokes: vec![points],
    }
}
