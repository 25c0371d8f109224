//! The sync engine against an in-memory planner that speaks just enough of docs/SYNC.md to
//! test the device: ops stored by (device, epoch, seq) and acked, hash checks, blob offsets,
//! routes served from a change log. The real planner's own tests live in crates/planner.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use chrono::Days;
use doorstep_domain::sync::{
    scope_checksum, EnrollRequest, EnrollResponse, ErrorBody, ErrorDetail, OpBody, PullRequest,
    PullResponse, PushRequest, PushResponse, Rejection, RouteState,
};
use doorstep_domain::{demo, sha256_hex, Clock, Route, StopStatus};
use doorstep_field::sync::{
    self, Backoff, HttpTransport, Method, Random, Request, Response, SplitMix64, SyncEngine,
    SyncError, SyncReport, Transport, TransportError,
};
use doorstep_field::{FieldError, Store};
use rusqlite::Connection;
use uuid::Uuid;

use crate::{testdata_photo, Device};

const URL: &str = "https://planner.test";
const CODE: &str = "ENROL-4321";
const TOKEN: &str = "device-token-secret-7f3a";

/// The planner, in memory. Faults are armed by the test and fire once.
#[derive(Default)]
struct FakePlanner {
    state: RefCell<PlannerState>,
    /// Runs once when the next pull arrives: the courier at work while a round is under way.
    before_pull: RefCell<Option<Box<dyn FnOnce()>>>,
}

#[derive(Default)]
struct PlannerState {
    code_unused: bool,
    revoked: bool,
    down: bool,
    /// Requests that still get through before the planner goes down.
    budget: Option<usize>,
    /// The next request to this path is carried out, but its answer is lost.
    lose_answer_of: Option<&'static str>,
    /// The next request times out before reaching the planner.
    time_out_next: bool,
    /// The planner stores a blob up to this many bytes, then the connection breaks.
    cut_blob_at: Option<usize>,
    /// The next blob that completes arrives with a byte flipped.
    corrupt_next_blob: bool,
    /// The next incremental pull leaves this route out: a change the cursor skipped.
    skip_in_next_pull: Option<Uuid>,

    ops: BTreeMap<(Uuid, u32, u64), String>,
    applied: HashMap<(u32, u64), u32>,
    rejections: Vec<Rejection>,
    routes: BTreeMap<Uuid, RouteState>,
    removed: Vec<(u64, Uuid)>,
    log: u64,
    blobs: HashMap<String, (Vec<u8>, bool)>,
    requests: Vec<(Method, String)>,
    pull_cursors: Vec<u64>,
}

fn error(status: u16, code: &str, message: &str) -> Response {
    Response::json(
        status,
        &ErrorBody {
            error: ErrorDetail {
                code: code.into(),
                message: message.into(),
            },
        },
    )
}

fn rank(s: StopStatus) -> u8 {
    match s {
        StopStatus::Pending => 0,
        StopStatus::EnRoute => 1,
        StopStatus::Arrived => 2,
        _ => 3,
    }
}

impl FakePlanner {
    fn new() -> FakePlanner {
        let planner = FakePlanner::default();
        planner.state.borrow_mut().code_unused = true;
        planner
    }

    fn with<T>(&self, f: impl FnOnce(&mut PlannerState) -> T) -> T {
        f(&mut self.state.borrow_mut())
    }

    /// Dispatch assigns a route to this device's courier.
    fn assign(&self, route: Route) {
        self.with(|p| {
            p.log += 1;
            let version = p.log;
            p.routes.insert(
                route.id,
                RouteState {
                    route,
                    version,
                    cancelled: vec![],
                    resolutions: vec![],
                },
            );
        })
    }

    /// Dispatch edits a route.
    fn edit(&self, id: Uuid, f: impl FnOnce(&mut RouteState)) {
        self.with(|p| {
            p.log += 1;
            let version = p.log;
            let state = p.routes.get_mut(&id).expect("route on the planner");
            f(state);
            state.version = version;
        })
    }

    /// Dispatch takes a route away from this courier.
    fn unassign(&self, id: Uuid) {
        self.with(|p| {
            p.log += 1;
            p.routes.remove(&id);
            let log = p.log;
            p.removed.push((log, id));
        })
    }

    fn stored_seqs(&self) -> Vec<u64> {
        self.with(|p| p.ops.keys().map(|k| k.2).collect())
    }

    fn count(&self, method: Method, prefix: &str) -> usize {
        self.with(|p| {
            p.requests
                .iter()
                .filter(|(m, path)| *m == method && path.starts_with(prefix))
                .count()
        })
    }

    fn handle(&self, req: &Request) -> Result<Response, TransportError> {
        if req.path == "/v1/sync/pull" {
            if let Some(hook) = self.before_pull.borrow_mut().take() {
                hook();
            }
        }
        let mut p = self.state.borrow_mut();
        if p.down || p.budget == Some(0) {
            return Err(TransportError::Unreachable("connection refused".into()));
        }
        if let Some(n) = p.budget.as_mut() {
            *n -= 1;
        }
        if std::mem::take(&mut p.time_out_next) {
            return Err(TransportError::TimedOut);
        }
        p.requests.push((req.method, req.path.clone()));
        let lose = p.lose_answer_of.is_some_and(|l| req.path.starts_with(l));
        if req.path != "/v1/enroll"
            && (p.revoked || req.get_header("authorization") != Some(&format!("Bearer {TOKEN}")))
        {
            return Ok(error(401, "unauthorized", "this device token is not valid"));
        }
        let answer = match (req.method, req.path.as_str()) {
            (Method::Post, "/v1/enroll") => p.enroll(req),
            (Method::Post, "/v1/sync/push") => p.push(req),
            (Method::Post, "/v1/sync/pull") => p.pull(req),
            (Method::Head, path) if path.starts_with("/v1/blobs/") => {
                let held = p.blobs.get(&path[10..]).map_or(0, |b| b.0.len());
                Response::new(200).with_header("Upload-Offset", held)
            }
            (Method::Patch, path) if path.starts_with("/v1/blobs/") => {
                let sha = path[10..].to_owned();
                p.patch(&sha, req)?
            }
            _ => error(404, "not_found", "no such route"),
        };
        if lose {
            p.lose_answer_of = None;
            return Err(TransportError::Cut("the answer was lost".into()));
        }
        Ok(answer)
    }
}

