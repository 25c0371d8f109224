//! Dispatch's import (JSON and CSV) and the signature drawing, over HTTP, with real phones.

use chrono::Duration;
use doorstep_domain::{LineOutcome, NewPod, Signature, SignaturePoint};
use doorstep_planner::auth::hash_secret;
use doorstep_planner::storage::{Role, User};
use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::{Backing, Phone, TestServer};

const HEADER: &str = "route,date,courier,stop,position,customer_ref,customer_name,customer_kind,address,lat,lon,contact_name,contact_phone,window_start,window_end,instructions,sku,description,qty,unit,barcode";

/// A raw call with any token and body; returns status, content type and body text.
fn call(
    server: &TestServer,
    method: Method,
    path: &str,
    token: &str,
    body: Option<(&str, String)>,
) -> (u16, String, String) {
    let client = reqwest::blocking::Client::new();
    let mut req = client
        .request(method, format!("{}{path}", server.url))
        .bearer_auth(token);
    if let Some((content_type, body)) = body {
        req = req.header("content-type", content_type).body(body);
    }
    let resp = req.send().unwrap();
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, resp.text().unwrap())
}

/// Posts an import as dispatch; returns status and JSON answer.
fn import(server: &TestServer, content_type: &str, body: String) -> (u16, Value) {
    let (status, _, text) = call(
        server,
        Method::POST,
        "/v1/import",
        &server.demo.dispatcher_token,
        Some((content_type, body)),
    );
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn user_id(server: &TestServer, name: &str) -> Uuid {
    server
        .demo
        .users
        .iter()
        .find(|u| u.name == name)
        .unwrap()
        .user_id
}

fn rows_of(answer: &Value) -> Vec<Value> {
    answer["error"]["rows"]
        .as_array()
        .unwrap_or_else(|| panic!("a refused import lists its rows: {answer}"))
        .iter()
        .map(|r| r["row"].clone())
        .collect()
}

fn a_json_import_reaches_the_couriers_phone_and_the_dispatchers_view(backing: Backing) {
    let server = TestServer::start(backing);
    let mut phone = Phone::enrol(&server, "Sam Courier");
    phone.sync().unwrap();
    let tomorrow = phone.today() + Duration::days(1);
    let route_id = Uuid::from_u128(0x1a2b_3c4d_0000_7000_8000_0000_0000_0001);
    let doc = json!({
        "customers": [{
            "ref": "ALB-0042", "name": "Albert Heijn Buikslotermeerplein", "kind": "b2b",
            "address": "Buikslotermeerplein 1, Amsterdam", "lat": 52.4003, "lon": 4.9325,
            "contact_phone": "+31 20 555 0142"
        }],
        "routes": [{
            "id": route_id,
            "date": tomorrow.to_string(),
            "courier": "sam courier",
            "stops": [
                {"customer": "ALB-0042", "window_start": "07:00", "window_end": "09:00",
                 "instructions": "Goods entrance at the back",
                 "lines": [
                    {"sku": "COF-500", "description": "Ground coffee 500 g", "qty": 24, "unit": "pack", "barcode": "8710000000017"},
                    {"sku": "MLK-1L", "description": "Whole milk 1 l", "qty": 48, "unit": "carton"}
                 ]},
                {"customer": {"ref": "C-1187", "name": "Ana de Vries", "kind": "b2c",
                              "address": "Meeuwenlaan 88, Amsterdam", "lat": 52.3891, "lon": 4.9154},
                 "position": 2, "window_start": "09:30", "window_end": "11:30",
                 "lines": [{"sku": "BOX-M", "description": "Parcel (medium)", "qty": 1, "unit": "parcel"}]}
            ]
        }]
    });
    let (status, answer) = import(&server, "application/json", doc.to_string());
    assert_eq!(status, 201, "a clean import is stored: {answer}");
    assert_eq!(
        answer,
        json!({"customers": 2, "routes": 1, "stops": 2, "lines": 3, "route_ids": [route_id]}),
        "the answer counts what was stored"
    );

    let (status, report) = server.dispatch(Method::GET, &format!("/v1/routes/{route_id}"), None);
    assert_eq!(status, 200, "dispatch reads the imported route's report");
    assert_eq!(
        report["courier_id"],
        json!(user_id(&server, "Sam Courier")),
        "the imported route is assigned to the courier the file names"
    );
    assert_eq!(
        report["route"]["courier_name"], "Sam Courier",
        "the courier is found whatever the case of the name"
    );
    let stops = report["route"]["stops"].as_array().unwrap();
    assert_eq!(stops.len(), 2, "the route has the two stops of the file");
    assert_eq!(
        stops[0]["customer_name"], "Albert Heijn Buikslotermeerplein",
        "the first stop is for the customer defined in the file"
    );
    assert_eq!(
        stops[0]["contact_phone"], "+31205550142",
        "the stop keeps the customer's contact phone"
    );
    assert_eq!(
        stops[0]["lines"].as_array().unwrap().len(),
        2,
        "the first stop carries its two order lines"
    );
    assert_eq!(
        stops[1]["customer_kind"], "b2c",
        "a customer given in full without a ref is a consumer"
    );

    let report = phone.sync().unwrap();
    assert_eq!(
        report.routes_updated, 1,
        "the new route reaches the phone on its next pull"
    );
    assert!(
        report.checksum_ok,
        "the phone's scope matches the planner's after the sync"
    );
    assert_eq!(
        phone.store.routes().on(tomorrow).unwrap(),
        Some(route_id),
        "the phone holds the imported route for tomorrow"
    );
    let view = phone.store.routes().view(route_id).unwrap();
    assert_eq!(
        view.stops.len(),
        2,
        "the courier sees both stops of the imported route"
    );
    assert_eq!(
        view.stops[1].customer_name, "Ana de Vries",
        "the second stop is for the consumer given in full"
    );

    // A route handed out is changed through PATCH, not imported again.
    let (status, answer) = import(&server, "application/json", doc.to_string());
    assert_eq!(
        status, 400,
        "importing a route id that exists already is a client mistake"
    );
    assert_eq!(
        answer["error"]["code"], "invalid_import",
        "the refusal lists the rows with problems"
    );
    assert_eq!(
        rows_of(&answer),
        [json!("routes[0]")],
        "the refusal names the route that exists already by its path"
    );
    assert!(
        answer["error"]["rows"][0]["message"]
            .as_str()
            .unwrap()
            .contains("exists already"),
        "{answer}"
    );
}

fn the_sample_csv_reaches_the_couriers_phones(backing: Backing) {
    let server = TestServer::start(backing);
    let mut noor = Phone::enrol(&server, "Noor Courier");
    noor.sync().unwrap();
    let sample = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/import.csv"),
    )
    .unwrap();
    let (status, answer) = import(&server, "text/csv; charset=utf-8", sample);
    assert_eq!(status, 201, "the documented sample imports: {answer}");
    assert_eq!(
        answer["customers"], 3,
        "the sample file defines three customers"
    );
    assert_eq!(answer["routes"], 2, "the sample file holds two routes");
    assert_eq!(
        answer["stops"], 4,
        "the sample file's routes have four stops in all"
    );
    assert_eq!(
        answer["lines"], 5,
        "the sample file's stops have five order lines in all"
    );
    let ids: Vec<Uuid> = serde_json::from_value(answer["route_ids"].clone()).unwrap();

    let report = noor.sync().unwrap();
    assert_eq!(
        report.routes_updated, 1,
        "Noor receives NOORD-1 and only it"
    );
    let date = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    assert_eq!(
        noor.store.routes().on(date).unwrap(),
        Some(ids[0]),
        "Noor's phone holds the route the file gives her on that day"
    );
    let view = noor.store.routes().view(ids[0]).unwrap();
    assert_eq!(view.stops.len(), 2, "Noor sees both stops of her route");
    assert_eq!(
        view.stops[0].customer_name, "Albert Heijn Buikslotermeerplein",
        "Noor's first stop is for the supermarket in the sample"
    );

    let (status, report) = server.dispatch(Method::GET, &format!("/v1/routes/{}", ids[1]), None);
    assert_eq!(
        status, 200,
        "dispatch reads the report of Kees's imported route"
    );
    assert_eq!(
        report["courier_id"],
        json!(user_id(&server, "Kees Courier")),
        "the second route goes to the courier the file names"
    );
    let stops = report["route"]["stops"].as_array().unwrap();
    assert_eq!(
        stops[1]["address"], "Buikslotermeerplein 1, 1025 ET Amsterdam",
        "a stop given by ref only takes the customer's details defined earlier in the file"
    );
    assert_eq!(
        stops[0]["instructions"], "Deliver before opening",
        "text with accents and commas survives"
    );
    assert_eq!(
        stops[0]["customer_name"], "Café De Pijp",
        "Kees's first stop is for the café in the sample"
    );
}

