//! Faults on the wire: the real device engine talks to the real planner through a loopback
//! proxy (`proxy.rs`) that cuts requests, loses answers, duplicates requests, while the planner
//! may be restarted in the middle. After healing, every op is on the planner exactly once and
//! every photo is there with the right hash.

use std::collections::HashSet;

use doorstep_domain::sha256_hex;
use doorstep_field::sync::{HttpTransport, SyncEngine};

use crate::proxy::{Fault, Proxy};
use crate::{Backing, Phone, TestServer};

const COURIER: &str = "Sam Courier";

/// Enrols Sam's phone directly, pulls his route, then routes all its traffic through a proxy.
fn phone_behind_proxy(server: &TestServer) -> (Phone, Proxy) {
    let mut phone = Phone::enrol(server, COURIER);
    phone.sync().unwrap();
    let proxy = Proxy::start(&server.url);
    phone.transport = HttpTransport::new(&proxy.url).unwrap();
    (phone, proxy)
}

/// Records a POD with a photo at each position; returns the photos' hashes.
fn deliver(phone: &mut Phone, positions: std::ops::RangeInclusive<u32>) -> Vec<String> {
    phone.deliver_with_photo(positions, "Landscape_3.jpg")
}

fn sync_with(phone: &mut Phone, engine: &SyncEngine) -> bool {
    engine.sync_once(&mut phone.store, &phone.transport).is_ok()
}

/// The healed state: the device has nothing left to send, the planner holds each POD once,
/// complete, and each photo's bytes hash to its name.
fn assert_healed(server: &TestServer, phone: &mut Phone, pods: usize) {
    let report = phone.sync().unwrap();
    assert!(report.photo_problems.is_empty(), "{report:?}");
    assert_eq!(report.waiting_ops, 0, "{report:?}");
    assert_eq!(phone.store.outbox().len().unwrap(), 0);
    let route = server
        .storage
        .route_report(server.demo.tenant_id, server.route_of(COURIER))
        .unwrap();
    let ids: HashSet<_> = route.events.iter().map(|e| e.id).collect();
    assert_eq!(route.events.len(), pods, "each POD once");
    assert_eq!(ids.len(), pods);
    for event in &route.events {
        assert!(event.complete, "{event:?}");
        for p in &event.photos {
            let bytes = server
                .storage
                .blob(server.demo.tenant_id, &p.sha256)
                .unwrap()
                .expect("photo on the planner");
            assert_eq!(sha256_hex(&bytes), p.sha256);
        }
    }
}

fn planner_events(server: &TestServer) -> usize {
    server
        .storage
        .route_report(server.demo.tenant_id, server.route_of(COURIER))
        .unwrap()
        .events
        .len()
}

fn a_push_cut_mid_body_stores_nothing_and_the_retry_applies_it_once(backing: Backing) {
    let server = TestServer::start(backing);
    let (mut phone, proxy) = phone_behind_proxy(&server);
    deliver(&mut phone, 1..=3);
    // Headers and the first bytes of the JSON body reach the planner, then the link drops.
    proxy.arm("POST /v1/sync/push", Fault::CutAfter(600));
    assert!(!sync_with(&mut phone, &SyncEngine::default()));
    assert_eq!(proxy.fired().len(), 1);
    assert_eq!(planner_events(&server), 0, "half a request stores nothing");
    assert_healed(&server, &mut phone, 3);
}

fn a_photo_cut_mid_upload_resumes_and_arrives_whole(backing: Backing) {
    let server = TestServer::start(backing);
    let (mut phone, proxy) = phone_behind_proxy(&server);
    deliver(&mut phone, 1..=2);
    proxy.arm("PATCH /v1/blobs", Fault::CutAfter(40_000));
    sync_with(&mut phone, &SyncEngine::default());
    assert_eq!(proxy.fired().len(), 1);
    let route = server
        .storage
        .route_report(server.demo.tenant_id, server.route_of(COURIER))
        .unwrap();
    assert_eq!(route.events.len(), 2, "the PODs arrive before their photo");
    assert!(route.events.iter().all(|e| !e.complete));
    assert_healed(&server, &mut phone, 2);
}