impl Transport for FakePlanner {
    fn send(&self, request: &Request) -> Result<Response, TransportError> {
        self.handle(request)
    }
}

impl PlannerState {
    fn enroll(&mut self, req: &Request) -> Response {
        let body: EnrollRequest = serde_json::from_slice(&req.body).expect("enrol request");
        if body.code != CODE || !self.code_unused {
            return error(
                404,
                "not_found",
                "this enrolment code is unknown or already used",
            );
        }
        self.code_unused = false;
        self.revoked = false;
        Response::json(
            200,
            &EnrollResponse {
                token: TOKEN.into(),
                user_name: "Sanne Bakker".into(),
                role: "courier".into(),
                tenant_name: "Doorstep Amsterdam".into(),
            },
        )
    }

    fn push(&mut self, req: &Request) -> Response {
        let body: PushRequest = serde_json::from_slice(&req.body).expect("push request");
        let stored = |p: &PlannerState| {
            p.ops
                .range((body.device_id, body.epoch, 0)..=(body.device_id, body.epoch, u64::MAX))
                .next_back()
                .map_or(0, |(k, _)| k.2)
        };
        let mut rejections = vec![];
        if let Some(first) = body.ops.first() {
            if first.seq > stored(self) + 1 {
                return error(422, "gap", "ops must follow the last stored seq");
            }
        }
        for (i, op) in body.ops.iter().enumerate() {
            let json = serde_json::to_vec(&op.body).unwrap();
            if sha256_hex(&json) != op.sha256 || op.seq != body.ops[0].seq + i as u64 {
                return error(400, "invalid", "op hash or numbering is wrong");
            }
            let key = (body.device_id, body.epoch, op.seq);
            if let Some(hash) = self.ops.get(&key) {
                if *hash != op.sha256 {
                    return error(409, "conflict", "same seq, other content");
                }
                continue;
            }
            self.ops.insert(key, op.sha256.clone());
            *self.applied.entry((op.epoch, op.seq)).or_default() += 1;
            if let Some(reason) = self.apply(&op.body) {
                let r = Rejection {
                    epoch: op.epoch,
                    seq: op.seq,
                    stop_id: Some(op.body.stop_id()),
                    reason,
                };
                self.rejections.push(r.clone());
                rejections.push(r);
            }
        }
        Response::json(
            200,
            &PushResponse {
                acked_seq: stored(self),
                rejections,
            },
        )
    }

    /// Applies an op to the route it names; answers the reason when it cannot.
    fn apply(&mut self, body: &OpBody) -> Option<String> {
        let to = match body {
            OpBody::PodRecorded { pod } => pod.outcome.status(),
            OpBody::FailedAttemptRecorded { .. } => StopStatus::Failed,
            OpBody::StopAdvanced { status, .. } => *status,
            OpBody::ConditionNoteRecorded { .. } | OpBody::DeliveryResolved { .. } => return None,
        };
        let stop_id = body.stop_id();
        self.log += 1;
        let log = self.log;
        let state = self
            .routes
            .values_mut()
            .find(|s| s.route.stops.iter().any(|st| st.id == stop_id))?;
        if state.cancelled.contains(&stop_id) {
            return Some("dispatch cancelled this stop before it was delivered".into());
        }
        let stop = state.route.stops.iter_mut().find(|s| s.id == stop_id)?;
        if rank(to) > rank(stop.status) {
            stop.status = to;
            state.version = log;
        }
        None
    }

    fn pull(&mut self, req: &Request) -> Response {
        let body: PullRequest = serde_json::from_slice(&req.body).expect("pull request");
        self.pull_cursors.push(body.cursor);
        let skip = if body.cursor > 0 {
            self.skip_in_next_pull.take()
        } else {
            None
        };
        let routes = self
            .routes
            .values()
            .filter(|s| s.version > body.cursor && Some(s.route.id) != skip)
            .cloned()
            .collect();
        let removed = if body.cursor == 0 {
            vec![]
        } else {
            self.removed
                .iter()
                .filter(|(at, _)| *at > body.cursor)
                .map(|(_, id)| *id)
                .collect()
        };
        let mut versions: Vec<(Uuid, u64)> = self
            .routes
            .values()
            .map(|s| (s.route.id, s.version))
            .collect();
        let acked_seq = self
            .ops
            .keys()
            .filter(|k| k.0 == body.device_id && k.1 == body.epoch)
            .map(|k| k.2)
            .max()
            .unwrap_or(0);
        Response::json(
            200,
            &PullResponse {
                cursor: self.log,
                routes,
                removed,
                scope_checksum: scope_checksum(&mut versions),
                acked_seq,
                rejections: self.rejections.clone(),
            },
        )
    }

