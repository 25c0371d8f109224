//! The storage conformance suite: every rule of the `Storage` trait, run on SQLite and on
//! PostgreSQL (`on_both_stores!` at the bottom). A backend passes only if it behaves the same.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use doorstep_domain::sync::{scope_checksum, Op, OpBody, PullRequest, PushRequest};
use doorstep_domain::{sha256_hex, Clock, FakeClock, Pod, PodOutcome, StopStatus};
use doorstep_planner::auth::hash_secret;
use doorstep_planner::demo::{seed, Demo};
use doorstep_planner::storage::{Principal, StopEdit, Storage, StorageError};
use uuid::Uuid;

use crate::{Backing, TestDb};

struct Fixture {
    db: TestDb,
    storage: Arc<dyn Storage>,
    demo: Demo,
    clock: FakeClock,
}

fn fixture(backing: Backing) -> Fixture {
    let db = TestDb::new(backing);
    let storage = db.open();
    let clock = FakeClock::at(Utc.with_ymd_and_hms(2026, 11, 25, 7, 0, 0).unwrap());
    let demo = seed(&*storage, &clock).unwrap();
    Fixture {
        db,
        storage,
        demo,
        clock,
    }
}

impl Fixture {
    fn courier(&self, name: &str) -> (Uuid, String, Uuid) {
        let u = self.demo.users.iter().find(|u| u.name == name).unwrap();
        (u.user_id, u.enrolment_code.clone(), u.route_id.unwrap())
    }

    /// Enrols a new device for `name`; returns who it is and its token.
    fn enrol(&self, name: &str) -> Principal {
        let (_, code, _) = self.courier(name);
        let token = format!("token-{}", self.clock.new_id());
        let (who, tenant_name) = self
            .storage
            .enroll(
                &hash_secret(&code),
                self.clock.new_id(),
                Some("test phone"),
                &hash_secret(&token),
                self.clock.now(),
            )
            .unwrap();
        assert_eq!(
            tenant_name, "Doorstep Demo Amsterdam",
            "enrolment answers with the name of the tenant the code belongs to"
        );
        who
    }

    fn route(&self, route: Uuid) -> doorstep_planner::storage::RouteReport {
        self.storage
            .route_report(self.demo.tenant_id, route)
            .unwrap()
    }

    fn stop(&self, route: Uuid, position: u32) -> Uuid {
        self.route(route).route.stops[position as usize - 1].id
    }

    fn pod(&self, stop_id: Uuid) -> OpBody {
        OpBody::PodRecorded {
            pod: Pod {
                id: self.clock.new_id(),
                stop_id,
                recipient_name: "Ana de Vries".into(),
                signature: None,
                photos: vec![],
                gps: None,
                lines: vec![],
                outcome: PodOutcome::Delivered,
                corrects: None,
                captured_at: self.clock.now(),
            },
        }
    }
}

fn op(who: &Principal, epoch: u32, seq: u64, body: OpBody) -> Op {
    let sha256 = sha256_hex(&serde_json::to_vec(&body).unwrap());
    Op {
        device_id: who.device_id.unwrap(),
        epoch,
        seq,
        sha256,
        body,
    }
}

fn push_answer(
    f: &Fixture,
    who: &Principal,
    ops: Vec<Op>,
) -> doorstep_planner::storage::Result<doorstep_domain::sync::PushResponse> {
    let req = PushRequest {
        device_id: who.device_id.unwrap(),
        epoch: 1,
        ops,
    };
    f.storage.push(who, &req, f.clock.now())
}

fn push(f: &Fixture, who: &Principal, ops: Vec<Op>) -> doorstep_planner::storage::Result<u64> {
    Ok(push_answer(f, who, ops)?.acked_seq)
}

fn pull(f: &Fixture, who: &Principal, cursor: u64) -> doorstep_domain::sync::PullResponse {
    f.storage
        .pull(
            who,
            &PullRequest {
                device_id: who.device_id.unwrap(),
                epoch: 1,
                cursor,
            },
        )
        .unwrap()
}

