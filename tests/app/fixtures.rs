//! The UI's fixtures (ui/src/test/fixtures/*.json), written from the real engine through the
//! app's commands on a fake clock, so the UI suite fails when the engine changes shape. Ids
//! come from the fake clock's counter and the demo data: the same on every run.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{json, Value};

use super::generated::{check_or_update, repo};
use super::TestApp;

/// A full delivery's signature, as the signature pad sends it.
fn signature() -> Value {
    json!({ "width": 300, "height": 150, "strokes": [[[12, 40, 0], [80, 52, 16], [140, 38, 33]]] })
}

/// The courier's day part-way: stop 1 delivered with a note, stop 2 partly delivered, stop 3
/// failed, stop 4 arrived, stop 5 on the way, stop 6 cancelled by dispatch.
fn courier_day(app: &TestApp) -> BTreeMap<&'static str, Value> {
    let route = app.call("route_today", json!({})).unwrap();
    let stop = |i: usize| route["stops"][i].clone();
    let detail = |i: usize| {
        app.call("stop_detail", json!({ "stopId": stop(i)["id"] }))
            .unwrap()
    };
    let full = |d: &Value| -> Vec<Value> {
        d["lines"].as_array().unwrap().iter().map(|l| {
            json!({ "line_id": l["id"], "delivered_qty": l["ordered_qty"], "shortfall_reason": null, "note": null })
        }).collect()
    };

    let first = detail(0);
    app.call("record_pod", json!({ "input": {
        "stop_id": first["id"], "recipient_name": first["contact_name"].as_str().unwrap_or("A. Smit"),
        "signature": signature(), "photos": [], "gps": { "lat": first["lat"], "lon": first["lon"], "accuracy_m": 8.0 },
        "lines": full(&first) }}))
    .unwrap();
    app.call("record_condition_note", json!({ "input": {
        "stop_id": first["id"], "category": "damaged_packaging", "text": "Outer box dented, goods fine.",
        "photos": [], "line_id": first["lines"][0]["id"] }}))
    .unwrap();

    let second = detail(1);
    let mut lines = full(&second);
    let ordered = second["lines"][0]["ordered_qty"].as_u64().unwrap();
    lines[0] = json!({ "line_id": second["lines"][0]["id"], "delivered_qty": ordered - 1,
                       "shortfall_reason": "damaged", "note": "Crate cracked" });
    app.call(
        "record_pod",
        json!({ "input": {
        "stop_id": second["id"], "recipient_name": "J. de Boer", "signature": signature(),
        "photos": [], "gps": null, "lines": lines }}),
    )
    .unwrap();

    app.call(
        "record_failed_attempt",
        json!({ "input": {
        "stop_id": stop(2)["id"], "reason": "nobody_home", "note": "Rang twice, no answer.",
        "photo": null, "gps": null }}),
    )
    .unwrap();
    app.call(
        "advance_stop",
        json!({ "stopId": stop(3)["id"], "status": "arrived" }),
    )
    .unwrap();
    app.call(
        "advance_stop",
        json!({ "stopId": stop(4)["id"], "status": "en_route" }),
    )
    .unwrap();
    app.cancel(&stop(5)["id"]);

    BTreeMap::from([
        ("route", app.call("route_today", json!({})).unwrap()),
        ("stop-delivered", detail(0)),
        ("stop-partly-delivered", detail(1)),
        ("stop-failed", detail(2)),
        ("stop-cancelled", detail(5)),
        ("stop-pending", detail(6)),
    ])
}

/// A sales rep's day in the territory "West", the delivery that came short, its account.
fn rep_day(app: &TestApp) -> BTreeMap<&'static str, Value> {
    let (_route, _territory) = app.load_territory();
    let day = app
        .call(
            "territory_day",
            json!({ "date": null, "territoryId": null,
                    "filter": { "status": null, "courier": null, "account": null, "search": null } }),
        )
        .unwrap();
    let short = day["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["account_id"].is_string())
        .expect("the account's delivery is on the rep's list")
        .clone();
    BTreeMap::from([
        ("territories", app.call("territories", json!({})).unwrap()),
        ("rep-day", day),
        (
            "delivery",
            app.call("delivery_detail", json!({ "stopId": short["stop_id"] }))
                .unwrap(),
        ),
        (
            "account",
            app.call("account_card", json!({ "accountId": short["account_id"] }))
                .unwrap(),
        ),
    ])
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap() + "\n"
}

#[test]
fn the_uis_fixtures_are_what_the_engine_answers() {
    let courier = TestApp::start();
    let rep = TestApp::start();
    let mut fresh: BTreeMap<PathBuf, String> = BTreeMap::new();
    for (name, value) in courier_day(&courier).into_iter().chain(rep_day(&rep)) {
        fresh.insert(format!("{name}.json").into(), pretty(&value));
    }
    let route: Value = serde_json::from_str(&fresh[&PathBuf::from("route.json")]).unwrap();
    assert_eq!(
        route["today"], "2026-11-25",
        "the fixtures are written on the fake clock's day, whatever the machine's date"
    );
    check_or_update(
        "The UI's fixtures",
        &repo().join("ui/src/test/fixtures"),
        ".json",
        &fresh,
    );
}