    fn patch(&mut self, sha: &str, req: &Request) -> Result<Response, TransportError> {
        let offset: usize = req.get_header("upload-offset").unwrap().parse().unwrap();
        let total: usize = req.get_header("upload-length").unwrap().parse().unwrap();
        let blob = self.blobs.entry(sha.to_owned()).or_default();
        if blob.0.len() != offset {
            return Ok(error(409, "conflict", "offset does not match")
                .with_header("Upload-Offset", blob.0.len()));
        }
        let mut chunk = req.body.as_slice();
        let cut = self
            .cut_blob_at
            .filter(|at| offset + chunk.len() > *at)
            .inspect(|at| chunk = &chunk[..at - offset]);
        blob.0.extend_from_slice(chunk);
        if cut.is_some() {
            self.cut_blob_at = None;
            return Err(TransportError::Cut("connection reset mid-upload".into()));
        }
        if blob.0.len() == total {
            if std::mem::take(&mut self.corrupt_next_blob) {
                blob.0[total / 2] ^= 0xFF;
            }
            if sha256_hex(&blob.0) != sha {
                self.blobs.remove(sha);
                return Ok(error(
                    422,
                    "hash_mismatch",
                    "the bytes do not hash to the photo's name",
                ));
            }
            blob.1 = true;
        }
        let held = self.blobs[sha].0.len();
        Ok(Response::new(204).with_header("Upload-Offset", held))
    }
}

/// A planner with today's demo route for this device's courier, and the device enrolled and
/// synced once.
fn synced() -> (FakePlanner, Device, Route) {
    let planner = FakePlanner::new();
    let mut dev = Device::empty();
    let route = demo::amsterdam_route(dev.clock.today(), &*dev.clock);
    planner.assign(route.clone());
    sync::enroll(&mut dev.store, &planner, URL, CODE).expect("enrols");
    SyncEngine::default()
        .sync_once(&mut dev.store, &planner)
        .expect("first sync");
    (planner, dev, route)
}

fn engine() -> SyncEngine {
    SyncEngine::default()
}

fn outbox_seqs(dev: &Device) -> Vec<u64> {
    dev.store
        .outbox()
        .entries()
        .unwrap()
        .iter()
        .map(|e| e.op.seq)
        .collect()
}

