//! The app's real commands on `tauri::test::mock_builder()`: what the UI sends, what it gets
//! back, and how errors cross the boundary as `{code, message}`.

mod contract;
mod fixtures;
mod generated;

use std::path::Path;
use std::sync::Arc;

use chrono::TimeZone;
use doorstep_domain::{Clock, FakeClock};

use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY,
};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

struct TestApp {
    _app: App<MockRuntime>,
    webview: WebviewWindow<MockRuntime>,
    dir: tempfile::TempDir,
    /// The app's clock: never the machine's date or time zone.
    clock: Arc<FakeClock>,
}

impl TestApp {
    /// The real app builder on a fake clock (Wednesday 2026-11-25, 08:30 in Amsterdam), with
    /// a store in a temp dir holding that day's demo route.
    fn start() -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(FakeClock::with_offset(
            chrono::Utc
                .with_ymd_and_hms(2026, 11, 25, 7, 30, 0)
                .unwrap(),
            3600,
        ));
        let app = doorstep_app::build(mock_builder())
            .build(mock_context(noop_assets()))
            .expect("the app builds");
        doorstep_app::manage_store(&app, dir.path(), clock.clone()).expect("the store opens");
        let webview = WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .unwrap();
        let t = TestApp {
            _app: app,
            webview,
            dir,
            clock,
        };
        t.load_demo();
        t
    }

    /// A second connection to the app's store, on the app's clock.
    fn store(&self) -> doorstep_field::Store {
        doorstep_field::Store::open(self.dir.path(), self.clock.clone()).unwrap()
    }

    fn load_demo(&self) {
        let mut store = self.store();
        let today = store.clock().today();
        let route = doorstep_domain::demo::amsterdam_route(today, store.clock());
        store.routes().import(&route).unwrap();
    }

    /// A sales rep's cache: the territory "West" and the stops of the day's demo route, those
    /// west of 4.888° inside it. Returns the route and the territory's id.
    fn load_territory(&self) -> (doorstep_domain::Route, uuid::Uuid) {
        use doorstep_domain::account::{Account, Contact, DoorEvent};
        use doorstep_domain::sync::{ScopeStop, TerritoryState};
        use doorstep_domain::{LineOutcome, ShortfallReason, StopStatus};
        use doorstep_field::store::RepStop;

        let mut store = self.store();
        let today = store.clock().today();
        let route = doorstep_domain::demo::amsterdam_route(today, store.clock());
        let area = json!({"type": "Polygon", "coordinates": [[
            [4.80, 52.30], [4.888, 52.30], [4.888, 52.42], [4.80, 52.42], [4.80, 52.30]]]});
        let territory = TerritoryState {
            id: uuid::Uuid::from_u128(1),
            name: "West".into(),
            area,
        };
        // The first stop inside is a B2B account's, delivered short this morning.
        let first = route.stops.iter().find(|s| in_west(s)).unwrap();
        let account = Account {
            id: uuid::Uuid::from_u128(2),
            name: first.customer_name.clone(),
            address: first.address.clone(),
            lat: first.lat,
            lon: first.lon,
            contacts: vec![Contact {
                name: "Fleur Jansen".into(),
                role: Some("store manager".into()),
                phone: Some("+31205550199".into()),
                email: None,
            }],
            plan: None,
        };
        let short = DoorEvent {
            id: uuid::Uuid::from_u128(3),
            kind: "pod".into(),
            captured_at: self.clock.now() - chrono::Duration::hours(1),
            summary: "Delivered to Fleur Jansen, 1 line short".into(),
            lines: first
                .lines
                .iter()
                .enumerate()
                .map(|(i, l)| LineOutcome {
                    line_id: l.id,
                    delivered_qty: if i == 0 {
                        l.ordered_qty - 1
                    } else {
                        l.ordered_qty
                    },
                    shortfall_reason: (i == 0).then_some(ShortfallReason::Damaged),
                    note: None,
                })
                .collect(),
            photos: vec![],
        };
        let stops: Vec<RepStop> = route
            .stops
            .iter()
            .map(|s| {
                let is_first = s.id == first.id;
                RepStop::from(&ScopeStop {
                    id: s.id,
                    route_id: route.id,
                    date: route.date,
                    position: s.position,
                    customer_name: s.customer_name.clone(),
                    address: s.address.clone(),
                    lat: s.lat,
                    lon: s.lon,
                    window_start: s.window_start,
                    window_end: s.window_end,
                    status: if is_first {
                        StopStatus::PartlyDelivered
                    } else {
                        s.status
                    },
                    cancelled: false,
                    damaged: false,
                    courier_name: route.courier_name.clone(),
                    territory_id: in_west(s).then_some(territory.id),
                    route_version: 1,
                    customer_id: is_first.then_some(account.id),
                    contact_name: s.contact_name.clone(),
                    contact_phone: s.contact_phone.clone(),
                    lines: s.lines.clone(),
                    events: if is_first {
                        vec![short.clone()]
                    } else {
                        vec![]
                    },
                    resolutions: vec![],
                })
            })
            .collect();
        let id = territory.id;
        store
            .territory()
            .replace_with_accounts(
                &[territory],
                &stops,
                &[account],
                today - chrono::Duration::days(14),
                today + chrono::Duration::days(2),
            )
            .unwrap();
        (route, id)
    }

    /// Marks a stop cancelled as a pull from the planner does (`stops.cancelled`), without a
    /// planner.
    fn cancel(&self, stop_id: &Value) {
        let db = rusqlite::Connection::open(self.dir.path().join(doorstep_field::store::DB_FILE))
            .unwrap();
        let n = db
            .execute(
                "UPDATE stops SET cancelled = 1 WHERE id = ?1",
                [stop_id.as_str().unwrap()],
            )
            .unwrap();
        assert_eq!(n, 1, "the stop to cancel is on the phone");
    }

    fn invoke(&self, cmd: &str, body: InvokeBody) -> Result<Value, Value> {
        get_ipc_response(
            &self.webview,
            InvokeRequest {
                cmd: cmd.into(),
                callback: CallbackFn(0),
                error: CallbackFn(1),
                url: "tauri://localhost".parse().unwrap(),
                body,
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|b| b.deserialize::<Value>().unwrap())
    }

    fn call(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        self.invoke(cmd, InvokeBody::Json(args))
    }

    /// The detail of today's first stop with at least `lines` order lines, as the UI reads it.
    fn stop_with_lines(&self, lines: u64) -> Value {
        let route = self.call("route_today", json!({})).unwrap();
        let stop = route["stops"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["line_count"].as_u64().unwrap() >= lines)
            .expect("the demo route has a stop with that many lines");
        self.call("stop_detail", json!({ "stopId": stop["id"] }))
            .unwrap()
    }
}

