//! Faults between a real device engine and the real planner, injected in the transport: the
//! answer lost after the planner committed, the same request sent twice, a photo upload cut.

use std::cell::Cell;

use doorstep_domain::StopStatus;
use doorstep_field::sync::{Method, Request, Response, Transport, TransportError};

use crate::{Backing, Phone, TestServer};

/// Decides, for the n-th request, what goes wrong.
type Schedule<'a> = Box<dyn Fn(&Request, usize) -> Fault + 'a>;

/// Wraps the real HTTP transport; `fault` decides, per request, what goes wrong.
struct Faulty<'a> {
    inner: &'a dyn Transport,
    fault: Schedule<'a>,
    calls: Cell<usize>,
}

#[derive(PartialEq)]
enum Fault {
    None,
    /// The planner receives and commits the request; the device never hears back.
    LoseAnswer,
    /// The request arrives twice; the device hears the second answer.
    Duplicate,
    /// Only the first half of the body arrives (a photo chunk cut mid-way), then the link drops.
    CutBody,
}

impl Transport for Faulty<'_> {
    fn send(&self, req: &Request) -> Result<Response, TransportError> {
        let n = self.calls.get();
        self.calls.set(n + 1);
        match (self.fault)(req, n) {
            Fault::None => self.inner.send(req),
            Fault::LoseAnswer => {
                let _ = self.inner.send(req)?;
                Err(TransportError::Cut("answer lost (test)".into()))
            }
            Fault::Duplicate => {
                let _ = self.inner.send(req)?;
                self.inner.send(req)
            }
            Fault::CutBody => {
                // The planner keeps what arrived: the first half, as a chunk of the same upload.
                let mut half = req.clone();
                half.body.truncate(req.body.len() / 2);
                let _ = self.inner.send(&half);
                Err(TransportError::Cut(
                    "connection cut mid-upload (test)".into(),
                ))
            }
        }
    }
}

/// Proofs of delivery with a photo (and no signature) for the stops at `positions`.
fn deliver_all(phone: &mut Phone, positions: std::ops::RangeInclusive<u32>) {
    phone.deliver_with_photo(positions, "Portrait_6.jpg");
}

fn events_on_planner(server: &TestServer, courier: &str) -> usize {
    server
        .storage
        .route_report(server.demo.tenant_id, server.route_of(courier))
        .unwrap()
        .events
        .len()
}

fn sync_through(
    phone: &mut Phone,
    faulty: &Faulty<'_>,
) -> doorstep_field::Result<doorstep_field::sync::SyncReport> {
    doorstep_field::sync::SyncEngine::default().sync_once(&mut phone.store, faulty)
}

fn a_push_answer_lost_after_commit_or_a_duplicated_push_applies_each_op_once(backing: Backing) {
    let server = TestServer::start(backing);
    let mut phone = Phone::enrol(&server, "Sam Courier");
    phone.sync().unwrap();
    deliver_all(&mut phone, 1..=3);

    let http = doorstep_field::sync::HttpTransport::new(&server.url).unwrap();
    let lose_push = Faulty {
        inner: &http,
        fault: Box::new(|req, _| {
            if req.path.ends_with("/sync/push") {
                Fault::LoseAnswer
            } else {
                Fault::None
            }
        }),
        calls: Cell::new(0),
    };
    assert!(
        sync_through(&mut phone, &lose_push).is_err(),
        "the device noticed the lost answer"
    );
    assert_eq!(
        phone.store.sync_state().unwrap().waiting_ops,
        3,
        "unacknowledged ops stay in the outbox"
    );
    assert_eq!(
        events_on_planner(&server, "Sam Courier"),
        3,
        "the planner committed them once"
    );

    let duplicate = Faulty {
        inner: &http,
        fault: Box::new(|_, _| Fault::Duplicate),
        calls: Cell::new(0),
    };
    deliver_all(&mut phone, 4..=5);
    let report = sync_through(&mut phone, &duplicate).unwrap();
    assert_eq!(
        report.waiting_ops, 0,
        "the replay is acknowledged and the outbox drains"
    );
    let planner = server
        .storage
        .route_report(server.demo.tenant_id, server.route_of("Sam Courier"))
        .unwrap();
    assert_eq!(
        planner.events.len(),
        5,
        "five PODs, each exactly once despite replays and duplicates"
    );
    assert!(planner.route.stops[..5]
        .iter()
        .all(|s| s.status == StopStatus::Delivered));
}

fn a_photo_upload_cut_mid_way_resumes_and_arrives_with_the_right_hash(backing: Backing) {
    let server = TestServer::start(backing);
    let mut phone = Phone::enrol(&server, "Noor Courier");
    phone.sync().unwrap();
    deliver_all(&mut phone, 1..=1);
    let http = doorstep_field::sync::HttpTransport::new(&server.url).unwrap();
    let cut_first_chunk = Faulty {
        inner: &http,
        fault: Box::new(|req, _| {
            if req.method == Method::Patch && req.get_header("upload-offset") == Some("0") {
                Fault::CutBody
            } else {
                Fault::None
            }
        }),
        calls: Cell::new(0),
    };
    let _ = sync_through(&mut phone, &cut_first_chunk);
    let report = phone.sync().unwrap();
    assert_eq!(report.waiting_ops, 0);
    assert!(
        phone.store.sync_state().unwrap().waiting_photo_bytes == 0,
        "the photo finished uploading"
    );
    let planner = server
        .storage
        .route_report(server.demo.tenant_id, server.route_of("Noor Courier"))
        .unwrap();
    let photo = &planner.events[0].photos[0];
    assert!(
        photo.received && planner.events[0].complete,
        "the POD is complete once its photo arrived"
    );
    let bytes = server
        .storage
        .blob(server.demo.tenant_id, &photo.sha256)
        .unwrap()
        .unwrap();
    assert_eq!(
        doorstep_domain::sha256_hex(&bytes),
        photo.sha256,
        "the stored photo has the right hash"
    );
}

crate::on_both_stores!(
    a_push_answer_lost_after_commit_or_a_duplicated_push_applies_each_op_once,
    a_photo_upload_cut_mid_way_resumes_and_arrives_with_the_right_hash
);