fn count(dev: &Device, table: &str) -> i64 {
    let conn = Connection::open(dev.dir.path().join("doorstep.db")).unwrap();
    conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

fn sync_error(e: FieldError) -> SyncError {
    match e {
        FieldError::Sync(e) => e,
        other => panic!("expected a sync error, got {other:?}"),
    }
}

#[test]
fn enrolment_stores_the_planner_and_keeps_the_token_out_of_sight() {
    let planner = FakePlanner::new();
    let mut dev = Device::empty();
    let bad = sync::enroll(&mut dev.store, &planner, "ftp://planner.test", CODE).unwrap_err();
    assert!(
        matches!(sync_error(bad), SyncError::BadAddress(_)),
        "only http(s) addresses are planners"
    );
    let wrong = sync::enroll(&mut dev.store, &planner, URL, "NOPE").unwrap_err();
    assert_eq!(
        wrong.to_string(),
        "The planner refused the enrolment code: this enrolment code is unknown or already used",
        "a wrong code is refused in the planner's plain words"
    );
    assert_eq!(
        dev.store.sync_state().unwrap().planner_url,
        None,
        "a refused enrolment stores nothing"
    );

    let enrolled = sync::enroll(&mut dev.store, &planner, "https://planner.test/", CODE).unwrap();
    assert_eq!(
        enrolled.planner_url, URL,
        "the address is kept without a trailing slash"
    );
    assert_eq!(enrolled.user_name, "Sanne Bakker");
    let state = dev.store.sync_state().unwrap();
    assert_eq!(
        state.planner_url.as_deref(),
        Some(URL),
        "the planner is remembered"
    );
    let shown = serde_json::to_string(&state).unwrap() + &serde_json::to_string(&enrolled).unwrap();
    assert!(
        !shown.contains(TOKEN),
        "the token never appears in what the device shows"
    );
    let request = Request::new(Method::Post, "/v1/sync/push")
        .header("authorization", format!("Bearer {TOKEN}"));
    assert!(
        !format!("{request:?}").contains(TOKEN),
        "a logged request hides the token"
    );
    let again = sync::enroll(&mut dev.store, &planner, URL, CODE).unwrap_err();
    assert!(
        matches!(sync_error(again), SyncError::CodeRefused(_)),
        "a code works once"
    );
}

#[test]
fn pulled_routes_appear_with_their_stops() {
    let planner = FakePlanner::new();
    let mut dev = Device::empty();
    let today = demo::amsterdam_route(dev.clock.today(), &*dev.clock);
    let tomorrow_date = dev.clock.today().checked_add_days(Days::new(1)).unwrap();
    let tomorrow = demo::synthetic_route(tomorrow_date, 12, &*dev.clock);
    planner.assign(today.clone());
    planner.assign(tomorrow.clone());
    planner.edit(today.id, |s| s.cancelled.push(s.route.stops[3].id));
    sync::enroll(&mut dev.store, &planner, URL, CODE).unwrap();

    let report = engine().sync_once(&mut dev.store, &planner).unwrap();
    assert!(report.full_pull, "the first pull asks for the whole scope");
    assert!(
        report.checksum_ok,
        "the device's routes match the planner's checksum"
    );
    assert_eq!(report.routes_updated, 2, "both assigned routes arrive");
    let view = dev.store.routes().today().unwrap();
    assert_eq!(
        view.route.as_ref().unwrap().id,
        today.id,
        "today's route is the planner's"
    );
    assert_eq!(view.stops.len(), today.stops.len(), "with all its stops");
    assert!(
        view.stops[3].cancelled,
        "a stop dispatch cancelled shows as cancelled"
    );
    assert!(!view.stops[0].cancelled);
    let detail = dev.store.stops().detail(today.stops[0].id).unwrap();
    assert_eq!(
        detail.lines, today.stops[0].lines,
        "order lines arrive as planned"
    );
    assert_eq!(
        dev.store.routes().on(tomorrow_date).unwrap(),
        Some(tomorrow.id),
        "tomorrow's route is there too"
    );
    let state = dev.store.sync_state().unwrap();
    assert_eq!(
        state.last_sync_at.as_deref(),
        Some("2026-11-25T09:00:00.000Z"),
        "the sync time comes from the device clock"
    );
    assert_eq!(state.last_error, None, "a clean sync leaves no error");

    let again = engine().sync_once(&mut dev.store, &planner).unwrap();
    assert!(!again.full_pull, "the next pull continues from the cursor");
    assert_eq!(
        again.routes_updated, 0,
        "nothing changed, nothing is rewritten"
    );
    assert_eq!(
        planner.with(|p| p.pull_cursors.clone()),
        vec![0, report.cursor],
        "the second pull starts where the first ended"
    );
    dev.store.check_integrity().unwrap();
}

#[test]
fn a_push_trims_the_outbox_and_what_remains_stays_contiguous() {
    let (planner, mut dev, _) = synced();
    for position in 1..=5 {
        let pod = dev.full_pod(position);
        dev.store.pods().record(pod).unwrap();
    }
    let small = SyncEngine {
        batch_ops: 2,
        ..SyncEngine::default()
    };
    planner.with(|p| p.budget = Some(1));
    let err = small.sync_once(&mut dev.store, &planner).unwrap_err();
    assert_eq!(err.to_string(), "Planner unreachable — will retry");
    assert_eq!(
        outbox_seqs(&dev),
        vec![3, 4, 5],
        "the acked batch is trimmed, the rest waits in order"
    );
    assert_eq!(dev.store.sync_state().unwrap().waiting_ops, 3);
    dev.store
        .check_integrity()
        .expect("a trimmed outbox is still contiguous");

    planner.with(|p| p.budget = None);
    let stop = dev.stop(6).summary.id;
    dev.store
        .stops()
        .advance(stop, StopStatus::EnRoute)
        .unwrap();
    assert_eq!(
        outbox_seqs(&dev),
        vec![3, 4, 5, 6],
        "new ops continue the numbering"
    );
    let report = small.sync_once(&mut dev.store, &planner).unwrap();
    assert_eq!(report.ops_acked, 4, "the rest goes in two batches");
    assert!(
        dev.store.outbox().is_empty().unwrap(),
        "a successful push drains the outbox"
    );
    assert_eq!(
        planner.stored_seqs(),
        (1..=6).collect::<Vec<_>>(),
        "the planner holds every op, in order, once"
    );
    dev.store.check_integrity().unwrap();
    let dev = dev.reopen();
    dev.store
        .check_integrity()
        .expect("an empty, fully acked outbox stays valid across restarts");
}

#[test]
fn a_lost_answer_is_sent_again_and_the_planner_applies_each_op_once() {
    let (planner, mut dev, _) = synced();
    for position in 1..=3 {
        let pod = dev.full_pod(position);
        dev.store.pods().record(pod).unwrap();
    }
    planner.with(|p| p.lose_answer_of = Some("/v1/sync/push"));
    let err = engine().sync_once(&mut dev.store, &planner).unwrap_err();
    assert!(sync_error(err).will_retry(), "a cut connection is retried");
    assert_eq!(
        dev.store.sync_state().unwrap().waiting_ops,
        3,
        "the device did not hear the ack, so it keeps the ops"
    );
    assert_eq!(
        planner.stored_seqs(),
        vec![1, 2, 3],
        "the planner committed them"
    );

    let report = engine().sync_once(&mut dev.store, &planner).unwrap();
    assert_eq!(report.ops_acked, 3, "the replay is acknowledged");
    assert!(dev.store.outbox().is_empty().unwrap());
    planner.with(|p| {
        assert!(
            p.applied.values().all(|n| *n == 1) && p.applied.len() == 3,
            "every op took effect exactly once: {:?}",
            p.applied
        )
    });
}

#[test]
fn a_photo_upload_resumes_from_the_planners_offset_after_a_cut() {
    let (planner, mut dev, _) = synced();
    let photo = dev
        .store
        .photos()
        .import_file(&testdata_photo("Landscape_1.jpg"))
        .unwrap();
    let total = photo.bytes as usize;
    assert!(
        total > 150_000,
        "the photo needs several chunks ({total} bytes)"
    );
    let mut pod = dev.full_pod(1);
    pod.photos = vec![photo.sha256.clone()];
    dev.store.pods().record(pod).unwrap();

    let engine = SyncEngine {
        chunk_bytes: 64 * 1024,
        ..SyncEngine::default()
    };
    planner.with(|p| p.cut_blob_at = Some(100_000));
    let err = engine.sync_once(&mut dev.store, &planner).unwrap_err();
    assert_eq!(
        err.to_string(),
        "The connection dropped during sync — will retry"
    );
    assert_eq!(
        dev.store.sync_state().unwrap().waiting_photo_bytes,
        photo.bytes,
        "the photo still waits"
    );
    assert!(
        dev.store.outbox().is_empty().unwrap(),
        "the proof itself went before its photo"
    );

    let report = engine.sync_once(&mut dev.store, &planner).unwrap();
    assert_eq!(report.photos_uploaded, 1);
    assert_eq!(
        report.photo_bytes_sent as usize,
        total - 100_000,
        "only the bytes the planner did not hold are sent again"
    );
    planner.with(|p| {
        let (bytes, complete) = &p.blobs[&photo.sha256];
        assert!(*complete, "the planner holds the whole photo");
        assert_eq!(sha256_hex(bytes), photo.sha256, "with the right hash");
    });
    assert_eq!(dev.store.sync_state().unwrap().waiting_photo_bytes, 0);
    let again = engine.sync_once(&mut dev.store, &planner).unwrap();
    assert_eq!(
        again.photo_bytes_sent, 0,
        "an uploaded photo is not sent again"
    );
}

#[test]
fn a_photo_that_arrives_damaged_is_reported_plainly_and_sent_again_next_round() {
    let (planner, mut dev, _) = synced();
    let photo = dev
        .store
        .photos()
        .import_file(&testdata_photo("Landscape_6.jpg"))
        .unwrap();
    let mut pod = dev.full_pod(2);
    pod.photos = vec![photo.sha256.clone()];
    dev.store.pods().record(pod).unwrap();
    planner.with(|p| p.corrupt_next_blob = true);

    let engine = SyncEngine {
        chunk_bytes: 64 * 1024,
        ..SyncEngine::default()
    };
    let report = engine.sync_once(&mut dev.store, &planner).unwrap();
    let problem = format!(
        "Photo {} arrived damaged at the planner — it will be sent again",
        &photo.sha256[..8]
    );
    assert_eq!(
        report.photo_problems,
        vec![problem.clone()],
        "the mismatch is named plainly"
    );
    assert_eq!(report.photos_uploaded, 0);
    let chunks = (photo.bytes as usize).div_ceil(64 * 1024);
    assert_eq!(
        planner.count(Method::Patch, "/v1/blobs/"),
        chunks,
        "one pass over the photo, no retry loop"
    );
    let state = dev.store.sync_state().unwrap();
    assert_eq!(
        state.last_error,
        Some(problem),
        "the courier sees why a photo still waits"
    );
    assert_eq!(state.waiting_photo_bytes, photo.bytes);

    let report = engine.sync_once(&mut dev.store, &planner).unwrap();
    assert_eq!(report.photos_uploaded, 1, "the next round sends it whole");
    assert_eq!(dev.store.sync_state().unwrap().last_error, None);
}

#[test]
fn a_status_moved_forward_locally_is_not_moved_back_by_a_pull() {
    let (planner, mut dev, route) = synced();
    let (s2, s3, s5) = (route.stops[1].id, route.stops[2].id, route.stops[4].id);
    dev.store.stops().advance(s2, StopStatus::Arrived).unwrap();
    let pod = dev.full_pod(3);
    dev.store.pods().record(pod).unwrap();
    dev.store.stops().advance(s5, StopStatus::EnRoute).unwrap();
    planner.edit(route.id, |s| {
        s.route.stops[1].address = "Prinsengracht 263, Amsterdam".into();
        s.route.stops[1].window_end = chrono::NaiveTime::from_hms_opt(17, 30, 0).unwrap();
        // Dispatch (or another of the courier's phones) knows stop 5 is further on.
        s.route.stops[4].status = StopStatus::Arrived;
    });

    let mut report = SyncReport::default();
    engine()
        .pull(&mut dev.store, &planner, &mut report)
        .unwrap();
    let stop2 = dev.store.stops().detail(s2).unwrap().summary;
    assert_eq!(
        stop2.status,
        StopStatus::Arrived,
        "the planner's 'pending' does not undo 'arrived'"
    );
    assert_eq!(
        stop2.address, "Prinsengracht 263, Amsterdam",
        "dispatch owns the address"
    );
    assert_eq!(stop2.window_end, "17:30", "and the time window");
    assert_eq!(
        dev.store.stops().detail(s3).unwrap().summary.status,
        StopStatus::Delivered,
        "a proof waiting to sync keeps its stop delivered"
    );
    assert_eq!(
        dev.store.stops().detail(s5).unwrap().summary.status,
        StopStatus::Arrived,
        "a status further on at the planner is taken"
    );
    assert_eq!(
        dev.store.outbox().len().unwrap(),
        3,
        "a pull never touches pending ops"
    );

    engine().sync_once(&mut dev.store, &planner).unwrap();
    assert_eq!(
        dev.store.stops().detail(s2).unwrap().summary.status,
        StopStatus::Arrived,
        "after the push the planner agrees"
    );
    dev.store.check_integrity().unwrap();
}

#[test]
fn the_courier_keeps_recording_on_another_connection_while_a_round_runs() {
    let (planner, mut dev, route) = synced();
    let stop = route.stops[0].id;
    let mut courier = Store::open(dev.dir.path(), dev.clock.clone()).unwrap();
    *planner.before_pull.borrow_mut() = Some(Box::new(move || {
        courier
            .stops()
            .advance(stop, StopStatus::EnRoute)
            .expect("the app writes while the sync holds no transaction");
    }));
    planner.edit(route.id, |s| {
        s.route.stops[0].instructions = Some("Ring twice, parcel box left of the door".into())
    });
    engine().sync_once(&mut dev.store, &planner).unwrap();
    let detail = dev.store.stops().detail(stop).unwrap();
    assert_eq!(
        detail.summary.status,
        StopStatus::EnRoute,
        "a status recorded during the round is not undone by its pull"
    );
    assert_eq!(
        detail.instructions.as_deref(),
        Some("Ring twice, parcel box left of the door"),
        "while dispatch's change still arrives"
    );
    assert_eq!(
        outbox_seqs(&dev),
        vec![1],
        "the new op waits for the next round"
    );
    dev.store.check_integrity().unwrap();
}

#[test]
fn a_removed_route_disappears_except_rows_that_unsynced_work_still_needs() {
    let (planner, mut dev, route) = synced();
    let photo = dev
        .store
        .photos()
        .import_file(&testdata_photo("Landscape_3.jpg"))
        .unwrap();
    let mut pod = dev.full_pod(3);
    pod.photos = vec![photo.sha256.clone()];
    let pod_id = dev.store.pods().record(pod).unwrap().id;
    let photo_path = dev.store.photos().path(&photo.sha256);
    planner.unassign(route.id);

    let mut report = SyncReport::default();
    engine()
        .pull(&mut dev.store, &planner, &mut report)
        .unwrap();
    assert_eq!(report.routes_removed, 1);
    assert!(
        dev.store.routes().today().unwrap().route.is_none(),
        "a route that left the courier's scope is no longer shown"
    );
    assert_eq!(
        dev.store
            .stops()
            .detail(route.stops[3].id)
            .unwrap_err()
            .code(),
        "not_found",
        "stops without unsynced work are gone at once"
    );
    let kept = dev.store.stops().detail(route.stops[2].id).unwrap();
    assert_eq!(
        kept.pods[0].id, pod_id,
        "the stop with a proof waiting to sync stays, with it"
    );
    assert_eq!(count(&dev, "stops"), 1);
    dev.store.check_integrity().unwrap();

    let mut report = SyncReport::default();
    engine()
        .push(&mut dev.store, &planner, &mut report)
        .unwrap();
    assert!(
        dev.store.stops().detail(route.stops[2].id).is_ok(),
        "its photo has not reached the planner yet, so the stop still stays"
    );
    engine().sync_once(&mut dev.store, &planner).unwrap();
    assert_eq!(
        count(&dev, "stops"),
        0,
        "once everything is synced the stop goes too"
    );
    assert_eq!(count(&dev, "pods"), 0, "with its proof");
    assert_eq!(count(&dev, "routes"), 0, "and the route");
    assert_eq!(count(&dev, "photos"), 0, "and the photo row");
    assert!(!photo_path.exists(), "and the photo file");
    planner.with(|p| assert!(p.blobs[&photo.sha256].1, "the planner has the photo"));
    dev.store.check_integrity().unwrap();
}

#[test]
fn a_checksum_mismatch_triggers_a_full_re_pull_without_losing_local_work() {
    let (planner, mut dev, route) = synced();
    let stop1 = route.stops[0].id;
    dev.store
        .stops()
        .advance(stop1, StopStatus::EnRoute)
        .unwrap();
    let tomorrow = dev.clock.today().checked_add_days(Days::new(1)).unwrap();
    let extra = demo::synthetic_route(tomorrow, 5, &*dev.clock);
    planner.assign(extra.clone());
    planner.with(|p| p.skip_in_next_pull = Some(extra.id));
    let before = planner.with(|p| p.pull_cursors.len());

    let mut report = SyncReport::default();
    engine()
        .pull(&mut dev.store, &planner, &mut report)
        .unwrap();
    let cursors = planner.with(|p| p.pull_cursors[before..].to_vec());
    assert_eq!(cursors.len(), 2, "one incremental pull, then one full pull");
    assert!(
        cursors[0] > 0 && cursors[1] == 0,
        "the second starts from 0: {cursors:?}"
    );
    assert!(
        report.full_pull && report.checksum_ok,
        "after the full pull the scopes agree"
    );
    assert_eq!(
        dev.store.routes().on(tomorrow).unwrap(),
        Some(extra.id),
        "the skipped route arrives"
    );
    assert_eq!(
        dev.store.stops().detail(stop1).unwrap().summary.status,
        StopStatus::EnRoute,
        "local work survives the re-pull"
    );
    assert_eq!(outbox_seqs(&dev), vec![1], "and its op still waits");
}

#[test]
fn a_rejected_op_is_acknowledged_and_shown_to_the_courier() {
    let (planner, mut dev, route) = synced();
    planner.edit(route.id, |s| s.cancelled.push(s.route.stops[6].id));
    let pod = dev.full_pod(7);
    dev.store.pods().record(pod).unwrap();
    let report = engine().sync_once(&mut dev.store, &planner).unwrap();
    assert_eq!(report.new_rejections, 1);
    assert!(
        dev.store.outbox().is_empty().unwrap(),
        "a rejected op never blocks the outbox"
    );
    let state = dev.store.sync_state().unwrap();
    assert_eq!(state.unseen_rejections, 1, "the courier is told");
    let list = dev.store.rejections().list().unwrap();
    assert_eq!(
        list[0].reason,
        "dispatch cancelled this stop before it was delivered"
    );
    assert_eq!(
        list[0].customer_name.as_deref(),
        Some(route.stops[6].customer_name.as_str())
    );
    assert!(
        dev.stop(7).summary.cancelled,
        "the pull shows the stop cancelled"
    );
    engine().sync_once(&mut dev.store, &planner).unwrap();
    assert_eq!(
        dev.store.rejections().list().unwrap().len(),
        1,
        "the same rejection pulled again is stored once"
    );
    assert_eq!(dev.store.rejections().mark_seen().unwrap(), 1);
    assert_eq!(dev.store.sync_state().unwrap().unseen_rejections, 0);
}

#[test]
fn transport_errors_become_plain_words_in_last_error() {
    let planner = FakePlanner::new();
    let mut dev = Device::empty();
    let err = engine().sync_once(&mut dev.store, &planner).unwrap_err();
    assert_eq!(err.code(), "not_enrolled", "the UI offers to enrol");
    assert_eq!(
        dev.store.sync_state().unwrap().last_error.as_deref(),
        Some("This device is not connected to a planner yet: enrol it with a code from dispatch")
    );
    sync::enroll(&mut dev.store, &planner, URL, CODE).unwrap();

    type Fault = fn(&mut PlannerState);
    let cases: [(Fault, &str, bool); 3] = [
        (|p| p.down = true, "Planner unreachable — will retry", true),
        (
            |p| p.time_out_next = true,
            "The planner did not answer in time — will retry",
            true,
        ),
        (
            |p| p.revoked = true,
            "This device was revoked: enrol it again",
            false,
        ),
    ];
    for (fault, words, retry) in cases {
        planner.with(fault);
        let err = sync_error(engine().sync_once(&mut dev.store, &planner).unwrap_err());
        assert_eq!(err.will_retry(), retry, "{words}");
        assert_eq!(
            dev.store.sync_state().unwrap().last_error.as_deref(),
            Some(words),
            "the courier reads what happened"
        );
        planner.with(|p| {
            p.down = false;
            p.revoked = false;
        });
    }
    engine().sync_once(&mut dev.store, &planner).unwrap();
    let state = dev.store.sync_state().unwrap();
    assert_eq!(state.last_error, None, "a good round clears the error");
    assert!(state.last_sync_at.is_some(), "and records when it happened");
}

#[test]
fn backoff_grows_caps_and_jitters() {
    let backoff = Backoff {
        base: Duration::from_secs(1),
        cap: Duration::from_secs(60),
    };
    let mut low = || 0.0;
    let floors: Vec<f64> = (0..10)
        .map(|a| backoff.delay(a, &mut low).as_secs_f64())
        .collect();
    assert_eq!(
        floors,
        vec![0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0, 30.0],
        "the shortest wait doubles each attempt until the cap"
    );
    let mut high = || 0.999_999;
    for attempt in [0, 5, 6, 40, u32::MAX] {
        assert!(
            backoff.delay(attempt, &mut high) <= backoff.cap,
            "no wait exceeds the cap (attempt {attempt})"
        );
    }
    let mut rng = SplitMix64::new(7);
    let draws: Vec<Duration> = (0..100).map(|_| backoff.delay(3, &mut rng)).collect();
    assert!(
        draws.iter().all(|d| (4.0..=8.0).contains(&d.as_secs_f64())),
        "retry 3 waits between half the ceiling and the ceiling"
    );
    let distinct: std::collections::HashSet<_> = draws.iter().collect();
    assert!(distinct.len() > 90, "jitter spreads the waits");
    let mut a = SplitMix64::new(42);
    let mut b = SplitMix64::new(42);
    assert_eq!(
        (0..5).map(|_| a.unit().to_bits()).collect::<Vec<_>>(),
        (0..5).map(|_| b.unit().to_bits()).collect::<Vec<_>>(),
        "the same seed replays the same waits"
    );
}

#[test]
fn the_http_transport_reports_a_closed_port_as_unreachable() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let transport = HttpTransport::new(&format!("http://127.0.0.1:{port}")).unwrap();
    let err = transport
        .send(&Request::new(Method::Get, "/healthz"))
        .unwrap_err();
    assert!(matches!(err, TransportError::Unreachable(_)), "{err:?}");
}