/// The rep's territory in these tests: the west of the demo route.
fn in_west(s: &doorstep_domain::Stop) -> bool {
    s.lon < 4.888
}

#[test]
fn the_route_and_a_stop_read_as_the_ui_expects() {
    let app = TestApp::start();
    let route = app.call("route_today", json!({})).unwrap();
    assert_eq!(
        route["stops"].as_array().unwrap().len(),
        30,
        "the demo route has 30 stops"
    );
    assert_eq!(
        route["route"]["courier_name"], "Sam Courier",
        "the route names its courier"
    );
    let first = &route["stops"][0];
    assert_eq!(first["position"], 1, "stops come in route order");
    assert_eq!(first["status"], "pending", "a fresh stop is to do");
    assert_eq!(first["waiting_to_sync"], 0, "nothing was recorded yet");
    let detail = app
        .call("stop_detail", json!({ "stopId": first["id"] }))
        .unwrap();
    assert_eq!(
        detail["customer_name"], first["customer_name"],
        "the detail flattens the summary"
    );
    assert!(
        detail["contact_phone"].as_str().unwrap().starts_with("+31"),
        "the phone number is E.164, ready for a tel: link"
    );
    assert!(
        !detail["lines"].as_array().unwrap().is_empty(),
        "the detail lists the order lines"
    );
}