fn enrolment_codes_are_single_use_expire_and_tokens_can_be_revoked(backing: Backing) {
    let f = fixture(backing);
    let (_, code, _) = f.courier("Sam Courier");
    let who = f.enrol("Sam Courier");
    assert_eq!(
        who.user_name, "Sam Courier",
        "a device token resolves to the person the code was made for"
    );
    let again = f.storage.enroll(
        &hash_secret(&code),
        f.clock.new_id(),
        None,
        &hash_secret("another"),
        f.clock.now(),
    );
    assert!(
        matches!(&again, Err(StorageError::Unauthorized(m)) if m.contains("used already")),
        "{again:?}"
    );

    // Noor's code is only valid for 7 days.
    f.clock.advance(Duration::days(8).num_milliseconds());
    let (_, noor_code, _) = f.courier("Noor Courier");
    let late = f.storage.enroll(
        &hash_secret(&noor_code),
        f.clock.new_id(),
        None,
        &hash_secret("late"),
        f.clock.now(),
    );
    assert!(
        matches!(&late, Err(StorageError::Unauthorized(m)) if m.contains("expired")),
        "{late:?}"
    );

    assert!(
        f.storage
            .principal(&hash_secret("nobody"))
            .unwrap()
            .is_none(),
        "a token the planner never issued belongs to nobody"
    );
    let device = who.device_id.unwrap();
    f.storage
        .revoke_device(f.demo.tenant_id, device, f.clock.now())
        .unwrap();
    let unknown = f
        .storage
        .revoke_device(f.demo.tenant_id, Uuid::from_u128(1), f.clock.now());
    assert!(
        matches!(unknown, Err(StorageError::NotFound(_))),
        "revoking a device the tenant does not have is refused as not found"
    );
    // The dispatcher's token still works; Sam's device is gone.
    let dispatcher = f
        .storage
        .principal(&hash_secret(&f.demo.dispatcher_token))
        .unwrap()
        .unwrap();
    assert_eq!(
        dispatcher.user_name, "Dana Dispatch",
        "a user token resolves to the dispatcher it was issued to"
    );
    assert_eq!(
        dispatcher.device_id, None,
        "a user token is no device's, so it names no device"
    );
}

/// Found by the simulation: a phone whose enrolment answer was lost on the way held no token,
/// and every later code was refused for its device id. The same phone, for the same person,
/// may enrol again with a fresh code; another person's code may not take it over.
fn a_phone_whose_enrolment_answer_was_lost_can_enrol_again(backing: Backing) {
    let f = fixture(backing);
    let (sam, _, _) = f.courier("Sam Courier");
    let first = f.enrol("Sam Courier"); // the answer never reached the phone
    let device = first.device_id.unwrap();
    let code = "SECOND-CODE";
    f.storage
        .add_enrolment_code(
            f.demo.tenant_id,
            sam,
            &hash_secret(code),
            f.clock.now() + Duration::days(1),
        )
        .unwrap();
    let (again, _) = f
        .storage
        .enroll(
            &hash_secret(code),
            device,
            None,
            &hash_secret("new token"),
            f.clock.now(),
        )
        .unwrap();
    assert_eq!(
        again.device_id,
        Some(device),
        "the phone that enrols again keeps its own device id"
    );
    assert_eq!(
        again.user_id, sam,
        "the phone that enrols again is still the same person's"
    );
    let now = f
        .storage
        .principal(&hash_secret("new token"))
        .unwrap()
        .unwrap();
    assert_eq!(now.device_id, Some(device), "the new token works");

    let (_, noor_code, _) = f.courier("Noor Courier");
    let taken = f.storage.enroll(
        &hash_secret(&noor_code),
        device,
        None,
        &hash_secret("noor's token"),
        f.clock.now(),
    );
    assert!(
        matches!(&taken, Err(StorageError::Conflict(m)) if m.contains("someone else")),
        "{taken:?}"
    );
    assert!(
        f.storage
            .principal(&hash_secret("noor's token"))
            .unwrap()
            .is_none(),
        "another person's code cannot take over the phone: their token is not issued"
    );
    let unused = f.storage.enroll(
        &hash_secret(&noor_code),
        f.clock.new_id(),
        None,
        &hash_secret("noor's token"),
        f.clock.now(),
    );
    assert!(
        unused.is_ok(),
        "a refused enrolment does not use up the code: {unused:?}"
    );
}

/// Found by the simulation: a GPS fix such as 52.387499999999996 came back from JSON one bit
/// off, so the planner's hash of the op differed from the phone's and the push was refused,
/// blocking the outbox behind it for ever.
fn an_op_with_any_gps_fix_keeps_its_hash(backing: Backing) {
    let f = fixture(backing);
    let who = f.enrol("Sam Courier");
    let (_, _, route) = f.courier("Sam Courier");
    let mut body = f.pod(f.stop(route, 1));
    if let OpBody::PodRecorded { pod } = &mut body {
        pod.gps = Some(doorstep_domain::GpsFix {
            lat: 52.3 + 875.0 / 10_000.0,
            lon: 4.8 + 821.0 / 10_000.0,
            accuracy_m: 11.0,
        });
    }
    assert_eq!(push(&f, &who, vec![op(&who, 1, 1, body)]).unwrap(), 1, "an op whose GPS fix is not exactly representable is stored and acked as the phone hashed it");
}