#[test]
fn the_http_transport_gives_up_on_a_silent_planner() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let held = std::thread::spawn(move || listener.accept().map(|(s, _)| s));
    let transport =
        HttpTransport::with_timeouts(&url, Duration::from_secs(2), Duration::from_millis(300))
            .unwrap();
    let err = transport
        .send(&Request::new(Method::Get, "/healthz"))
        .unwrap_err();
    assert_eq!(
        err,
        TransportError::TimedOut,
        "a planner that never answers times out"
    );
    drop(held.join());
}

#[test]
fn the_http_transport_carries_method_headers_and_body_both_ways() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut head = vec![];
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line == "\r\n" {
                break;
            }
            head.push(line.trim_end().to_owned());
        }
        let length: usize = head
            .iter()
            .find_map(|h| {
                h.to_ascii_lowercase()
                    .strip_prefix("content-length: ")
                    .map(|v| v.parse().unwrap())
            })
            .unwrap();
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        let mut out = stream;
        out.write_all(b"HTTP/1.1 204 No Content\r\nUpload-Offset: 5\r\nConnection: close\r\n\r\n")
            .unwrap();
        (head, body)
    });
    let transport = HttpTransport::new(&url).unwrap();
    let answer = transport
        .send(
            &Request::new(Method::Patch, "/v1/blobs/abc")
                .header("Upload-Offset", 0)
                .header("Upload-Length", 5)
                .body(b"hello".to_vec()),
        )
        .unwrap();
    assert_eq!(answer.status, 204);
    assert_eq!(
        answer.header("upload-offset"),
        Some("5"),
        "headers are read case-insensitively"
    );
    let (head, body) = server.join().unwrap();
    assert_eq!(
        head[0], "PATCH /v1/blobs/abc HTTP/1.1",
        "method and path travel as given"
    );
    assert!(
        head.iter()
            .any(|h| h.eq_ignore_ascii_case("upload-length: 5")),
        "custom headers travel: {head:?}"
    );
    assert_eq!(body, b"hello", "the body travels as raw bytes");
}

