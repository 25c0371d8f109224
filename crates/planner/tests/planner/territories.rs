//! Sales territories over HTTP, on both stores: GeoJSON checked whole, reps see the deliveries
//! inside their territories judged as the domain judges them, reassignment moves them.

use chrono::{NaiveDate, NaiveDateTime};
use doorstep_domain::lateness::{assess_route, Pace, Standing, StopFacts};
use doorstep_domain::territory::Area;
use doorstep_domain::Clock;
use doorstep_planner::auth::hash_secret;
use doorstep_planner::storage::{Role, User};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::{Backing, TestServer};

fn send(
    server: &TestServer,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let client = reqwest::blocking::Client::new();
    let mut req = client
        .request(method, format!("{}{path}", server.url))
        .bearer_auth(token);
    if let Some(body) = body {
        req = req
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let resp = req.send().unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A sales rep with an API token.
fn rep(server: &TestServer, name: &str) -> (Uuid, String) {
    let user = User {
        id: server.clock.new_id(),
        name: name.into(),
        role: Role::SalesRep,
    };
    server
        .storage
        .create_user(server.demo.tenant_id, &user)
        .unwrap();
    let token = format!("token-of-{name}");
    server
        .storage
        .add_user_token(
            server.demo.tenant_id,
            user.id,
            &hash_secret(&token),
            server.clock.now(),
        )
        .unwrap();
    (user.id, token)
}

/// The western half of the demo's Amsterdam (its stops lie between 4.86 and 4.92 east).
fn west(rep: Option<Uuid>) -> Value {
    json!({"type": "Feature", "properties": {"name": "West", "rep_id": rep},
        "geometry": {"type": "Polygon", "coordinates": [[
            [4.80, 52.30], [4.888, 52.30], [4.888, 52.42], [4.80, 52.42], [4.80, 52.30]]]}})
}

fn collection(features: Vec<Value>) -> Value {
    json!({"type": "FeatureCollection", "features": features})
}

fn territories_are_checked_whole_and_given_to_sales_reps_only(backing: Backing) {
    let server = TestServer::start(backing);
    let dispatch = server.demo.dispatcher_token.clone();
    let (ana, ana_token) = rep(&server, "Ana Sales");
    let post = |body: Value| {
        send(
            &server,
            reqwest::Method::POST,
            "/v1/territories",
            &dispatch,
            Some(body),
        )
    };

    // Two bad features and a good one: nothing is stored, both problems are listed.
    let bow_tie = json!({"type": "Feature", "properties": {"name": "Knot"},
        "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}});
    let nameless = json!({"type": "Feature", "properties": {},
        "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}});
    let (status, answer) = post(collection(vec![west(Some(ana)), bow_tie, nameless]));
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["error"]["code"], "invalid_import");
    let rows = answer["error"]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{answer}");
    assert_eq!(rows[0]["row"], "features[1]");
    assert!(
        rows[0]["message"]
            .as_str()
            .unwrap()
            .contains("not a valid area"),
        "{answer}"
    );
    assert!(
        rows[1]["message"]
            .as_str()
            .unwrap()
            .contains("needs a name"),
        "{answer}"
    );
    assert!(
        rows[1]["message"]
            .as_str()
            .unwrap()
            .contains("not a LineString"),
        "{answer}"
    );
    let (_, listed) = send(
        &server,
        reqwest::Method::GET,
        "/v1/territories",
        &dispatch,
        None,
    );
    assert_eq!(listed, json!([]), "nothing was half-saved");

    // A courier is no sales rep.
    let sam = server
        .demo
        .users
        .iter()
        .find(|u| u.name == "Sam Courier")
        .unwrap()
        .user_id;
    let (status, answer) = post(collection(vec![west(Some(sam))]));
    assert_eq!(status, 400, "{answer}");
    assert!(answer["error"]["message"]
        .as_str()
        .unwrap()
        .contains("is not a sales rep"));

    let (status, answer) = post(collection(vec![west(Some(ana))]));
    assert_eq!(status, 201, "{answer}");
    let id = answer[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(answer[0]["rep_id"], json!(ana));
    assert_eq!(answer[0]["area"]["type"], "MultiPolygon");

    // The rep sees their own; a courier sees none; only dispatch assigns.
    let (status, mine) = send(
        &server,
        reqwest::Method::GET,
        "/v1/territories",
        &ana_token,
        None,
    );
    assert_eq!((status, mine[0]["name"].clone()), (200, json!("West")));
    let path = format!("/v1/territories/{id}/assign");
    let (status, _) = send(
        &server,
        reqwest::Method::POST,
        &path,
        &ana_token,
        Some(json!({"rep_id": ana})),
    );
    assert_eq!(status, 403);
    let (status, answer) = send(
        &server,
        reqwest::Method::POST,
        &path,
        &dispatch,
        Some(json!({"rep_id": sam})),
    );
    assert_eq!(status, 400, "{answer}");
    let missing = format!("/v1/territories/{}/assign", Uuid::nil());
    let (status, _) = send(
        &server,
        reqwest::Method::POST,
        &missing,
        &dispatch,
        Some(json!({"rep_id": ana})),
    );
    assert_eq!(status, 404);
}

fn a_rep_sees_the_deliveries_inside_their_territory_judged_as_the_domain_judges(backing: Backing) {
    let server = TestServer::start(backing);
    let dispatch = server.demo.dispatcher_token.clone();
    let (ana, ana_token) = rep(&server, "Ana Sales");
    let (bo, bo_token) = rep(&server, "Bo Sales");
    let (status, answer) = send(
        &server,
        reqwest::Method::POST,
        "/v1/territories",
        &dispatch,
        Some(collection(vec![west(Some(ana))])),
    );
    assert_eq!(status, 201, "{answer}");
    let territory = answer[0]["id"].as_str().unwrap().to_owned();

    // Judged at 11:00 on the demo's day.
    let date: NaiveDate = server
        .storage
        .route_report(
            server.demo.tenant_id,
            server.demo.users[1].route_id.unwrap(),
        )
        .unwrap()
        .route
        .date;
    let at: NaiveDateTime = date.and_hms_opt(11, 0, 0).unwrap();
    let query = format!(
        "/v1/territories/deliveries?date={date}&at={}",
        at.format("%Y-%m-%dT%H:%M:%S")
    );
    let (status, got) = send(&server, reqwest::Method::GET, &query, &ana_token, None);
    assert_eq!(status, 200, "{got}");
    let got = got.as_array().unwrap().clone();

    // What the domain says, computed here from the dispatcher's route view.
    let area = Area::from_geojson(&west(None)).unwrap();
    let mut want: Vec<(String, Standing)> = vec![];
    for user in server.demo.users.iter().filter(|u| u.route_id.is_some()) {
        let report = server
            .storage
            .route_report(server.demo.tenant_id, user.route_id.unwrap())
            .unwrap();
        let facts: Vec<StopFacts> = report
            .route
            .stops
            .iter()
            .map(|s| StopFacts {
                id: s.id,
                position: s.position,
                lat: s.lat,
                lon: s.lon,
                window_start: s.window_start,
                window_end: s.window_end,
                status: s.status,
                cancelled: report.cancelled.contains(&s.id),
                damaged: false,
            })
            .collect();
        for (id, standing) in assess_route(date, &facts, at, Pace::default()) {
            let s = report.route.stops.iter().find(|s| s.id == id).unwrap();
            if area.contains(s.lat, s.lon) {
                want.push((id.to_string(), standing));
            }
        }
    }
    assert!(
        want.len() >= 10 && want.len() < 90,
        "the polygon holds part of the city: {}",
        want.len()
    );
    assert!(
        want.iter().any(|(_, s)| s.needs_attention()),
        "at 11:00 some deliveries are late"
    );
    let mut got_pairs: Vec<(String, Standing)> = got
        .iter()
        .map(|d| {
            (
                d["stop_id"].as_str().unwrap().to_owned(),
                serde_json::from_value(d["standing"].clone()).unwrap(),
            )
        })
        .collect();
    // Late and incomplete first.
    let first_calm = got_pairs
        .iter()
        .position(|(_, s)| !s.needs_attention())
        .unwrap_or(got_pairs.len());
    assert!(
        got_pairs[first_calm..]
            .iter()
            .all(|(_, s)| !s.needs_attention()),
        "late ones lead the list"
    );
    got_pairs.sort_by(|a, b| a.0.cmp(&b.0));
    want.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        got_pairs, want,
        "the planner and the domain agree on scope and lateness"
    );
    assert!(got.iter().all(|d| d["territory_id"] == json!(territory)));

    // What Ana's phone caches gives the same list, judged the same way on the phone.
    let (status, scope) = send(
        &server,
        reqwest::Method::GET,
        &format!("/v1/sync/territory?from={date}"),
        &ana_token,
        None,
    );
    assert_eq!(status, 200, "{scope}");
    let scope: doorstep_domain::sync::TerritoryScope = serde_json::from_value(scope).unwrap();
    assert_eq!(scope.territories.len(), 1);
    assert!(
        scope.stops.iter().any(|s| s.territory_id.is_none()),
        "whole routes, so lateness can see what comes first"
    );
    let on_phone: Vec<String> =
        doorstep_domain::lateness::assess_scope(&scope.stops, at, Pace::default())
            .into_iter()
            .map(|(s, _)| s.id.to_string())
            .collect();
    let listed: Vec<String> = got
        .iter()
        .map(|d| d["stop_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        on_phone, listed,
        "the phone's list is the planner's, in the same order"
    );
    let sam_token = "sam-api-token";
    let sam = server
        .demo
        .users
        .iter()
        .find(|u| u.name == "Sam Courier")
        .unwrap()
        .user_id;
    server
        .storage
        .add_user_token(
            server.demo.tenant_id,
            sam,
            &hash_secret(sam_token),
            server.clock.now(),
        )
        .unwrap();
    let (status, _) = send(
        &server,
        reqwest::Method::GET,
        "/v1/sync/territory",
        sam_token,
        None,
    );
    assert_eq!(status, 403, "a courier has no territory to sync");
    let (status, _) = send(
        &server,
        reqwest::Method::GET,
        "/v1/sync/territory?from=2026-01-01&to=2026-03-01",
        &ana_token,
        None,
    );
    assert_eq!(status, 400, "at most 31 days");

    // Another rep sees nothing, and may not look at Ana's.
    let (_, none) = send(&server, reqwest::Method::GET, &query, &bo_token, None);
    assert_eq!(none, json!([]));
    let (status, _) = send(
        &server,
        reqwest::Method::GET,
        &format!("{query}&rep={ana}"),
        &bo_token,
        None,
    );
    assert_eq!(status, 403);

    // Reassigned, the deliveries move with the territory.
    let (status, _) = send(
        &server,
        reqwest::Method::POST,
        &format!("/v1/territories/{territory}/assign"),
        &dispatch,
        Some(json!({"rep_id": bo})),
    );
    assert_eq!(status, 204);
    let (_, ana_now) = send(&server, reqwest::Method::GET, &query, &ana_token, None);
    let (_, bo_now) = send(&server, reqwest::Method::GET, &query, &bo_token, None);
    assert_eq!(ana_now, json!([]));
    assert_eq!(bo_now.as_array().unwrap().len(), got.len());
    let (status, by_dispatch) = send(
        &server,
        reqwest::Method::GET,
        &format!("{query}&rep={bo}"),
        &dispatch,
        None,
    );
    assert_eq!(
        (status, by_dispatch.as_array().unwrap().len()),
        (200, got.len())
    );
    let (status, answer) = send(
        &server,
        reqwest::Method::GET,
        "/v1/territories/deliveries?date=yesterday",
        &bo_token,
        None,
    );
    assert_eq!(status, 400, "{answer}");
}

/// `doorstep-planner demo`: each rep sees their territory's trouble first, before any window
/// has closed (07:00): Rosa a failed attempt and a short delivery, Tom damaged goods.
fn the_demo_gives_each_rep_late_and_incomplete_deliveries_to_see_first(backing: Backing) {
    let db = crate::TestDb::new(backing);
    let storage = db.open();
    let clock = doorstep_domain::FakeClock::at(
        chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 25, 6, 0, 0).unwrap(),
    );
    let mut demo = doorstep_planner::demo::seed(&*storage, &clock).unwrap();
    doorstep_planner::demo::seed_sales(&*storage, &clock, &mut demo).unwrap();
    let rep = |name: &str| demo.users.iter().find(|u| u.name == name).unwrap();
    let (rosa, tom) = (rep("Rosa Sales"), rep("Tom Sales"));
    assert_eq!(
        (rosa.role.as_str(), rosa.enrolment_code.len()),
        ("sales_rep", 10)
    );
    let date = clock.today();
    let at = date.and_hms_opt(7, 0, 0).unwrap();
    let list = |who: Uuid| {
        storage
            .territory_deliveries(demo.tenant_id, who, date, at)
            .unwrap()
    };

    let west = list(rosa.user_id);
    assert!(
        west.len() > 20,
        "three routes pass through the west: {}",
        west.len()
    );
    let trouble: Vec<(&str, &str)> = west
        .iter()
        .take_while(|d| d.standing.needs_attention())
        .map(|d| (d.address.as_str(), d.standing.label()))
        .collect();
    assert_eq!(trouble.len(), 2, "{trouble:?}");
    assert!(trouble
        .iter()
        .any(|(a, s)| a.starts_with("Rozengracht 251") && *s == "late"));
    assert!(trouble
        .iter()
        .any(|(a, s)| a.starts_with("Prinsengracht 520") && *s == "incomplete"));

    let east = list(tom.user_id);
    assert_eq!(
        east[0].standing,
        Standing::Incomplete {
            short: false,
            damaged: true
        }
    );
    assert!(east[0].address.starts_with("Albert Cuypstraat 163"));
    assert!(!east[1].standing.needs_attention());
    let west_ids: Vec<Uuid> = west.iter().map(|d| d.stop_id).collect();
    assert!(
        east.iter().all(|d| !west_ids.contains(&d.stop_id)),
        "the territories do not overlap"
    );
}

/// The rep's phone syncs its scope over HTTP and lists it offline: the same deliveries, in the
/// same order, with the same standing as the planner's list. Reassigning the territory takes
/// it off the phone at the next sync.
fn the_reps_phone_and_the_planner_agree_and_a_reassignment_empties_the_phone(backing: Backing) {
    let server = TestServer::start(backing);
    let dispatch = server.demo.dispatcher_token.clone();
    let (ana, ana_token) = rep(&server, "Ana Sales");
    let (bo, _) = rep(&server, "Bo Sales");
    let (status, answer) = send(
        &server,
        reqwest::Method::POST,
        "/v1/territories",
        &dispatch,
        Some(collection(vec![west(Some(ana))])),
    );
    assert_eq!(status, 201, "{answer}");
    let territory = answer[0]["id"].as_str().unwrap().to_owned();

    // Ana's phone enrols with a code from dispatch and syncs her day.
    let dir = tempfile::tempdir().unwrap();
    let mut store = doorstep_field::Store::open(dir.path(), server.clock.clone()).unwrap();
    let transport = doorstep_field::sync::HttpTransport::new(&server.url).unwrap();
    server
        .storage
        .add_enrolment_code(
            server.demo.tenant_id,
            ana,
            &hash_secret("ANA-CODE"),
            server.clock.now() + chrono::Duration::days(1),
        )
        .unwrap();
    let enrolled =
        doorstep_field::sync::enroll(&mut store, &transport, &server.url, "ANA-CODE").unwrap();
    assert_eq!(enrolled.role, "sales_rep");
    let date = server
        .storage
        .route_report(
            server.demo.tenant_id,
            server.demo.users[1].route_id.unwrap(),
        )
        .unwrap()
        .route
        .date;
    let engine = doorstep_field::sync::SyncEngine::default();
    let pulled = engine
        .pull_territory(&mut store, &transport, date, date)
        .unwrap();
    assert_eq!(pulled.territories, 1);
    assert!(pulled.stops > 40, "{pulled:?}");

    for hour in [7, 11, 15] {
        let at = date.and_hms_opt(hour, 0, 0).unwrap();
        let query = format!(
            "/v1/territories/deliveries?date={date}&at={}",
            at.format("%Y-%m-%dT%H:%M:%S")
        );
        let (_, planner) = send(&server, reqwest::Method::GET, &query, &ana_token, None);
        let planner: Vec<(String, Standing)> = planner
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["stop_id"].as_str().unwrap().to_owned(),
                    serde_json::from_value(d["standing"].clone()).unwrap(),
                )
            })
            .collect();
        let phone: Vec<(String, Standing)> = store
            .territory()
            .late_first(None, date, at, &Default::default())
            .unwrap()
            .into_iter()
            .map(|d| (d.stop_id.to_string(), d.standing))
            .collect();
        assert!(!phone.is_empty());
        assert_eq!(
            phone, planner,
            "at {hour}:00 the phone and the planner agree"
        );
    }

    let (status, _) = send(
        &server,
        reqwest::Method::POST,
        &format!("/v1/territories/{territory}/assign"),
        &dispatch,
        Some(json!({"rep_id": bo})),
    );
    assert_eq!(status, 204);
    let pulled = engine
        .pull_territory(&mut store, &transport, date, date)
        .unwrap();
    assert_eq!((pulled.territories, pulled.stops), (0, 0));
    let at = date.and_hms_opt(11, 0, 0).unwrap();
    assert!(
        store
            .territory()
            .late_first(None, date, at, &Default::default())
            .unwrap()
            .is_empty(),
        "nothing of Bo's territory stays on Ana's phone"
    );
    assert!(store.territory().list().unwrap().is_empty());
}

/// A rep's resolutions are events pushed like any other: inside the territory they are stored,
/// show on the route, and a replacement waits for dispatch; outside it, or as a delivery, or
/// from a courier, they are refused with the reason.
fn a_reps_resolutions_sync_and_are_refused_outside_the_territory(backing: Backing) {
    use doorstep_domain::resolution::{ReplacementLine, Resolution, ResolutionRecorded};
    use doorstep_domain::sync::{Op, OpBody, PushRequest, PushResponse};

    let server = TestServer::start(backing);
    let dispatch = server.demo.dispatcher_token.clone();
    let (ana, _) = rep(&server, "Ana Sales");
    let (status, _) = send(
        &server,
        reqwest::Method::POST,
        "/v1/territories",
        &dispatch,
        Some(collection(vec![west(Some(ana))])),
    );
    assert_eq!(status, 201);
    server
        .storage
        .add_enrolment_code(
            server.demo.tenant_id,
            ana,
            &hash_secret("ANA-CODE"),
            server.clock.now() + chrono::Duration::days(1),
        )
        .unwrap();
    let device = server.clock.new_id();
    let (status, enrolled) = send(
        &server,
        reqwest::Method::POST,
        "/v1/enroll",
        "none",
        Some(json!({"code": "ANA-CODE", "device_id": device})),
    );
    assert_eq!(status, 200, "{enrolled}");
    let token = enrolled["token"].as_str().unwrap().to_owned();

    let route_id = server.demo.users[1].route_id.unwrap();
    let report = server
        .storage
        .route_report(server.demo.tenant_id, route_id)
        .unwrap();
    let area = Area::from_geojson(&west(None)).unwrap();
    let inside = report
        .route
        .stops
        .iter()
        .find(|s| area.contains(s.lat, s.lon))
        .unwrap()
        .clone();
    let outside = report
        .route
        .stops
        .iter()
        .find(|s| !area.contains(s.lat, s.lon))
        .unwrap()
        .clone();
    let line = &inside.lines[0];
    let resolve = |stop: Uuid, resolution: Resolution| OpBody::DeliveryResolved {
        resolution: ResolutionRecorded {
            id: server.clock.new_id(),
            stop_id: stop,
            resolution,
            captured_at: server.clock.now(),
        },
    };
    let bodies = vec![
        resolve(
            inside.id,
            Resolution::Replacement {
                lines: vec![ReplacementLine {
                    line_id: line.id,
                    qty: line.ordered_qty,
                }],
                note: Some("the customer needs it before Friday".into()),
            },
        ),
        resolve(
            outside.id,
            Resolution::Note {
                text: "called".into(),
            },
        ),
        resolve(
            inside.id,
            Resolution::Replacement {
                lines: vec![ReplacementLine {
                    line_id: line.id,
                    qty: line.ordered_qty + 1,
                }],
                note: None,
            },
        ),
        OpBody::StopAdvanced {
            stop_id: inside.id,
            status: doorstep_domain::StopStatus::EnRoute,
            at: server.clock.now(),
        },
        resolve(
            inside.id,
            Resolution::Escalate {
                reason: "third late delivery this month".into(),
            },
        ),
    ];
    let ops: Vec<Op> = bodies
        .into_iter()
        .enumerate()
        .map(|(i, body)| Op {
            device_id: device,
            epoch: 1,
            seq: i as u64 + 1,
            sha256: doorstep_domain::sha256_hex(&serde_json::to_vec(&body).unwrap()),
            body,
        })
        .collect();
    let push = PushRequest {
        device_id: device,
        epoch: 1,
        ops,
    };
    let (status, answer) = send(
        &server,
        reqwest::Method::POST,
        "/v1/sync/push",
        &token,
        Some(serde_json::to_value(&push).unwrap()),
    );
    assert_eq!(status, 200, "{answer}");
    let answer: PushResponse = serde_json::from_value(answer).unwrap();
    assert_eq!(answer.acked_seq, 5);
    let reasons: Vec<(u64, &str)> = answer
        .rejections
        .iter()
        .map(|r| (r.seq, r.reason.as_str()))
        .collect();
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(
        reasons[0] == (2, "this delivery is outside your territory"),
        "{reasons:?}"
    );
    assert!(
        reasons[1].0 == 3 && reasons[1].1.contains("not between 1 and the"),
        "{reasons:?}"
    );
    assert_eq!(
        reasons[2],
        (4, "a sales rep records resolutions, not deliveries")
    );

    // Dispatch sees both accepted resolutions on the route, and the replacement to route.
    let after = server
        .storage
        .route_report(server.demo.tenant_id, route_id)
        .unwrap();
    let kinds: Vec<&str> = after.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "resolution").count(),
        2,
        "{kinds:?}"
    );
    assert!(
        after.version > report.version,
        "the route is announced again for its courier"
    );
    let (status, orders) = send(
        &server,
        reqwest::Method::GET,
        "/v1/replacements",
        &dispatch,
        None,
    );
    assert_eq!(status, 200);
    assert_eq!(orders.as_array().unwrap().len(), 1, "{orders}");
    assert_eq!(orders[0]["stop_id"], json!(inside.id));
    assert_eq!(orders[0]["requested_by"], "Ana Sales");
    assert_eq!(orders[0]["status"], "to_route");
    assert_eq!(orders[0]["lines"][0]["qty"], json!(line.ordered_qty));

    // A courier may not resolve, even on their own route.
    let courier_device = server.clock.new_id();
    let (status, enrolled) = send(
        &server,
        reqwest::Method::POST,
        "/v1/enroll",
        "none",
        Some(json!({"code": server.code_of("Noor Courier"), "device_id": courier_device})),
    );
    assert_eq!(status, 200, "{enrolled}");
    let courier_token = enrolled["token"].as_str().unwrap().to_owned();
    let body = resolve(
        inside.id,
        Resolution::Note {
            text: "not mine to say".into(),
        },
    );
    let op = Op {
        device_id: courier_device,
        epoch: 1,
        seq: 1,
        sha256: doorstep_domain::sha256_hex(&serde_json::to_vec(&body).unwrap()),
        body,
    };
    let (status, answer) = send(
        &server,
        reqwest::Method::POST,
        "/v1/sync/push",
        &courier_token,
        Some(
            serde_json::to_value(PushRequest {
                device_id: courier_device,
                epoch: 1,
                ops: vec![op],
            })
            .unwrap(),
        ),
    );
    assert_eq!(status, 200, "{answer}");
    let reason = answer["rejections"][0]["reason"]
        .as_str()
        .unwrap_or_default();
    assert!(
        reason.contains("resolutions come from sales reps")
            || reason.contains("not assigned to you"),
        "{answer}"
    );
}

crate::on_both_stores!(
    a_reps_resolutions_sync_and_are_refused_outside_the_territory,
    the_reps_phone_and_the_planner_agree_and_a_reassignment_empties_the_phone,
    the_demo_gives_each_rep_late_and_incomplete_deliveries_to_see_first,
    territories_are_checked_whole_and_given_to_sales_reps_only,
    a_rep_sees_the_deliveries_inside_their_territory_judged_as_the_domain_judges,
);