#[test]
fn the_route_list_reads_a_page_of_stops_with_the_whole_routes_progress_and_next_stop() {
    let app = TestApp::start();
    let first = app.call("route_today", json!({})).unwrap()["stops"][0]["id"].clone();
    app.call(
        "record_failed_attempt",
        json!({ "input": { "stop_id": first, "reason": "nobody_home", "note": null, "photo": null, "gps": null } }),
    )
    .unwrap();
    let whole = app.call("route_today", json!({})).unwrap();
    let page = app
        .call("route_today", json!({ "offset": 10, "limit": 5 }))
        .unwrap();
    let positions: Vec<u64> = page["stops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["position"].as_u64().unwrap())
        .collect();
    assert_eq!(
        positions,
        vec![11, 12, 13, 14, 15],
        "a page is the stops from its offset, in route order"
    );
    assert_eq!(
        page["stops"][0], whole["stops"][10],
        "a stop reads the same in a page as in the whole route"
    );
    assert_eq!(
        page["progress"],
        json!({ "total": 30, "done": 1, "cancelled": 0 }),
        "progress counts the whole route, not the page"
    );
    assert_eq!(
        page["next_stop"], whole["stops"][1]["id"],
        "the next stop comes from the whole route, even before the page"
    );
    assert_eq!(
        page["route"], whole["route"],
        "a page carries the route's header"
    );
    let first_page = app.call("route_today", json!({ "limit": 50 })).unwrap();
    assert_eq!(
        first_page, whole,
        "a page longer than the route is the whole route"
    );
    let past_the_end = app
        .call("route_today", json!({ "offset": 30, "limit": 50 }))
        .unwrap();
    assert_eq!(
        past_the_end["stops"],
        json!([]),
        "nothing after the last stop"
    );
    assert_eq!(
        past_the_end["progress"], whole["progress"],
        "an empty page still says how far the route is"
    );
}

#[test]
fn a_delivery_with_photo_signature_and_a_damaged_line_is_saved_and_waits_to_sync() {
    let app = TestApp::start();
    let detail = app.stop_with_lines(2);
    let stop_id = detail["id"].clone();

    let photo_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/testdata/photos/Portrait_5.jpg");
    let bytes = std::fs::read(&photo_path).unwrap();
    let photo = app.invoke("import_photo", InvokeBody::Raw(bytes)).unwrap();
    assert_eq!(
        photo["height"], 1600,
        "the photo comes back upright and downscaled"
    );

    let lines: Vec<Value> = detail["lines"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                json!({ "line_id": l["id"], "delivered_qty": l["ordered_qty"].as_u64().unwrap() - 1, "shortfall_reason": "damaged", "note": "crate cracked" })
            } else {
                json!({ "line_id": l["id"], "delivered_qty": l["ordered_qty"], "shortfall_reason": null, "note": null })
            }
        })
        .collect();
    let saved = app
        .call(
            "record_pod",
            json!({ "input": {
                "stop_id": stop_id, "recipient_name": "Joris Smit",
                "signature": { "width": 300, "height": 150, "strokes": [[{"x": 1, "y": 2, "t": 0}, {"x": 40, "y": 30, "t": 16}]] },
                "photos": [photo["sha256"]], "gps": { "lat": 52.37736, "lon": 4.88155, "accuracy_m": 9.5 },
                "lines": lines
            }}),
        )
        .unwrap();
    assert_eq!(
        saved["stop_status"], "partly_delivered",
        "a short line makes the stop partly delivered"
    );
    assert_eq!(
        saved["waiting_to_sync"], 1,
        "the proof is one op in the outbox"
    );
    let state = app.call("sync_state", json!({})).unwrap();
    assert_eq!(state["waiting_ops"], 1, "the sync state counts the proof");
    assert_eq!(
        state["waiting_photo_bytes"], photo["bytes"],
        "the photo waits to upload, by its stored size"
    );
    assert_eq!(
        state["planner_url"],
        Value::Null,
        "not connected to a planner yet"
    );
    let detail = app
        .call("stop_detail", json!({ "stopId": stop_id }))
        .unwrap();
    assert_eq!(
        detail["pods"][0]["lines"][0]["shortfall_reason"], "damaged",
        "the stop shows the short line's reason"
    );
    assert_eq!(
        detail["waiting_to_sync"], 1,
        "the stop shows its op waiting to sync"
    );
}