fn pushes_are_idempotent_contiguous_and_refuse_changed_content(backing: Backing) {
    let f = fixture(backing);
    let who = f.enrol("Sam Courier");
    let (_, _, route) = f.courier("Sam Courier");
    let bodies: Vec<OpBody> = (1..=3).map(|p| f.pod(f.stop(route, p))).collect();
    let ops: Vec<Op> = bodies
        .iter()
        .enumerate()
        .map(|(i, b)| op(&who, 1, i as u64 + 1, b.clone()))
        .collect();
    assert_eq!(
        push(&f, &who, ops.clone()).unwrap(),
        3,
        "three contiguous ops are all acked"
    );
    // The same ops again (an answer that was lost): acknowledged, applied once.
    assert_eq!(
        push(&f, &who, ops[1..].to_vec()).unwrap(),
        3,
        "a replay of stored ops is acknowledged up to what the planner holds"
    );
    let report = f.route(route);
    assert_eq!(
        report.events.len(),
        3,
        "replayed ops are applied once: one event each"
    );
    assert_eq!(
        report.route.stops[0].status,
        StopStatus::Delivered,
        "the first stop's POD delivered it"
    );

    let gap = push(&f, &who, vec![op(&who, 1, 5, f.pod(f.stop(route, 5)))]);
    assert!(matches!(gap, Err(StorageError::Gap(_))), "{gap:?}");
    let changed = push(&f, &who, vec![op(&who, 1, 2, f.pod(f.stop(route, 9)))]);
    assert!(
        matches!(&changed, Err(StorageError::Conflict(m)) if m.contains("different content")),
        "{changed:?}"
    );
    let mut forged = op(&who, 1, 4, f.pod(f.stop(route, 4)));
    forged.sha256 = sha256_hex(b"something else");
    let forged = push(&f, &who, vec![forged]);
    assert!(
        matches!(forged, Err(StorageError::Invalid(_))),
        "an op whose hash does not match its content is refused before anything is stored"
    );
    let mut foreign = op(&who, 1, 4, f.pod(f.stop(route, 4)));
    foreign.device_id = Uuid::from_u128(9);
    assert!(
        matches!(push(&f, &who, vec![foreign]), Err(StorageError::Invalid(_))),
        "an op naming another device than the push is refused"
    );
    let zero = f.storage.push(
        &who,
        &PushRequest {
            device_id: who.device_id.unwrap(),
            epoch: 0,
            ops: vec![],
        },
        f.clock.now(),
    );
    assert!(
        matches!(zero, Err(StorageError::Invalid(_))),
        "epoch 0 is not a valid epoch for a push"
    );
    // Nothing of the refused pushes was stored.
    assert_eq!(
        f.route(route).events.len(),
        3,
        "nothing of the refused pushes added an event"
    );
    assert_eq!(
        pull(&f, &who, 0).acked_seq,
        3,
        "a pull reports the device's acked seq"
    );
}