// The background loop (`doorstep_field::sync::background`): the app's sync thread and
// `doorstep-field work` run it; these drive it round by round, then on its own thread.

/// The in-memory planner by reference, as the loop's transport.
struct Via<'a>(&'a FakePlanner);

impl Transport for Via<'_> {
    fn send(&self, request: &Request) -> Result<Response, TransportError> {
        self.0.handle(request)
    }
}

/// No network at all: every request fails to connect.
struct Down;

impl Transport for Down {
    fn send(&self, _: &Request) -> Result<Response, TransportError> {
        Err(TransportError::Unreachable("no network".into()))
    }
}

fn loop_settings() -> sync::LoopSettings {
    sync::LoopSettings {
        idle: Duration::from_secs(30),
        backoff: Backoff {
            base: Duration::from_secs(2),
            cap: Duration::from_secs(300),
        },
        engine: engine(),
    }
}

#[test]
fn the_loop_backs_off_after_each_failure_and_idles_after_a_good_round() {
    let (planner, dev, _) = synced();
    let store = Store::open(dev.dir.path(), dev.clock.clone()).unwrap();
    let mut lp = sync::SyncLoop::new(store, loop_settings(), |_: &str| Ok(Via(&planner)));
    let mut events = vec![];
    planner.with(|p| p.down = true);
    for attempt in 0..4u32 {
        let wait = lp.turn(&mut |e| events.push(e));
        let ceiling = Duration::from_secs(2 << attempt);
        assert!(
            wait >= ceiling / 2 && wait <= ceiling,
            "failure {} waits {wait:?}, between half and all of {ceiling:?}",
            attempt + 1
        );
    }
    assert_eq!(lp.failures(), 4, "four failed rounds in a row are counted");
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e, sync::LoopEvent::Failed(w) if w.contains("unreachable")))
            .count(),
        4,
        "each failure is told in plain words: {events:?}"
    );

    planner.with(|p| p.down = false);
    events.clear();
    let wait = lp.turn(&mut |e| events.push(e));
    assert_eq!(
        wait,
        Duration::from_secs(30),
        "after a good round the loop idles"
    );
    assert_eq!(lp.failures(), 0, "a good round resets the backoff");
    assert!(
        matches!(
            events.as_slice(),
            [sync::LoopEvent::Started, sync::LoopEvent::Synced(_)]
        ),
        "the round is announced, then reported: {events:?}"
    );
    assert_eq!(
        lp.store().sync_state().unwrap().last_error,
        None,
        "the good round cleared the error the courier saw"
    );
}