fn a_csv_with_three_bad_rows_is_refused_whole_with_their_line_numbers(backing: Backing) {
    let server = TestServer::start(backing);
    let route_id = Uuid::from_u128(0x5e1f_0000_0000_7000_8000_0000_0000_0042);
    let date = (server.clock.today() + Duration::days(2)).to_string();
    let csv = format!(
        "{HEADER}\n\
         {route_id},{date},Sam Courier,1,1,C-GOOD,Good Customer,b2b,Damrak 1,52.37,4.89,,,08:00,09:00,,S1,Tea,1,box,\n\
         {route_id},{date},Sam Courier,2,2,C-LAT,Bad Latitude,b2c,Damrak 2,91.5,4.89,,,09:00,10:00,,S1,Tea,1,box,\n\
         {route_id},{date},Sam Courier,3,3,C-FINE,Fine Too,b2c,Damrak 3,52.37,4.89,,,10:00,11:00,,S2,Coffee,2,box,\n\
         R2,{date},Nobody Courier,1,1,C-GOOD,,,,,,,,08:00,09:00,,S1,Tea,1,box,\n\
         {route_id},{date},Sam Courier,4,4,C-LATE,Late Window,b2c,Damrak 4,52.37,4.89,,,12:00,11:00,,S1,Tea,1,box,\n"
    );
    let (status, answer) = import(&server, "text/csv", csv);
    assert_eq!(status, 400, "{answer}");
    assert_eq!(
        answer["error"]["code"], "invalid_import",
        "the refusal lists the rows with problems"
    );
    assert_eq!(
        answer["error"]["message"], "3 rows have errors; nothing was imported",
        "the refusal counts the bad rows in plain words"
    );
    assert_eq!(
        rows_of(&answer),
        [json!(3), json!(5), json!(6)],
        "exactly the bad rows, by their line in the file (the header is line 1): {answer}"
    );
    let messages: Vec<&str> = answer["error"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["message"].as_str().unwrap())
        .collect();
    assert!(
        messages[0].contains("lat 91.5 is outside"),
        "{}",
        messages[0]
    );
    assert!(
        messages[1].contains("no courier is named \"Nobody Courier\""),
        "{}",
        messages[1]
    );
    assert!(
        messages[2].contains("window_end 11:00 is not after window_start 12:00"),
        "{}",
        messages[2]
    );

    // Nothing of the good rows was stored: not the route, not the customer.
    let (status, _) = server.dispatch(Method::GET, &format!("/v1/routes/{route_id}"), None);
    assert_eq!(status, 404, "the route of the good rows was not stored");
    let probe = json!({"routes": [{
        "date": date, "courier": "Sam Courier",
        "stops": [{"customer": "C-GOOD", "window_start": "08:00", "window_end": "09:00",
                   "lines": [{"sku": "S1", "description": "Tea", "qty": 1, "unit": "box"}]}]
    }]});
    let (status, answer) = server.dispatch(Method::POST, "/v1/import", Some(probe));
    assert_eq!(
        status, 400,
        "a stop for a customer ref the file defined in the refused import is unknown"
    );
    assert_eq!(
        rows_of(&answer),
        [json!("routes[0].stops[0]")],
        "the customer of the refused import was not stored, so its ref is a problem"
    );
    assert!(
        answer["error"]["rows"][0]["message"]
            .as_str()
            .unwrap()
            .contains("no customer has the ref \"C-GOOD\""),
        "the customer of the good rows was not stored either: {answer}"
    );
}

