use doorstep_domain::{
    FailureReason, LineOutcome, NewFailedAttempt, NewPod, Signature, SignaturePoint, StopStatus,
};
use reqwest::Method;
use serde_json::json;

use crate::{Backing, Phone, TestServer};

const COURIERS: [&str; 3] = ["Sam Courier", "Noor Courier", "Kees Courier"];

fn photo() -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/photos/Landscape_6.jpg");
    std::fs::read(path).expect("the shared test photos sit beside the repository")
}

fn deliver(phone: &mut Phone, position: u32, with_photo: bool) -> uuid::Uuid {
    let stop_id = phone.store.routes().stop_at(position).unwrap();
    let lines = phone.store.stops().detail(stop_id).unwrap().lines;
    let photos = if with_photo {
        vec![phone.store.photos().import(&photo()).unwrap().sha256]
    } else {
        vec![]
    };
    phone
        .store
        .pods()
        .record(NewPod {
            stop_id,
            recipient_name: "Ana de Vries".into(),
            signature: Some(Signature {
                width: 300,
                height: 150,
                strokes: vec![vec![
                    SignaturePoint {
                        x: 1.0,
                        y: 2.0,
                        t: 0.0,
                    },
                    SignaturePoint {
                        x: 40.0,
                        y: 30.0,
                        t: 16.0,
                    },
                ]],
            }),
            photos,
            gps: None,
            lines: lines.iter().map(LineOutcome::in_full).collect(),
            corrects: None,
        })
        .unwrap()
        .id
}

fn fail(phone: &mut Phone, position: u32) {
    let stop_id = phone.store.routes().stop_at(position).unwrap();
    phone
        .store
        .failed_attempts()
        .record(NewFailedAttempt {
            stop_id,
            reason: FailureReason::NobodyHome,
            note: None,
            photo: None,
            gps: None,
        })
        .unwrap();
}

fn three_couriers_work_offline_and_every_record_reaches_the_planner_exactly_once(backing: Backing) {
    let server = TestServer::start(backing);
    let mut phones: Vec<Phone> = COURIERS.iter().map(|c| Phone::enrol(&server, c)).collect();
    for phone in &mut phones {
        let report = phone.sync().unwrap();
        assert_eq!(
            report.routes_updated, 1,
            "each courier receives exactly their own route"
        );
        assert!(report.checksum_ok);
        let view = phone.store.routes().today().unwrap();
        assert_eq!(view.stops.len(), 30);
    }
    let names: Vec<String> = phones
        .iter_mut()
        .map(|p| {
            p.store
                .routes()
                .today()
                .unwrap()
                .route
                .unwrap()
                .courier_name
        })
        .collect();
    assert_eq!(names, COURIERS, "no courier sees another's route");

    // Offline: nothing is sent until sync.
    for phone in &mut phones {
        deliver(phone, 1, true);
        fail(phone, 2);
        assert_eq!(phone.store.sync_state().unwrap().waiting_ops, 2);
    }
    for phone in &mut phones {
        let report = phone.sync().unwrap();
        assert_eq!(report.ops_acked, 2, "both records were acknowledged");
        assert_eq!(report.photos_uploaded, 1);
        assert_eq!(report.waiting_ops, 0, "the outbox drains");
        phone.store.check_integrity().unwrap();
        // A second round changes nothing on the planner.
        let again = phone.sync().unwrap();
        assert_eq!(again.ops_acked, 0);
    }
    for courier in COURIERS {
        let report = server
            .storage
            .route_report(server.demo.tenant_id, server.route_of(courier))
            .unwrap();
        assert_eq!(
            report.route.stops[0].status,
            StopStatus::Delivered,
            "{courier}: stop 1 delivered"
        );
        assert_eq!(
            report.route.stops[1].status,
            StopStatus::Failed,
            "{courier}: stop 2 failed"
        );
        assert_eq!(report.events.len(), 2, "{courier}: each event stored once");
        assert!(
            report.events.iter().all(|e| e.complete),
            "{courier}: the photo arrived whole"
        );
    }
    let (status, report) = server.dispatch(
        Method::GET,
        &format!("/v1/routes/{}", server.route_of("Sam Courier")),
        None,
    );
    assert_eq!(status, 200);
    let sha = report["events"][0]["photos"][0]["sha256"]
        .as_str()
        .unwrap()
        .to_owned();
    let bytes = reqwest::blocking::Client::new()
        .get(format!("{}/v1/blobs/{sha}", server.url))
        .bearer_auth(&server.demo.dispatcher_token)
        .send()
        .unwrap()
        .bytes()
        .unwrap();
    assert_eq!(
        doorstep_domain::sha256_hex(&bytes),
        sha,
        "dispatch fetches the photo by its hash"
    );
}