fn ops_that_break_a_rule_are_stored_acked_and_rejected_with_a_reason(backing: Backing) {
    let f = fixture(backing);
    let sam = f.enrol("Sam Courier");
    let (_, _, sams_route) = f.courier("Sam Courier");
    let (_, _, noors_route) = f.courier("Noor Courier");
    let cancelled = f.stop(sams_route, 1);
    f.storage
        .edit_stop(
            f.demo.tenant_id,
            cancelled,
            &StopEdit {
                cancelled: Some(true),
                ..StopEdit::default()
            },
        )
        .unwrap();
    let delivered = f.stop(sams_route, 2);
    let ops = vec![
        op(&sam, 1, 1, f.pod(cancelled)),
        op(&sam, 1, 2, f.pod(delivered)),
        op(
            &sam,
            1,
            3,
            OpBody::StopAdvanced {
                stop_id: delivered,
                status: StopStatus::Arrived,
                at: f.clock.now(),
            },
        ),
        op(&sam, 1, 4, f.pod(f.stop(noors_route, 1))),
        op(&sam, 1, 5, f.pod(Uuid::from_u128(77))),
    ];
    let answer = push_answer(&f, &sam, ops).unwrap();
    assert_eq!(
        answer.acked_seq, 5,
        "every op of the push is stored and acked, rejected ones included"
    );
    let reasons: HashMap<u64, String> = answer
        .rejections
        .iter()
        .map(|r| (r.seq, r.reason.clone()))
        .collect();
    assert_eq!(reasons.len(), 4, "{reasons:?}");
    assert!(reasons[&1].contains("cancelled"), "{}", reasons[&1]);
    assert!(
        !reasons.contains_key(&2),
        "the POD on a pending stop of the courier's own route is applied, not rejected"
    );
    assert!(
        reasons[&3].contains("Delivered") || reasons[&3].contains("delivered"),
        "a stop cannot go back to Arrived once delivered, and the reason says so"
    );
    assert!(
        reasons[&4].contains("not assigned to you"),
        "a POD for a stop on another courier's route is rejected as not theirs"
    );
    assert!(
        reasons[&5].contains("not known"),
        "a POD for a stop the planner does not know is rejected as unknown"
    );
    // The stop stays delivered; Noor's stop is untouched; the rejections come back on pull.
    let report = f.route(sams_route);
    assert_eq!(
        report.route.stops[1].status,
        StopStatus::Delivered,
        "the rejected advance leaves the delivered stop delivered"
    );
    assert_eq!(
        report.route.stops[0].status,
        StopStatus::Pending,
        "a POD on a cancelled stop is not applied: the stop stays pending"
    );
    assert!(
        f.route(noors_route).events.is_empty(),
        "the rejected POD left no event on Noor's route"
    );
    assert_eq!(
        pull(&f, &sam, 0).rejections.len(),
        4,
        "the four rejections come back to the device on pull"
    );
}

fn pulls_are_scoped_report_removals_and_checksum_the_scope(backing: Backing) {
    let f = fixture(backing);
    let sam = f.enrol("Sam Courier");
    let noor = f.enrol("Noor Courier");
    let (_, _, sams_route) = f.courier("Sam Courier");
    let (noor_id, _, noors_route) = f.courier("Noor Courier");

    let first = pull(&f, &sam, 0);
    assert_eq!(
        first.routes.len(),
        1,
        "Sam's first pull holds only his own route"
    );
    assert_eq!(
        first.routes[0].route.id, sams_route,
        "the route in Sam's scope is his"
    );
    assert_eq!(
        first.routes[0].route.stops.len(),
        30,
        "the route comes with all 30 of its stops"
    );
    assert!(
        first.removed.is_empty(),
        "nothing was removed from a scope the device has just received"
    );
    let mut versions = vec![(sams_route, first.routes[0].version)];
    assert_eq!(
        first.scope_checksum,
        scope_checksum(&mut versions),
        "the checksum covers exactly the routes in the scope, at their versions"
    );
    // Nothing changed: nothing comes.
    let idle = pull(&f, &sam, first.cursor);
    assert!(
        idle.routes.is_empty() && idle.removed.is_empty(),
        "a pull with nothing new returns no routes and no removals"
    );
    assert!(
        idle.cursor >= first.cursor,
        "the cursor never moves backwards"
    );

    // Dispatch gives Sam's route to Noor.
    let noor_first = pull(&f, &noor, 0);
    let v = f
        .storage
        .assign_route(f.demo.tenant_id, sams_route, noor_id)
        .unwrap();
    assert!(
        v > first.routes[0].version,
        "the reassignment gives the route a newer version"
    );
    let sam_after = pull(&f, &sam, first.cursor);
    assert_eq!(
        sam_after.removed,
        vec![sams_route],
        "the route given to Noor is reported to Sam as removed"
    );
    assert!(
        sam_after.routes.is_empty(),
        "a route that left Sam's scope is not sent to him"
    );
    assert_eq!(
        sam_after.scope_checksum,
        scope_checksum(&mut []),
        "Sam's scope is now empty, and the checksum says so"
    );
    let noor_after = pull(&f, &noor, noor_first.cursor);
    assert_eq!(
        noor_after.routes.len(),
        1,
        "Noor now pulls the route she was given"
    );
    assert_eq!(
        noor_after.routes[0].route.id, sams_route,
        "the route in Noor's scope is the one taken from Sam"
    );
    assert_eq!(
        noor_after.routes[0].route.courier_name, "Noor Courier",
        "the route carries its new courier's name"
    );
    let mut noor_versions = vec![
        (noors_route, noor_first.routes[0].version),
        (sams_route, noor_after.routes[0].version),
    ];
    assert_eq!(
        noor_after.scope_checksum,
        scope_checksum(&mut noor_versions),
        "Noor's checksum covers her old route and the new one"
    );

    let ahead = f.storage.pull(
        &sam,
        &PullRequest {
            device_id: sam.device_id.unwrap(),
            epoch: 1,
            cursor: u64::MAX / 2,
        },
    );
    assert!(
        matches!(ahead, Err(StorageError::Invalid(_))),
        "a cursor ahead of the change log is refused"
    );
    let other = f.storage.pull(
        &sam,
        &PullRequest {
            device_id: noor.device_id.unwrap(),
            epoch: 1,
            cursor: 0,
        },
    );
    assert!(
        matches!(other, Err(StorageError::Forbidden(_))),
        "a device may pull only as itself, not as another device"
    );
}