fn a_wrong_import_gets_a_plain_4xx(backing: Backing) {
    let server = TestServer::start(backing);
    let (status, answer) = import(
        &server,
        "text/csv",
        "route,date,courier,position,customer_ref,lattitude,window_start,window_end,sku,description,qty\n\
         R1,2026-12-01,Sam Courier,1,C1,52.3,08:00,09:00,S1,Tea,1\n"
            .into(),
    );
    assert_eq!(
        status, 400,
        "a CSV with an unknown and a missing column is refused"
    );
    assert_eq!(rows_of(&answer), [json!(1)], "the header is line 1");
    let message = answer["error"]["rows"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("unknown column \"lattitude\""),
        "{message}"
    );
    assert!(message.contains("missing column unit"), "{message}");

    let (status, answer) = import(
        &server,
        "application/json",
        json!({"routes": [{"date": "2026-12-01", "courier": "Sam Courier", "driver": "x", "stops": []}]})
            .to_string(),
    );
    assert_eq!(
        status, 400,
        "a JSON import with an unknown field is refused"
    );
    assert_eq!(
        rows_of(&answer),
        [json!("routes[0]"), json!("routes[0].driver")],
        "unknown fields are refused by their path: {answer}"
    );

    let (status, answer) = import(&server, "application/xml", "<routes/>".into());
    assert_eq!(
        status, 415,
        "an import in a format the planner does not read is an unsupported media type"
    );
    assert_eq!(
        answer["error"]["code"], "unsupported_media_type",
        "the refusal says the media type is the problem"
    );
    let (status, answer) = import(&server, "application/json", "{\"routes\": [".into());
    assert_eq!(status, 400, "JSON that does not parse is a client mistake");
    assert_eq!(
        answer["error"]["code"], "invalid",
        "an unreadable body is refused as invalid, not as an import with rows"
    );
    let (status, _) = import(&server, "text/csv", String::new());
    assert_eq!(status, 400, "an empty file is a client mistake");
}