#[test]
fn errors_cross_as_code_and_message_and_save_nothing() {
    let app = TestApp::start();
    let route = app.call("route_today", json!({})).unwrap();
    let stop = &route["stops"][1];
    let err = app
        .call(
            "record_failed_attempt",
            json!({ "input": { "stop_id": stop["id"], "reason": "other", "note": null, "photo": null, "gps": null } }),
        )
        .unwrap_err();
    assert_eq!(
        err,
        json!({ "code": "invalid", "message": "Add a note saying why the delivery failed." }),
        "the refusal crosses as a code and the engine's sentence"
    );

    let err = app
        .invoke(
            "import_photo",
            InvokeBody::Raw(b"%PDF-1.4 not a photo".to_vec()),
        )
        .unwrap_err();
    assert_eq!(err["code"], "photo_rejected", "a PDF is not a photo");
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .starts_with("photo is not an image"),
        "the refusal says what is wrong: {err}"
    );

    let err = app
        .call("import_photo", json!({ "bytes": [1, 2, 3] }))
        .unwrap_err();
    assert_eq!(
        err["code"], "invalid",
        "JSON instead of raw bytes is refused: {err}"
    );

    let err = app
        .call(
            "stop_detail",
            json!({ "stopId": "00000000-0000-0000-0000-000000000000" }),
        )
        .unwrap_err();
    assert_eq!(err["code"], "not_found", "an unknown stop is not found");

    let ok = app
        .call(
            "record_failed_attempt",
            json!({ "input": { "stop_id": stop["id"], "reason": "nobody_home", "note": null, "photo": null, "gps": {"lat": 0, "lon": 0, "accuracy_m": 0} } }),
        )
        .unwrap();
    assert_eq!(
        ok["stop_status"], "failed",
        "a failed attempt fails the stop"
    );
    assert_eq!(
        ok["waiting_to_sync"], 1,
        "only the accepted action left an outbox op"
    );
    let again = app
        .call(
            "record_failed_attempt",
            json!({ "input": { "stop_id": stop["id"], "reason": "nobody_home", "note": null, "photo": null, "gps": null } }),
        )
        .unwrap_err();
    assert_eq!(
        again["code"], "illegal_status",
        "a failed stop takes no second failed attempt"
    );
}

#[test]
fn advancing_a_stop_moves_it_forward_only() {
    let app = TestApp::start();
    let route = app.call("route_today", json!({})).unwrap();
    let id = route["stops"][2]["id"].clone();
    let saved = app
        .call("advance_stop", json!({ "stopId": id, "status": "arrived" }))
        .unwrap();
    assert_eq!(
        saved["stop_status"], "arrived",
        "a stop may skip \"on the way\""
    );
    let err = app
        .call(
            "advance_stop",
            json!({ "stopId": id, "status": "en_route" }),
        )
        .unwrap_err();
    assert_eq!(err["code"], "illegal_status", "a stop never moves back");
    assert_eq!(
        err["message"], "this stop is already arrived and cannot be marked on the way",
        "the refusal names both steps"
    );
}

/// `enroll` is an async command and the transport is reqwest's blocking client, which panics on
/// an async runtime's worker: the command must run it on a blocking thread and answer in words.
#[test]
fn enrolling_with_an_unreachable_planner_answers_in_words_and_keeps_the_app_working() {
    let app = TestApp::start();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed); // nothing listens there now: the connection is refused at once
    let err = app
        .call("enroll", json!({ "plannerUrl": url, "code": "ABCD1234" }))
        .unwrap_err();
    assert_eq!(
        err["code"], "sync",
        "a network failure is a sync error: {err}"
    );
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("unreachable"),
        "the courier reads that the planner is unreachable: {err}"
    );
    let state = app.call("sync_state", json!({})).unwrap();
    assert_eq!(state["planner_url"], Value::Null, "still not enrolled");
}