fn dispatch_edits_made_while_a_courier_is_offline_follow_the_ownership_rules(backing: Backing) {
    let server = TestServer::start(backing);
    let mut phone = Phone::enrol(&server, "Sam Courier");
    phone.sync().unwrap();
    let stop3 = phone.store.routes().stop_at(3).unwrap();
    let stop4 = phone.store.routes().stop_at(4).unwrap();

    // Dispatch cancels stop 3 and moves stop 4's window while the courier is offline…
    let (s, _) = server.dispatch(
        Method::PATCH,
        &format!("/v1/stops/{stop3}"),
        Some(json!({ "cancelled": true })),
    );
    assert_eq!(s, 200);
    let (s, _) = server.dispatch(
        Method::PATCH,
        &format!("/v1/stops/{stop4}"),
        Some(json!({ "window_start": "15:00:00", "window_end": "16:30:00" })),
    );
    assert_eq!(s, 200);
    // …who delivers stop 3 and marks stop 4 arrived.
    deliver(&mut phone, 3, false);
    phone
        .store
        .stops()
        .advance(stop4, StopStatus::Arrived)
        .unwrap();

    let report = phone.sync().unwrap();
    assert_eq!(
        report.waiting_ops, 0,
        "a rejected op is still acknowledged: nothing stays stuck"
    );
    assert_eq!(
        report.new_rejections, 1,
        "the POD on the cancelled stop comes back as a rejection"
    );
    let rejections = phone.store.rejections().list().unwrap();
    assert!(
        rejections[0].reason.contains("cancelled"),
        "the reason is in plain words: {}",
        rejections[0].reason
    );

    let detail = phone.store.stops().detail(stop4).unwrap();
    assert_eq!(
        (
            detail.summary.window_start.as_str(),
            detail.summary.window_end.as_str()
        ),
        ("15:00", "16:30"),
        "dispatch owns the window"
    );
    assert_eq!(
        detail.summary.status,
        StopStatus::Arrived,
        "the courier's forward move stands"
    );
    assert!(
        phone.store.stops().detail(stop3).unwrap().summary.cancelled,
        "the cancellation reached the phone"
    );
    let planner = server
        .storage
        .route_report(server.demo.tenant_id, server.route_of("Sam Courier"))
        .unwrap();
    assert_eq!(
        planner.route.stops[2].status,
        StopStatus::Pending,
        "the cancelled stop was not marked delivered"
    );
    assert_eq!(planner.route.stops[3].status, StopStatus::Arrived);
}

fn a_revoked_device_can_no_longer_sync(backing: Backing) {
    let server = TestServer::start(backing);
    let mut phone = Phone::enrol(&server, "Noor Courier");
    phone.sync().unwrap();
    let device = phone.store.device().device_id;
    let (s, _) = server.dispatch(Method::POST, &format!("/v1/devices/{device}/revoke"), None);
    assert_eq!(s, 204);
    deliver(&mut phone, 1, false);
    let err = phone.sync().unwrap_err();
    assert!(err.to_string().contains("revoked"), "{err}");
    assert_eq!(
        phone.store.sync_state().unwrap().waiting_ops,
        1,
        "the unsent record stays safe on the phone"
    );
}