fn lost_answers_and_duplicated_requests_apply_each_op_once(backing: Backing) {
    let server = TestServer::start(backing);
    let (mut phone, proxy) = phone_behind_proxy(&server);
    deliver(&mut phone, 1..=3);
    proxy.arm("POST /v1/sync/push", Fault::LoseAnswer);
    assert!(!sync_with(&mut phone, &SyncEngine::default()));
    assert_eq!(planner_events(&server), 3, "the planner committed");
    assert_eq!(
        phone.store.outbox().len().unwrap(),
        3,
        "the device still holds them"
    );

    deliver(&mut phone, 4..=5);
    proxy.arm("POST /v1/sync/push", Fault::Duplicate);
    proxy.arm("PATCH /v1/blobs", Fault::Duplicate);
    proxy.arm("POST /v1/sync/pull", Fault::Duplicate);
    assert!(sync_with(&mut phone, &SyncEngine::default()));
    assert_eq!(proxy.fired().len(), 4);
    proxy.wait_for_replays(3);
    assert_healed(&server, &mut phone, 5);
}

fn the_planner_restarted_mid_sync_loses_and_doubles_nothing(backing: Backing) {
    let mut server = TestServer::start(backing);
    let (mut phone, proxy) = phone_behind_proxy(&server);
    deliver(&mut phone, 1..=25);
    let small_batches = SyncEngine {
        batch_ops: 10,
        ..SyncEngine::default()
    };
    // The second of three pushes commits, then the planner goes away before it answers.
    proxy.arm("POST /v1/sync/push", Fault::Pass);
    proxy.arm("POST /v1/sync/push", Fault::LoseAnswer);
    assert!(!sync_with(&mut phone, &small_batches));
    server.restart();
    proxy.retarget(&server.url);
    assert_eq!(planner_events(&server), 20);

    // The photo upload is cut, and the planner restarts before the device resumes it.
    proxy.arm("PATCH /v1/blobs", Fault::CutAfter(30_000));
    sync_with(&mut phone, &small_batches);
    server.restart();
    proxy.retarget(&server.url);
    assert_eq!(planner_events(&server), 25);
    assert_healed(&server, &mut phone, 25);
    assert_eq!(proxy.fired().len(), 3, "{:?}", proxy.fired());
}

crate::on_both_stores!(
    a_push_cut_mid_body_stores_nothing_and_the_retry_applies_it_once,
    a_photo_cut_mid_upload_resumes_and_arrives_whole,
    lost_answers_and_duplicated_requests_apply_each_op_once,
    the_planner_restarted_mid_sync_loses_and_doubles_nothing,
    a_phone_restored_from_an_older_copy_starts_a_new_epoch,
);

/// Copies a phone's data dir (database, WAL and photos) as a backup would.
fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A phone restored from yesterday's copy of its database would reuse seq numbers the planner
/// already holds: it notices, starts a new epoch, and nothing is lost or doubled.
fn a_phone_restored_from_an_older_copy_starts_a_new_epoch(backing: Backing) {
    let server = TestServer::start(backing);
    let mut phone = Phone::enrol(&server, COURIER);
    phone.sync().unwrap();
    deliver(&mut phone, 1..=2);
    phone.sync().unwrap();
    let backup = tempfile::tempdir().unwrap();
    let data = phone.dir().to_path_buf();
    phone.close();
    copy_dir(&data, backup.path());
    phone.reopen();
    deliver(&mut phone, 3..=5);
    phone.sync().unwrap();
    assert_eq!(planner_events(&server), 5);

    // Restore the older copy; the work of stops 3–5 is on the planner, not on this phone.
    phone.close();
    std::fs::remove_dir_all(&data).unwrap();
    copy_dir(backup.path(), &data);
    phone.reopen();
    assert_eq!(phone.store.device().epoch, 1);
    deliver(&mut phone, 6..=7);
    let report = phone.sync().unwrap();
    assert_eq!(report.new_epoch, Some(2), "{report:?}");
    assert_eq!(phone.store.device().epoch, 2);
    assert_eq!(phone.store.outbox().len().unwrap(), 0);
    assert_healed(&server, &mut phone, 7);
    phone.store.outbox().check_contiguous().unwrap();
}