/// A sales rep's commands, with the JSON the UI sends: the day's list with its filters, one
/// delivery, a resolution recorded (and refused outside the territory), the map's settings.
#[test]
fn a_reps_commands_read_and_write_as_the_ui_expects() {
    let app = TestApp::start();
    let (route, _territory) = app.load_territory();
    let today = app.clock.today();
    let inside = in_west;
    let (mine, theirs) = (
        route.stops.iter().find(|s| inside(s)).unwrap(),
        route.stops.iter().find(|s| !inside(s)).unwrap(),
    );

    let list = app.call("territories", json!({})).unwrap();
    assert_eq!(list[0]["name"], "West", "the rep's territory is listed");
    assert_eq!(
        list[0]["area"]["type"], "MultiPolygon",
        "areas are drawn as MultiPolygons"
    );

    let day = app
        .call(
            "territory_day",
            json!({"date": null, "territoryId": null,
                   "filter": {"status": null, "courier": null, "account": null, "search": null}}),
        )
        .unwrap();
    let rows = day["deliveries"].as_array().unwrap();
    assert_eq!(
        rows.len(),
        route.stops.iter().filter(|s| inside(s)).count(),
        "every stop inside the territory, none outside"
    );
    assert!(
        rows[0]["standing"]["standing"].is_string(),
        "each row says how it stands"
    );
    assert_eq!(
        day["couriers"],
        json!([route.courier_name]),
        "the courier filter offers the day's couriers"
    );
    let search = app
        .call(
            "territory_day",
            json!({"date": today.to_string(), "territoryId": list[0]["id"],
                   "filter": {"status": null, "courier": null, "account": null,
                              "search": mine.customer_name.to_uppercase()}}),
        )
        .unwrap();
    assert!(
        search["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["customer_name"] == json!(mine.customer_name)),
        "a search by name in any case keeps only that customer"
    );

    let detail = app
        .call("delivery_detail", json!({"stopId": mine.id}))
        .unwrap();
    assert_eq!(
        detail["lines"].as_array().unwrap().len(),
        mine.lines.len(),
        "the delivery lists every order line"
    );
    assert_eq!(
        detail["delivery"]["stop_id"],
        json!(mine.id),
        "the detail is of the asked delivery"
    );

    let line = &mine.lines[0];
    let saved = app
        .call(
            "record_resolution",
            json!({"stopId": mine.id, "resolution": {"action": "replacement",
                "lines": [{"line_id": line.id, "qty": 1}], "note": null}}),
        )
        .unwrap();
    assert_eq!(saved["waiting_to_sync"], 1, "the resolution waits to sync");
    let err = app
        .call(
            "record_resolution",
            json!({"stopId": theirs.id, "resolution": {"action": "escalate", "reason": "late again"}}),
        )
        .unwrap_err();
    assert_eq!(
        err,
        json!({"code": "outside_territory", "message": "this delivery is outside your territory"}),
        "a delivery outside the territory is refused in words"
    );
    let err = app
        .call(
            "record_resolution",
            json!({"stopId": mine.id, "resolution": {"action": "promise", "date": today.to_string(),
                "window_start": "12:00:00", "window_end": "10:00:00", "note": null}}),
        )
        .unwrap_err();
    assert_eq!(err["code"], "invalid", "a backwards window is bad input");
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("must end after it starts"),
        "the refusal says what to fix: {err}"
    );
    let after = app
        .call("delivery_detail", json!({"stopId": mine.id}))
        .unwrap();
    assert_eq!(
        after["resolutions"].as_array().unwrap().len(),
        1,
        "only the accepted resolution was saved"
    );
    assert_eq!(
        after["resolutions"][0]["waiting_to_sync"], true,
        "it is not on the planner yet"
    );
    assert_eq!(
        after["delivery"]["last_resolution"], "replacement requested",
        "the list row names the newest resolution"
    );

    let map = app.call("map_settings", json!({})).unwrap();
    assert!(
        map.get("tile_url").is_some(),
        "the map settings always carry tile_url, null when unset"
    );
}