#[test]
fn an_unenrolled_phone_waits_for_a_wake_and_calls_no_planner() {
    let dev = Device::empty();
    let store = Store::open(dev.dir.path(), dev.clock.clone()).unwrap();
    let connects = std::cell::Cell::new(0);
    let mut lp = sync::SyncLoop::new(store, loop_settings(), |_: &str| {
        connects.set(connects.get() + 1);
        Ok(Down)
    });
    let mut events = vec![];
    let wait = lp.turn(&mut |e| events.push(e));
    assert_eq!(
        events,
        vec![sync::LoopEvent::NotEnrolled],
        "no round without a planner"
    );
    assert_eq!(wait, Duration::from_secs(30), "it idles until a wake");
    assert_eq!(connects.get(), 0, "no connection is attempted");
    assert_eq!(lp.failures(), 0, "waiting to enrol is not a failure");
}

#[test]
fn a_wake_runs_a_round_at_once_even_while_backing_off_and_finish_runs_a_last_one() {
    let (_planner, dev, _) = synced();
    let store = Store::open(dev.dir.path(), dev.clock.clone()).unwrap();
    // An hour of idling and of backoff: every round after the first is a wake's.
    let hour = Duration::from_secs(3600);
    let settings = sync::LoopSettings {
        idle: hour,
        backoff: Backoff {
            base: hour,
            cap: hour,
        },
        engine: engine(),
    };
    let (tx, events) = std::sync::mpsc::channel();
    let handle = sync::SyncLoop::new(store, settings, |_: &str| Ok(Down))
        .spawn(move |e| {
            let _ = tx.send(e);
        })
        .unwrap();
    let next = || events.recv_timeout(Duration::from_secs(20));
    let round = |what: &str| {
        assert_eq!(
            next(),
            Ok(sync::LoopEvent::Started),
            "{what} starts a round"
        );
        assert!(
            matches!(next(), Ok(sync::LoopEvent::Failed(_))),
            "{what}: the round fails without a network"
        );
    };
    round("starting the loop");
    handle.wake();
    round("a wake during an hour's backoff");
    handle.finish().unwrap();
    round("finishing");
    assert_eq!(
        events.recv_timeout(Duration::from_secs(20)),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected),
        "after the last round the loop has ended"
    );
}
