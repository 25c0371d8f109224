//! A sales rep's whole loop with real phones over HTTP, on both stores: dispatch stores B2B
//! accounts; a courier delivers short with a photo; the rep's phone syncs its territory, shows
//! the account card with that delivery, its photo and what is missing; the rep requests a
//! replacement offline (refused on the phone outside the territory); it syncs to the planner,
//! and on to the courier's phone with the route.

use doorstep_domain::resolution::{ReplacementLine, Resolution};
use doorstep_domain::territory::Area;
use doorstep_domain::{LineOutcome, NewPod, ShortfallReason};
use doorstep_field::sync::{enroll, HttpTransport, SyncEngine};
use doorstep_field::Store;
use doorstep_planner::auth::hash_secret;
use doorstep_planner::storage::{Role, User};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::{testdata_photo, Backing, Phone, TestServer};

/// The western half of the demo's Amsterdam.
fn west() -> Value {
    json!({"type": "Polygon", "coordinates": [[
        [4.80, 52.30], [4.888, 52.30], [4.888, 52.42], [4.80, 52.42], [4.80, 52.30]]]})
}

fn a_reps_phone_resolves_offline_and_the_resolution_reaches_planner_and_courier(backing: Backing) {
    let server = TestServer::start(backing);

    // Ana, a sales rep with the west of the city.
    let ana = User {
        id: server.clock.new_id(),
        name: "Ana Sales".into(),
        role: Role::SalesRep,
    };
    server
        .storage
        .create_user(server.demo.tenant_id, &ana)
        .unwrap();
    let (status, answer) = server.dispatch(
        reqwest::Method::POST,
        "/v1/territories",
        Some(
            json!({"type": "Feature", "properties": {"name": "West", "rep_id": ana.id},
            "geometry": west()}),
        ),
    );
    assert_eq!(status, 201, "{answer}");
    let area = Area::from_geojson(&west()).unwrap();

    // Sam's route: a B2B stop inside the territory, and a stop outside it.
    let route_id = server.route_of("Sam Courier");
    let report = server
        .storage
        .route_report(server.demo.tenant_id, route_id)
        .unwrap();
    let store_stop = report
        .route
        .stops
        .iter()
        .find(|s| {
            s.customer_kind == doorstep_domain::CustomerKind::B2b
                && area.contains(s.lat, s.lon)
                && s.lines.len() >= 2
        })
        .expect("the demo has a B2B store in the west")
        .clone();
    let outside = report
        .route
        .stops
        .iter()
        .find(|s| !area.contains(s.lat, s.lon))
        .unwrap()
        .clone();

    // Dispatch stores the store's account. A bad list is refused whole, in plain words.
    let account = json!({
        "ref": "ACME-1", "name": store_stop.customer_name, "address": store_stop.address,
        "lat": store_stop.lat, "lon": store_stop.lon,
        "contacts": [{"name": "Femke Visser", "role": "store manager", "phone": "+31205550123",
                      "email": "femke@example.nl"}],
        "plan": {"days": ["mon", "wed", "fri"], "window_start": "07:00:00", "window_end": "09:00:00",
                 "typical": [{"description": "Oat milk 1 L", "qty": 24, "unit": "carton"}]}
    });
    let mut bad = account.clone();
    bad["contacts"][0]["phone"] = json!("020 555 0123");
    bad["plan"]["window_end"] = json!("06:00:00");
    let (status, answer) = server.dispatch(
        reqwest::Method::POST,
        "/v1/accounts",
        Some(json!({"accounts": [bad]})),
    );
    assert_eq!(status, 400, "{answer}");
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("accounts[0].contacts[0]") && message.contains("international number"),
        "{message}"
    );
    assert!(
        message.contains("accounts[0].plan: the service plan's window must end after it starts"),
        "{message}"
    );
    let (status, ids) = server.dispatch(
        reqwest::Method::POST,
        "/v1/accounts",
        Some(json!({"accounts": [account]})),
    );
    assert_eq!(status, 201, "{ids}");
    let account_id: Uuid = serde_json::from_value(ids[0].clone()).unwrap();
    let (status, stored) = server.dispatch(
        reqwest::Method::GET,
        &format!("/v1/accounts/{account_id}"),
        None,
    );
    assert_eq!(
        status, 200,
        "dispatch reads back the account it has just stored"
    );
    assert_eq!(
        stored["plan"]["days"],
        json!(["mon", "wed", "fri"]),
        "the stored account keeps its service plan's days"
    );

    // Sam delivers the store short, with a photo, and syncs.
    let mut sam = Phone::enrol(&server, "Sam Courier");
    sam.sync().unwrap();
    let lines = sam.store.stops().detail(store_stop.id).unwrap().lines;
    let photo = sam
        .store
        .photos()
        .import(&testdata_photo("Landscape_6.jpg"))
        .unwrap()
        .sha256;
    let mut outcome: Vec<LineOutcome> = lines.iter().map(LineOutcome::in_full).collect();
    outcome[0].delivered_qty -= 1;
    outcome[0].shortfall_reason = Some(ShortfallReason::Missing);
    sam.store
        .pods()
        .record(NewPod {
            stop_id: store_stop.id,
            recipient_name: "Femke Visser".into(),
            signature: None,
            photos: vec![photo.clone()],
            gps: None,
            lines: outcome,
            corrects: None,
        })
        .unwrap();
    sam.sync().unwrap();

    // Ana's phone enrols and syncs: the rep's role brings the territory along.
    server
        .storage
        .add_enrolment_code(
            server.demo.tenant_id,
            ana.id,
            &hash_secret("ANA-CODE"),
            server.clock.now() + chrono::Duration::days(1),
        )
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut phone = Store::open(dir.path(), server.clock.clone()).unwrap();
    let transport = HttpTransport::new(&server.url).unwrap();
    enroll(&mut phone, &transport, &server.url, "ANA-CODE").unwrap();
    let engine = SyncEngine::default();
    let report = engine.sync_once(&mut phone, &transport).unwrap();
    assert!(
        report.territory.is_some_and(|t| t.territories == 1),
        "{report:?}"
    );
    let again = engine.sync_once(&mut phone, &transport).unwrap();
    assert!(
        again
            .territory
            .is_some_and(|t| t.unchanged && t.answer_bytes == 0),
        "nothing changed, so nothing is sent or applied: {again:?}"
    );
    let state = phone.sync_state().unwrap();
    assert_eq!(
        (state.role.as_deref(), state.user_name.as_deref()),
        (Some("sales_rep"), Some("Ana Sales")),
        "the enrolled phone belongs to the sales rep the code was made for"
    );

    // The list shows the short delivery first, with its account; filters narrow it.
    let day = phone.rep().day(None, None, &Default::default()).unwrap();
    let row = day
        .deliveries
        .iter()
        .find(|d| d.delivery.stop_id == store_stop.id)
        .expect("the store's delivery is in Ana's list");
    assert_eq!(
        row.account_id,
        Some(account_id),
        "the store's delivery is tied to the account of the same name and address"
    );
    assert_eq!(
        row.delivery.standing.label(),
        "incomplete",
        "a delivery with a line short stands as incomplete"
    );
    assert!(
        day.deliveries[0].delivery.standing.needs_attention(),
        "the incomplete delivery is listed first, as one that needs attention"
    );
    assert!(
        day.couriers.contains(&"Sam Courier".to_owned()),
        "the day names the courier who drives the store's route"
    );
    let only = phone
        .rep()
        .day(
            None,
            None,
            &doorstep_field::store::RepFilter {
                account: Some(account_id),
                ..Default::default()
            },
        )
        .unwrap();
    // The demo's three couriers each call at every store once.
    assert_eq!(only.deliveries.len(), 3, "{:?}", only.deliveries);
    assert!(
        only.deliveries
            .iter()
            .all(|d| d.account_id == Some(account_id)),
        "filtering by account leaves only that account's deliveries"
    );
    // Any case, accents too ("Café" found by "CAFÉ").
    let part: String = store_stop.customer_name.chars().take(4).collect();
    let searched = phone
        .rep()
        .day(
            None,
            None,
            &doorstep_field::store::RepFilter {
                search: Some(part.to_uppercase()),
                ..Default::default()
            },
        )
        .unwrap();
    assert!(
        searched.deliveries.iter().all(|d| d
            .delivery
            .customer_name
            .to_lowercase()
            .contains(&part.to_lowercase())),
        "a search keeps only deliveries whose customer name contains the typed part"
    );
    assert!(
        !searched.deliveries.is_empty(),
        "the search for a part of a known customer's name finds it"
    );

    // The delivery: what happened at the door, its photo, and what is missing.
    let detail = phone.rep().delivery(store_stop.id).unwrap();
    assert_eq!(
        detail.events.len(),
        1,
        "the delivery's history holds its one proof of delivery"
    );
    assert_eq!(
        detail.events[0].summary, "Delivered to Femke Visser, 1 line short",
        "the event says in words who took the delivery and what was short"
    );
    assert_eq!(
        detail.events[0].photos,
        vec![photo.clone()],
        "the proof of delivery names the photo the courier took"
    );
    assert_eq!(
        detail.suggested_replacement,
        vec![ReplacementLine {
            line_id: lines[0].id,
            qty: 1
        }],
        "the suggested replacement is the one short unit of the short line"
    );
    let bytes = engine.photo(&mut phone, &transport, &photo).unwrap();
    assert_eq!(
        doorstep_domain::sha256_hex(&bytes),
        photo,
        "the photo the rep's phone downloads is the one the courier took"
    );
    assert!(phone.photos().read(&photo).unwrap().is_some(), "kept");
    assert_eq!(
        phone.sync_state().unwrap().waiting_photo_bytes,
        0,
        "another person's photo never waits to be uploaded"
    );

    // The account card: contacts, plan, and the delivery in its history.
    let card = phone.rep().account(account_id).unwrap();
    assert_eq!(
        card.contacts[0].phone.as_deref(),
        Some("+31205550123"),
        "the account card shows the contact's phone number"
    );
    assert_eq!(
        card.plan.as_ref().unwrap().days_label(),
        "Mon, Wed, Fri",
        "the account card says the plan's days in words"
    );
    assert_eq!(
        card.deliveries.len(),
        3,
        "the account card lists the deliveries of this store"
    );
    let delivered = card
        .deliveries
        .iter()
        .find(|d| d.row.delivery.stop_id == store_stop.id)
        .unwrap();
    assert_eq!(
        delivered.events[0].kind, "pod",
        "the store's delivery shows the courier's proof of delivery first"
    );

    // Offline: outside the territory, and bad input, are refused on the phone; nothing saved.
    let waiting = phone.outbox().len().unwrap();
    let e = phone
        .rep()
        .resolve(
            outside.id,
            Resolution::Note {
                text: "called".into(),
            },
        )
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "this delivery is outside your territory",
        "a resolution outside the rep's territories is refused in plain words"
    );
    assert_eq!(
        e.code(),
        "outside_territory",
        "the refusal carries a code the UI can act on"
    );
    let e = phone
        .rep()
        .resolve(
            store_stop.id,
            Resolution::Replacement {
                lines: vec![ReplacementLine {
                    line_id: lines[0].id,
                    qty: lines[0].ordered_qty + 1,
                }],
                note: None,
            },
        )
        .unwrap_err();
    assert!(e.to_string().contains("not between 1 and the"), "{e}");
    assert_eq!(phone.outbox().len().unwrap(), waiting, "nothing half-saved");

    // The replacement of what is missing, recorded offline: it waits on the phone.
    let saved = phone
        .rep()
        .resolve(
            store_stop.id,
            Resolution::Replacement {
                lines: detail.suggested_replacement.clone(),
                note: Some("before Friday".into()),
            },
        )
        .unwrap();
    assert_eq!(
        saved.waiting_to_sync,
        waiting + 1,
        "the recorded replacement waits in the outbox until the next sync"
    );
    let pending = phone.rep().delivery(store_stop.id).unwrap();
    assert_eq!(
        pending.delivery.waiting_to_sync, 1,
        "the delivery shows its one resolution waiting to sync"
    );
    assert_eq!(
        pending.delivery.last_resolution.as_deref(),
        Some("replacement requested"),
        "the delivery's last resolution is the replacement just requested"
    );
    assert!(
        pending.resolutions[0].waiting_to_sync,
        "the new resolution is marked as waiting to sync"
    );
    assert_eq!(
        pending.resolutions[0].by, None,
        "a resolution not yet synced has no author confirmed by the planner"
    );
    assert_eq!(
        pending.resolutions[0].summary,
        format!(
            "Replacement requested: 1 × {} (before Friday)",
            lines[0].description
        ),
        "the resolution says in words what was requested, and by when"
    );

    // It syncs: dispatch has a replacement order to route, and the phone knows who sent it.
    let synced = engine.sync_once(&mut phone, &transport).unwrap();
    assert!(
        synced.territory.is_some_and(|t| !t.unchanged),
        "the resolution changed the scope"
    );
    assert_eq!(
        phone.outbox().len().unwrap(),
        0,
        "a successful sync drains the outbox"
    );
    let (_, orders) = server.dispatch(reqwest::Method::GET, "/v1/replacements", None);
    assert_eq!(orders.as_array().unwrap().len(), 1, "{orders}");
    assert_eq!(
        orders[0]["stop_id"],
        json!(store_stop.id),
        "the replacement order names the short stop"
    );
    assert_eq!(
        orders[0]["requested_by"], "Ana Sales",
        "the replacement order names the rep who asked for it"
    );
    assert_eq!(
        orders[0]["lines"][0]["qty"], 1,
        "the replacement order asks for the one short unit"
    );
    let after = phone.rep().delivery(store_stop.id).unwrap();
    assert_eq!(after.resolutions.len(), 1, "once, not twice");
    assert!(
        !after.resolutions[0].waiting_to_sync,
        "after the sync the resolution no longer waits"
    );
    assert_eq!(
        after.resolutions[0].by.as_deref(),
        Some("Ana Sales"),
        "after the sync the resolution names the rep the planner recorded"
    );
    let on_route = server
        .storage
        .route_report(server.demo.tenant_id, route_id)
        .unwrap();
    assert!(
        on_route
            .events
            .iter()
            .any(|e| e.kind == "resolution" && e.stop_id == store_stop.id),
        "dispatch sees the resolution on the courier's route, on the store's stop"
    );

    // Sam's phone gets it with the route.
    sam.sync().unwrap();
    let stop = sam.store.stops().detail(store_stop.id).unwrap();
    assert_eq!(
        stop.resolutions.len(),
        1,
        "the courier's phone receives the one resolution on the stop"
    );
    assert_eq!(
        stop.resolutions[0].by.as_deref(),
        Some("Ana Sales"),
        "the courier sees who asked for the replacement"
    );
    assert!(
        stop.resolutions[0]
            .summary
            .starts_with("Replacement requested: 1 × "),
        "the courier sees what was requested"
    );
    assert!(
        sam.store
            .stops()
            .detail(outside.id)
            .unwrap()
            .resolutions
            .is_empty(),
        "only the stop it concerns"
    );
}

crate::on_both_stores!(
    a_reps_phone_resolves_offline_and_the_resolution_reaches_planner_and_courier,
);