/// The forms send what the courier typed and show the engine's answer: its refusals are the
/// sentences the UI's pre-checks used to write.
#[test]
fn a_proof_of_delivery_is_refused_in_the_words_the_form_shows() {
    let app = TestApp::start();
    let detail = app.stop_with_lines(2);
    let stop_id = detail["id"].clone();
    let line = &detail["lines"][0];
    let (name, ordered) = (
        line["description"].as_str().unwrap().to_owned(),
        line["ordered_qty"].as_u64().unwrap(),
    );
    // The form's lines as buildLineOutcomes sends them, the first one changed by `first`.
    let pod = |recipient: &str, signature: Value, first: Value| {
        let mut lines: Vec<Value> = detail["lines"].as_array().unwrap().iter().map(|l| {
            json!({ "line_id": l["id"], "delivered_qty": l["ordered_qty"], "shortfall_reason": null, "note": null })
        }).collect();
        lines[0] = first;
        json!({ "input": { "stop_id": stop_id, "recipient_name": recipient,
            "signature": signature, "photos": [], "gps": null, "lines": lines } })
    };
    let sig = json!({ "width": 300, "height": 150, "strokes": [[[1, 2, 0], [40, 30, 16]]] });
    let full = json!({ "line_id": line["id"], "delivered_qty": ordered, "shortfall_reason": null, "note": null });
    let cases = [
        (
            pod("", sig.clone(), full.clone()),
            "Type the name of the person who took the delivery.".to_owned(),
        ),
        (
            pod(&"x".repeat(121), sig.clone(), full.clone()),
            "The name is too long: 120 characters at most.".to_owned(),
        ),
        (
            pod("Joris Smit", Value::Null, full.clone()),
            "Add a photo or a signature as proof of delivery.".to_owned(),
        ),
        (
            pod(
                "Joris Smit",
                sig.clone(),
                json!({ "line_id": line["id"], "delivered_qty": ordered + 1, "shortfall_reason": null, "note": null }),
            ),
            format!("The quantity for “{name}” must be between 0 and {ordered}."),
        ),
        (
            pod(
                "Joris Smit",
                sig.clone(),
                json!({ "line_id": line["id"], "delivered_qty": 0, "shortfall_reason": null, "note": null }),
            ),
            format!("Choose why “{name}” is short."),
        ),
        (
            pod(
                "Joris Smit",
                sig.clone(),
                json!({ "line_id": line["id"], "delivered_qty": 0, "shortfall_reason": "other", "note": null }),
            ),
            format!("Add a note saying why “{name}” is short."),
        ),
    ];
    for (input, message) in cases {
        let err = app.call("record_pod", input).unwrap_err();
        assert_eq!(
            err,
            json!({ "code": "invalid", "message": message }),
            "the deliver form shows the engine's sentence"
        );
    }
    let state = app.call("sync_state", json!({})).unwrap();
    assert_eq!(
        state["waiting_ops"], 0,
        "no refused proof left anything to sync"
    );
}