/// Writers commit in a different order than they start; a device pulling all along must end
/// with every route at its final version (a cursor must never step over a late committer).
fn a_pull_cursor_never_skips_a_change_that_commits_late(backing: Backing) {
    let f = fixture(backing);
    let sam = f.enrol("Sam Courier");
    let (sam_id, _, route) = f.courier("Sam Courier");
    let others: Vec<Uuid> = ["Noor Courier", "Kees Courier"]
        .iter()
        .map(|n| f.courier(n).2)
        .collect();
    for r in &others {
        f.storage
            .assign_route(f.demo.tenant_id, *r, sam_id)
            .unwrap();
    }
    let routes = [route, others[0], others[1]];
    let stops: Vec<Vec<Uuid>> = routes
        .iter()
        .map(|r| f.route(*r).route.stops.iter().map(|s| s.id).collect())
        .collect();
    let done = std::sync::atomic::AtomicBool::new(false);
    let mut seen: HashMap<Uuid, u64> = HashMap::new();
    std::thread::scope(|s| {
        for stops in &stops {
            let storage = f.storage.clone();
            let tenant = f.demo.tenant_id;
            s.spawn(move || {
                for i in 0..60 {
                    let minute = (i % 50) as u32;
                    let edit = StopEdit {
                        window_end: Some(chrono::NaiveTime::from_hms_opt(20, minute, 0).unwrap()),
                        ..StopEdit::default()
                    };
                    storage
                        .edit_stop(tenant, stops[i % stops.len()], &edit)
                        .unwrap();
                }
            });
        }
        let mut cursor = 0;
        while !done.load(std::sync::atomic::Ordering::Relaxed) {
            let answer = pull(&f, &sam, cursor);
            for r in answer.routes {
                let v = seen.entry(r.route.id).or_default();
                assert!(r.version >= *v, "a route's version went back");
                *v = r.version;
            }
            cursor = answer.cursor;
            if s_finished(&stops, &f) {
                done.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        }
        // One more pull after the writers are done; a change the cursor stepped over would
        // never come, and the check below would fail.
        let answer = pull(&f, &sam, cursor);
        for r in answer.routes {
            seen.insert(r.route.id, r.version);
        }
    });
    for r in routes {
        assert_eq!(
            seen.get(&r).copied(),
            Some(f.route(r).version),
            "the device missed the last change of route {r}"
        );
    }
}

/// True once every writer's 60 edits have landed (each edit bumps its route's version once).
fn s_finished(stops: &[Vec<Uuid>], f: &Fixture) -> bool {
    let total: u64 = stops
        .iter()
        .map(|s| {
            let route = f
                .storage
                .route_report(f.demo.tenant_id, route_of(f, s[0]))
                .unwrap();
            route.version
        })
        .sum();
    // Each route starts at version 1 (saved) and Noor's and Kees's got one more (assigned).
    total >= 3 * 60 + 3 + 2
}

fn route_of(f: &Fixture, stop: Uuid) -> Uuid {
    f.demo
        .users
        .iter()
        .filter_map(|u| u.route_id)
        .find(|r| f.route(*r).route.stops.iter().any(|s| s.id == stop))
        .unwrap()
}

fn the_same_push_sent_twice_at_once_stores_each_op_once(backing: Backing) {
    let f = fixture(backing);
    let sam = f.enrol("Sam Courier");
    let (_, _, route) = f.courier("Sam Courier");
    let ops: Vec<Op> = (1..=20)
        .map(|p| op(&sam, 1, p as u64, f.pod(f.stop(route, p))))
        .collect();
    let answers: Vec<u64> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| s.spawn(|| push(&f, &sam, ops.clone()).unwrap()))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        answers,
        vec![20; 4],
        "every concurrent copy of the push is acked up to the last op"
    );
    assert_eq!(
        f.route(route).events.len(),
        20,
        "concurrent copies of the same push stored each op once"
    );
}