/// A token for a courier's own user (not a device), as a web login would have.
fn courier_token(server: &TestServer) -> String {
    let token = "courier-user-token".to_owned();
    server
        .storage
        .add_user_token(
            server.demo.tenant_id,
            user_id(server, "Sam Courier"),
            &hash_secret(&token),
            server.clock.now(),
        )
        .unwrap();
    token
}

fn only_dispatch_may_import_or_read_signatures(backing: Backing) {
    let server = TestServer::start(backing);
    let token = courier_token(&server);
    let body = format!(
        "{HEADER}\nR1,2026-12-01,Sam Courier,1,1,C1,Ana,b2c,Damrak 1,52.37,4.89,,,08:00,09:00,,S1,Tea,1,box,\n"
    );
    let (status, _, text) = call(
        &server,
        Method::POST,
        "/v1/import",
        &token,
        Some(("text/csv", body)),
    );
    assert_eq!(status, 403, "a courier cannot import: {text}");
    let (status, _, _) = call(
        &server,
        Method::GET,
        &format!("/v1/events/{}/signature.svg", Uuid::from_u128(1)),
        &token,
        None,
    );
    assert_eq!(status, 403, "a courier cannot read others' signatures");
    let (status, _, _) = call(&server, Method::POST, "/v1/import", "nonsense", None);
    assert_eq!(
        status, 401,
        "an import without a token is refused as unauthenticated"
    );
}