#[test]
fn a_resolution_is_refused_in_the_words_the_form_shows() {
    let app = TestApp::start();
    let (route, _) = app.load_territory();
    let mine = route.stops.iter().find(|s| in_west(s)).unwrap();
    let line = &mine.lines[0];
    let today = app.clock.today().to_string();
    let cases = [
        (
            json!({ "action": "note", "text": "  " }),
            "Write the note.".to_owned(),
        ),
        (
            json!({ "action": "promise", "date": today, "window_start": "12:00:00",
                    "window_end": "10:00:00", "note": null }),
            "The new window must end after it starts.".to_owned(),
        ),
        (
            json!({ "action": "replacement", "lines": [], "note": null }),
            "Choose at least one item to replace.".to_owned(),
        ),
        (
            json!({ "action": "replacement",
                    "lines": [{ "line_id": line.id, "qty": line.ordered_qty + 1 }], "note": null }),
            format!(
                "“{}”: a replacement of {} is not between 1 and the {} ordered.",
                line.description,
                line.ordered_qty + 1,
                line.ordered_qty
            ),
        ),
        (
            json!({ "action": "escalate", "reason": "" }),
            "Say why dispatch must look at it.".to_owned(),
        ),
    ];
    for (resolution, message) in cases {
        let err = app
            .call(
                "record_resolution",
                json!({ "stopId": mine.id, "resolution": resolution }),
            )
            .unwrap_err();
        assert_eq!(
            err,
            json!({ "code": "invalid", "message": message }),
            "the resolve form shows the engine's sentence"
        );
    }
    let detail = app
        .call("delivery_detail", json!({ "stopId": mine.id }))
        .unwrap();
    assert_eq!(
        detail["resolutions"],
        json!([]),
        "no refused resolution was saved"
    );
}

/// The screens read what a stop allows from the engine: a cancelled stop is closed, refuses a
/// failed attempt with its own code, and the route's progress and next stop follow.
#[test]
fn the_views_say_what_each_stop_allows_and_the_engine_holds_to_it() {
    let app = TestApp::start();
    let route = app.call("route_today", json!({})).unwrap();
    assert_eq!(
        route["today"], "2026-11-25",
        "today is the app clock's date, not the machine's"
    );
    assert_eq!(
        route["progress"],
        json!({ "total": 30, "done": 0, "cancelled": 0 }),
        "a fresh route has nothing done"
    );
    assert_eq!(
        route["next_stop"], route["stops"][0]["id"],
        "the first stop comes first"
    );
    assert_eq!(
        route["stops"][0]["actions"],
        json!({ "deliver": true, "fail": true, "note": true, "advance_to": "en_route",
                "closed": false, "why_not": null }),
        "a stop to do offers everything"
    );

    let first = route["stops"][0]["id"].clone();
    app.cancel(&first);
    let err = app
        .call(
            "record_failed_attempt",
            json!({ "input": { "stop_id": first, "reason": "nobody_home", "note": null, "photo": null, "gps": null } }),
        )
        .unwrap_err();
    assert_eq!(
        err,
        json!({ "code": "cancelled",
                "message": "Dispatch cancelled this stop: nothing more can be recorded on it." }),
        "the engine refuses, whatever the UI showed"
    );
    let detail = app.call("stop_detail", json!({ "stopId": first })).unwrap();
    assert_eq!(
        detail["actions"],
        json!({ "deliver": false, "fail": false, "note": false, "advance_to": null,
                "closed": true, "why_not": "Dispatch cancelled this stop." }),
        "the stop screen reads the refusal before the courier taps"
    );
    assert_eq!(
        detail["failed_attempts"],
        json!([]),
        "the refused failure was not saved"
    );
    let route = app.call("route_today", json!({})).unwrap();
    assert_eq!(
        route["progress"]["cancelled"], 1,
        "the route counts the cancelled stop"
    );
    assert_eq!(
        route["next_stop"], route["stops"][1]["id"],
        "the next stop skips the cancelled one"
    );
}

/// The app's background sync is `field`'s loop: started on the app, it waits for an
/// enrolment without a round, and every save and "sync now" only rings its bell.
#[test]
fn the_background_sync_starts_and_saves_never_wait_for_it() {
    let app = TestApp::start();
    doorstep_app::start_sync(&app._app, app.dir.path()).expect("the sync loop starts");
    let state = app.call("sync_now", json!({})).unwrap();
    assert_eq!(
        state["planner_url"],
        Value::Null,
        "not enrolled: the loop waits and the answer comes at once"
    );
    let route = app.call("route_today", json!({})).unwrap();
    let saved = app
        .call(
            "advance_stop",
            json!({ "stopId": route["stops"][0]["id"], "status": "en_route" }),
        )
        .unwrap();
    assert_eq!(
        saved["waiting_to_sync"], 1,
        "the save is in the outbox whatever the sync loop does"
    );
}