fn bad_requests_get_a_plain_4xx_and_never_a_5xx(backing: Backing) {
    let server = TestServer::start(backing);
    let phone = Phone::enrol(&server, "Kees Courier");
    let _ = phone;
    let client = reqwest::blocking::Client::new();
    let cases: Vec<(Method, &str, Option<&str>, String, u16)> = vec![
        (Method::POST, "/v1/enroll", None, "{\"code\": \"NOPE\", \"device_id\": \"00000000-0000-7000-8000-000000000000\"}".into(), 401),
        (Method::POST, "/v1/enroll", None, "not json".into(), 400),
        (Method::POST, "/v1/enroll", None, "{\"code\": \"X\", \"device_id\": \"00000000-0000-7000-8000-000000000000\", \"extra\": 1}".into(), 400),
        (Method::POST, "/v1/sync/push", None, "{}".into(), 401),
        (Method::POST, "/v1/sync/push", Some("wrong-token"), "{}".into(), 401),
        (Method::POST, "/v1/sync/push", Some("dispatcher"), "{\"device_id\": \"00000000-0000-7000-8000-000000000000\", \"epoch\": 1, \"ops\": []}".into(), 403),
        (Method::POST, "/v1/sync/pull", Some("dispatcher"), "[1, 2]".into(), 400),
        (Method::PATCH, "/v1/blobs/notahash", Some("dispatcher"), "abc".into(), 400),
        (Method::GET, "/v1/routes/not-a-uuid", Some("dispatcher"), String::new(), 400),
        (Method::PATCH, "/v1/stops/00000000-0000-7000-8000-000000000000", Some("dispatcher"), "{\"cancelled\": true}".into(), 404),
        (Method::PATCH, "/v1/stops/00000000-0000-7000-8000-000000000000", Some("dispatcher"), "{\"colour\": \"red\"}".into(), 400),
        (Method::GET, "/nowhere", None, String::new(), 404),
        (Method::POST, "/v1/enroll", None, "x".repeat(5 * 1024 * 1024), 413),
    ];
    for (method, path, token, body, expected) in cases {
        let mut req = client
            .request(method.clone(), format!("{}{path}", server.url))
            .body(body);
        match token {
            Some("dispatcher") => req = req.bearer_auth(&server.demo.dispatcher_token),
            Some(t) => req = req.bearer_auth(t),
            None => {}
        }
        let resp = req.send().unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().unwrap();
        assert_eq!(status, expected, "{method} {path}: {text}");
        if status != 413 {
            let body: serde_json::Value = serde_json::from_str(&text)
                .unwrap_or_else(|_| panic!("{method} {path}: not JSON: {text}"));
            assert!(
                body["error"]["message"]
                    .as_str()
                    .is_some_and(|m| !m.is_empty()),
                "{method} {path}: {text}"
            );
        }
    }
}

crate::on_both_stores!(
    three_couriers_work_offline_and_every_record_reaches_the_planner_exactly_once,
    dispatch_edits_made_while_a_courier_is_offline_follow_the_ownership_rules,
    a_revoked_device_can_no_longer_sync,
    bad_requests_get_a_plain_4xx_and_never_a_5xx
);

/// Pull answers travel gzip-compressed to a device that asks (the real transport does).
#[test]
fn pull_answers_are_gzip_compressed_for_clients_that_ask() {
    let server = TestServer::start(Backing::Sqlite);
    let device_id = uuid::Uuid::from_u128(42);
    let enrolled: serde_json::Value = serde_json::from_str(
        &reqwest::blocking::Client::new()
            .post(format!("{}/v1/enroll", server.url))
            .header("content-type", "application/json")
            .body(
                serde_json::json!({"code": server.code_of("Sam Courier"), "device_id": device_id})
                    .to_string(),
            )
            .send()
            .unwrap()
            .text()
            .unwrap(),
    )
    .unwrap();
    let token = enrolled["token"].as_str().unwrap().to_owned();
    let body = serde_json::json!({"device_id": device_id, "epoch": 1, "cursor": 0});
    let pull = |encoding: &str| {
        reqwest::blocking::Client::builder()
            .no_gzip()
            .build()
            .unwrap()
            .post(format!("{}/v1/sync/pull", server.url))
            .bearer_auth(&token)
            .header("accept-encoding", encoding)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .unwrap()
    };
    let plain = pull("identity");
    assert_eq!(plain.status(), 200);
    assert!(plain.headers().get("content-encoding").is_none());
    let plain_len = plain.bytes().unwrap().len();
    let gzipped = pull("gzip");
    assert_eq!(gzipped.headers()["content-encoding"], "gzip");
    let gz_len = gzipped.bytes().unwrap().len();
    assert!(
        gz_len * 4 < plain_len,
        "a 30-stop route compresses well: {gz_len} of {plain_len} bytes"
    );
}