fn deliver_with_signature(phone: &mut Phone, position: u32) -> Uuid {
    let stop_id = phone.store.routes().stop_at(position).unwrap();
    let lines = phone.store.stops().detail(stop_id).unwrap().lines;
    let point = |x: f64, y: f64, t: f64| SignaturePoint { x, y, t };
    phone
        .store
        .pods()
        .record(NewPod {
            stop_id,
            recipient_name: "Ana de Vries".into(),
            signature: Some(Signature {
                width: 320,
                height: 160,
                strokes: vec![
                    vec![
                        point(10.0, 80.0, 0.0),
                        point(60.25, 40.0, 16.0),
                        point(110.0, 90.0, 32.0),
                    ],
                    vec![point(150.0, 60.0, 400.0)],
                ],
            }),
            photos: vec![],
            gps: None,
            lines: lines.iter().map(LineOutcome::in_full).collect(),
            corrects: None,
        })
        .unwrap()
        .id
}

fn a_delivered_signature_is_drawn_as_svg(backing: Backing) {
    let server = TestServer::start(backing);
    let mut phone = Phone::enrol(&server, "Sam Courier");
    phone.sync().unwrap();
    let event = deliver_with_signature(&mut phone, 1);
    assert_eq!(
        phone.sync().unwrap().ops_acked,
        1,
        "the courier's POD with its signature is acked"
    );

    let token = server.demo.dispatcher_token.clone();
    let path = format!("/v1/events/{event}/signature.svg");
    let (status, content_type, svg) = call(&server, Method::GET, &path, &token, None);
    assert_eq!(status, 200, "{svg}");
    assert_eq!(
        content_type, "image/svg+xml",
        "the signature is served as an SVG image"
    );
    assert!(
        svg.contains("viewBox=\"0 0 320 160\""),
        "the pad's size: {svg}"
    );
    assert!(
        svg.contains("<path d=\"M10 80L60.3 40L110 90\""),
        "one path per stroke: {svg}"
    );
    assert!(
        svg.contains("<circle cx=\"150\" cy=\"60\""),
        "a dot is a circle: {svg}"
    );
    assert!(
        !svg.contains("<script"),
        "an SVG drawn from a device's data never carries a script"
    );

    let (status, _, text) = call(
        &server,
        Method::GET,
        &format!("/v1/events/{}/signature.svg", Uuid::from_u128(7)),
        &token,
        None,
    );
    assert_eq!(status, 404, "a signature of an unknown event is not found");
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        body["error"]["code"], "not_found",
        "the answer says the signature was not found"
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no event"),
        "the message says there is no such event"
    );
    let (status, _, _) = call(
        &server,
        Method::GET,
        "/v1/events/nope/signature.svg",
        &token,
        None,
    );
    assert_eq!(status, 400, "a malformed id is a client mistake");

    // Another tenant's dispatcher hears of no such event.
    let other = Uuid::from_u128(0x07e4);
    server.storage.create_tenant(other, "Other Co").unwrap();
    let boss = User {
        id: Uuid::from_u128(0x07e5),
        name: "Olga Other".into(),
        role: Role::Dispatcher,
    };
    server.storage.create_user(other, &boss).unwrap();
    server
        .storage
        .add_user_token(
            other,
            boss.id,
            &hash_secret("other-dispatch"),
            server.clock.now(),
        )
        .unwrap();
    let (status, _, _) = call(&server, Method::GET, &path, "other-dispatch", None);
    assert_eq!(status, 404, "an event of another tenant is not found");
}

crate::on_both_stores!(
    a_json_import_reaches_the_couriers_phone_and_the_dispatchers_view,
    the_sample_csv_reaches_the_couriers_phones,
    a_csv_with_three_bad_rows_is_refused_whole_with_their_line_numbers,
    a_wrong_import_gets_a_plain_4xx,
    only_dispatch_may_import_or_read_signatures,
    a_delivered_signature_is_drawn_as_svg,
);