fn photos_resume_by_offset_and_are_checked_by_hash(backing: Backing) {
    let f = fixture(backing);
    let t = f.demo.tenant_id;
    let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let sha = sha256_hex(&data);
    let total = data.len() as u64;
    assert_eq!(
        f.storage.blob_offset(t, &sha).unwrap(),
        0,
        "nothing is held of a photo before its first chunk"
    );
    assert_eq!(
        f.storage
            .blob_append(t, &sha, 0, total, &data[..30_000])
            .unwrap(),
        30_000,
        "the first chunk is stored and the offset is where it ends"
    );
    assert_eq!(
        f.storage.blob_offset(t, &sha).unwrap(),
        30_000,
        "the planner reports where the upload stopped, so it can resume there"
    );
    let wrong_offset = f.storage.blob_append(t, &sha, 10, total, &data[10..20]);
    assert!(
        matches!(wrong_offset, Err(StorageError::Conflict(_))),
        "a chunk that does not start at the held offset is refused"
    );
    let other_length = f
        .storage
        .blob_append(t, &sha, 30_000, total + 1, &data[30_000..]);
    assert!(
        matches!(other_length, Err(StorageError::Conflict(_))),
        "a chunk that changes the photo's total length is refused"
    );
    assert!(f.storage.blob(t, &sha).unwrap().is_none(), "not whole yet");
    assert_eq!(
        f.storage
            .blob_append(t, &sha, 30_000, total, &data[30_000..])
            .unwrap(),
        total,
        "the last chunk completes the photo at its full length"
    );
    assert_eq!(
        f.storage.blob(t, &sha).unwrap().unwrap(),
        data,
        "the completed photo holds exactly the bytes sent"
    );
    // Sending it again is harmless.
    assert_eq!(
        f.storage.blob_append(t, &sha, 0, total, &data).unwrap(),
        total,
        "sending a complete photo again is acknowledged at its full length"
    );

    // Bytes that do not match their name are dropped whole.
    let liar = sha256_hex(b"not these bytes");
    let refused = f.storage.blob_append(t, &liar, 0, 5, b"abcde");
    assert!(
        matches!(refused, Err(StorageError::HashMismatch(_))),
        "a photo whose bytes do not match its SHA-256 name is refused"
    );
    assert_eq!(
        f.storage.blob_offset(t, &liar).unwrap(),
        0,
        "the bytes of a photo with a wrong hash are dropped whole"
    );
    assert!(
        f.storage.blob(t, &liar).unwrap().is_none(),
        "a photo with a wrong hash is never served"
    );
    let huge = f.storage.blob_append(t, &liar, 0, 26 * 1024 * 1024, b"x");
    assert!(
        matches!(huge, Err(StorageError::TooLarge(_))),
        "a photo above the size limit is refused"
    );
    // Another tenant does not see it.
    assert!(
        f.storage.blob(Uuid::from_u128(3), &sha).unwrap().is_none(),
        "a photo stored for one tenant is not served to another"
    );
}

fn nothing_crosses_tenants(backing: Backing) {
    let f = fixture(backing);
    let other = seed(&*f.storage, &f.clock).unwrap();
    let (_, _, route) = f.courier("Sam Courier");
    let theirs = other.users[1].route_id.unwrap();
    let report = f.storage.route_report(f.demo.tenant_id, theirs);
    assert!(
        matches!(report, Err(StorageError::NotFound(_))),
        "dispatch cannot read another tenant's route report"
    );
    let edit = f.storage.edit_stop(
        f.demo.tenant_id,
        f.storage
            .route_report(other.tenant_id, theirs)
            .unwrap()
            .route
            .stops[0]
            .id,
        &StopEdit {
            cancelled: Some(true),
            ..StopEdit::default()
        },
    );
    assert!(
        matches!(edit, Err(StorageError::NotFound(_))),
        "dispatch cannot edit another tenant's stop"
    );
    // A courier of this tenant pushing a POD for the other tenant's stop: rejected, not applied.
    let sam = f.enrol("Sam Courier");
    let their_stop = f
        .storage
        .route_report(other.tenant_id, theirs)
        .unwrap()
        .route
        .stops[0]
        .id;
    let answer = push_answer(&f, &sam, vec![op(&sam, 1, 1, f.pod(their_stop))]).unwrap();
    assert_eq!(
        answer.rejections.len(),
        1,
        "the POD for another tenant's stop is rejected"
    );
    assert!(
        f.storage
            .route_report(other.tenant_id, theirs)
            .unwrap()
            .events
            .is_empty(),
        "the rejected POD left no event on the other tenant's route"
    );
    // Sam's pull holds only his own route.
    let answer = pull(&f, &sam, 0);
    assert_eq!(
        answer.routes.iter().map(|r| r.route.id).collect::<Vec<_>>(),
        vec![route],
        "a courier pulls only his own route, none of the other tenant's"
    );
}

fn dispatch_edits_are_checked_and_bump_the_version(backing: Backing) {
    let f = fixture(backing);
    let (_, _, route) = f.courier("Kees Courier");
    let before = f.route(route);
    let stop = before.route.stops[3].clone();
    let t = f.demo.tenant_id;
    let backwards = f.storage.edit_stop(
        t,
        stop.id,
        &StopEdit {
            window_end: Some(stop.window_start),
            address: Some("Elsewhere 1".into()),
            ..StopEdit::default()
        },
    );
    assert!(
        matches!(backwards, Err(StorageError::Invalid(_))),
        "a window that ends before it starts is refused"
    );
    let empty = f.storage.edit_stop(
        t,
        stop.id,
        &StopEdit {
            address: Some("   ".into()),
            ..StopEdit::default()
        },
    );
    assert!(
        matches!(empty, Err(StorageError::Invalid(_))),
        "a blank address is refused"
    );
    let unchanged = f.route(route);
    assert_eq!(
        unchanged.version, before.version,
        "a refused edit changes nothing"
    );
    assert_eq!(
        unchanged.route.stops[3].address, stop.address,
        "a refused edit leaves the stop's address as it was"
    );

    let nine = chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap();
    let eleven = chrono::NaiveTime::from_hms_opt(11, 30, 0).unwrap();
    let v = f
        .storage
        .edit_stop(
            t,
            stop.id,
            &StopEdit {
                address: Some(" Prinsengracht 263 ".into()),
                window_start: Some(nine),
                window_end: Some(eleven),
                cancelled: Some(true),
            },
        )
        .unwrap();
    assert!(
        v > before.version,
        "an edit gives the route a newer version"
    );
    let after = f.route(route);
    assert_eq!(
        after.version, v,
        "the route report shows the version the edit returned"
    );
    let s = &after.route.stops[3];
    assert_eq!(
        (s.address.as_str(), s.window_start, s.window_end),
        ("Prinsengracht 263", nine, eleven),
        "the edit changed exactly the address and the window"
    );
    assert_eq!(
        after.cancelled,
        vec![stop.id],
        "the cancelled stop is listed as cancelled"
    );
    assert_eq!(
        after.route.stops[3].lines, stop.lines,
        "lines survive the edit"
    );
    let dup = f.storage.save_route(t, &after.route, None);
    assert!(
        matches!(dup, Err(StorageError::Conflict(_))),
        "saving a route whose id exists already is a conflict"
    );
    let missing = f
        .storage
        .assign_route(t, Uuid::from_u128(5), Uuid::from_u128(6));
    assert!(
        matches!(missing, Err(StorageError::Invalid(_))),
        "assigning a route the tenant does not have is refused"
    );
}

/// A push is applied set-wise, but judged op by op in seq order: an op sees what the ops
/// before it in the same push did.
fn the_ops_of_one_push_are_judged_in_order(backing: Backing) {
    let f = fixture(backing);
    let sam = f.enrol("Sam Courier");
    let (_, _, route) = f.courier("Sam Courier");
    let stop = f.stop(route, 4);
    let advance = |status| OpBody::StopAdvanced {
        stop_id: stop,
        status,
        at: f.clock.now(),
    };
    let first = f.pod(stop);
    let OpBody::PodRecorded { pod } = &first else {
        unreachable!()
    };
    let mut correction = pod.clone();
    correction.id = f.clock.new_id();
    correction.corrects = Some(pod.id);
    correction.outcome = PodOutcome::PartlyDelivered;
    let bodies = vec![
        advance(StopStatus::EnRoute),
        advance(StopStatus::Arrived),
        first.clone(),
        OpBody::PodRecorded { pod: correction },
        f.pod(stop), // a second first delivery: the stop is delivered already
        first,       // the same POD twice in one push: set union
        advance(StopStatus::EnRoute), // backwards
    ];
    let ops = bodies
        .into_iter()
        .enumerate()
        .map(|(i, b)| op(&sam, 1, i as u64 + 1, b))
        .collect();
    let answer = push_answer(&f, &sam, ops).unwrap();
    assert_eq!(answer.acked_seq, 7, "all seven ops of the push are acked");
    let refused: Vec<u64> = answer.rejections.iter().map(|r| r.seq).collect();
    assert_eq!(refused, vec![5, 7], "{:?}", answer.rejections);
    let report = f.route(route);
    assert_eq!(
        report.events.len(),
        2,
        "the POD and its correction, once each"
    );
    assert_eq!(
        report.route.stops[3].status,
        StopStatus::PartlyDelivered,
        "the correction made the stop partly delivered, and later ops did not undo it"
    );
}

crate::on_both_stores!(
    the_ops_of_one_push_are_judged_in_order,
    enrolment_codes_are_single_use_expire_and_tokens_can_be_revoked,
    a_phone_whose_enrolment_answer_was_lost_can_enrol_again,
    an_op_with_any_gps_fix_keeps_its_hash,
    pushes_are_idempotent_contiguous_and_refuse_changed_content,
    ops_that_break_a_rule_are_stored_acked_and_rejected_with_a_reason,
    pulls_are_scoped_report_removals_and_checksum_the_scope,
    a_pull_cursor_never_skips_a_change_that_commits_late,
    the_same_push_sent_twice_at_once_stores_each_op_once,
    photos_resume_by_offset_and_are_checked_by_hash,
    nothing_crosses_tenants,
    dispatch_edits_are_checked_and_bump_the_version,
);

/// The race commit-ordered numbering exists for, made to happen on purpose (PostgreSQL only:
/// SQLite has one writer at a time). Another session holds a share lock on route A's row, so an
/// edit on route A stops at its last statement (the version bump), just before its commit;
/// meanwhile an edit on route B commits and a device pulls. Had the writers numbered their
/// changes themselves, A's number would be below B's, B would be served, and the cursor would
/// step over A's change for ever (checked: numbering in `bump` makes this test fail).
#[test]
fn postgres_a_change_that_commits_late_is_not_stepped_over() {
    let f = fixture(Backing::Postgres);
    let sam = f.enrol("Sam Courier");
    let (sam_id, _, route_a) = f.courier("Sam Courier");
    let (_, _, route_b) = f.courier("Noor Courier");
    f.storage
        .assign_route(f.demo.tenant_id, route_b, sam_id)
        .unwrap();
    let start = pull(&f, &sam, 0);
    let (stop_a, stop_b) = (f.stop(route_a, 1), f.stop(route_b, 1));

    let mut blocker = ::postgres::Client::connect(&f.db.url, ::postgres::NoTls).unwrap();
    let mut hold = blocker.transaction().unwrap();
    hold.execute("SELECT 1 FROM routes WHERE id = $1 FOR SHARE", &[&route_a])
        .unwrap();
    let edit = |stop: Uuid| StopEdit {
        address: Some(format!("New address for {stop}")),
        ..StopEdit::default()
    };
    let (tenant, storage) = (f.demo.tenant_id, f.storage.clone());
    let mid_pull = std::thread::scope(|s| {
        let a = s.spawn(|| storage.edit_stop(tenant, stop_a, &edit(stop_a)).unwrap());
        std::thread::sleep(std::time::Duration::from_millis(300));
        let b = s.spawn(|| storage.edit_stop(tenant, stop_b, &edit(stop_b)).unwrap());
        std::thread::sleep(std::time::Duration::from_millis(300));
        let mid = pull(&f, &sam, start.cursor);
        hold.rollback().unwrap();
        a.join().unwrap();
        b.join().unwrap();
        mid
    });
    let last = pull(&f, &sam, mid_pull.cursor);
    let mut addresses: HashMap<Uuid, String> = HashMap::new();
    for r in mid_pull.routes.iter().chain(&last.routes) {
        addresses.insert(r.route.id, r.route.stops[0].address.clone());
    }
    assert_eq!(
        addresses.get(&route_a),
        Some(&format!("New address for {stop_a}")),
        "the device never heard of the change that committed late"
    );
    assert_eq!(
        addresses.get(&route_b),
        Some(&format!("New address for {stop_b}")),
        "route B's edit, committed while A's waited, reached the device"
    );
}
