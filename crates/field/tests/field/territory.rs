//! A sales rep's territory cache: what it lists, in which order, how each delivery stands, and
//! that the R*Tree stays in step with the rows it indexes.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use doorstep_domain::lateness::{assess_route, LateBecause, Pace, Standing, StopFacts};
use doorstep_domain::sync::TerritoryState;
use doorstep_domain::StopStatus;
use doorstep_field::store::{DeliveryFilter, RepStop};
use doorstep_field::views::DeliveryView;
use rusqlite::Connection;
use serde_json::json;
use uuid::Uuid;

use crate::Device;

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
}

fn at(h: u32, m: u32) -> NaiveDateTime {
    day().and_time(t(h, m))
}

fn t(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

/// An L over central Amsterdam: its bounding box also holds a north-east notch that is not
/// part of it, at lat 52.37–52.39, lon 4.89–4.91.
fn centre() -> TerritoryState {
    TerritoryState {
        id: id(900),
        name: "Centrum".into(),
        area: json!({"type": "Polygon", "coordinates": [[
            [4.87, 52.36], [4.91, 52.36], [4.91, 52.37], [4.89, 52.37],
            [4.89, 52.39], [4.87, 52.39], [4.87, 52.36]
        ]]}),
    }
}

/// Points to put stops at.
const INSIDE_SOUTH: (f64, f64) = (52.365, 4.880);
const INSIDE_NORTH: (f64, f64) = (52.385, 4.880);
const INSIDE_EAST: (f64, f64) = (52.365, 4.905);
const IN_THE_NOTCH: (f64, f64) = (52.380, 4.900);
const FAR_SOUTH: (f64, f64) = (52.330, 4.950);

fn stop(route: u128, n: u128, position: u32, place: (f64, f64), window: (u32, u32)) -> RepStop {
    RepStop {
        id: id(route * 100 + n),
        route_id: id(route),
        date: day(),
        position,
        lat: place.0,
        lon: place.1,
        window_start: t(window.0, 0),
        window_end: t(window.1, 0),
        status: StopStatus::Pending,
        cancelled: false,
        damaged: false,
        customer_name: format!("Customer {route}-{n}"),
        address: format!("Street {n}"),
        courier_name: format!("Courier {route}"),
        version: 1,
        detail: Default::default(),
    }
}

fn all(dev: &mut Device, now: NaiveDateTime) -> Vec<DeliveryView> {
    dev.store
        .territory()
        .late_first(None, day(), now, &DeliveryFilter::default())
        .unwrap()
}

fn ids(list: &[DeliveryView]) -> Vec<Uuid> {
    list.iter().map(|d| d.stop_id).collect()
}

fn db(dev: &Device) -> Connection {
    Connection::open(dev.dir.path().join("doorstep.db")).unwrap()
}

/// The R*Tree against the rows: one box per route with stops inside a territory, and each
/// such stop inside its route's box on its day.
fn assert_index_in_step(dev: &Device, why: &str) {
    let conn = db(dev);
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    let routes =
        count("SELECT COUNT(DISTINCT route_id) FROM rep_stops WHERE territory_id IS NOT NULL");
    let entries = count("SELECT COUNT(*) FROM rep_routes_where");
    assert_eq!(
        routes, entries,
        "{why}: one R*Tree box per route with a stop inside a territory"
    );
    let named = count("SELECT COUNT(*) FROM rep_routes");
    assert_eq!(named, entries, "{why}: no route numbered without a box");
    // R*Tree keeps 32-bit floats, rounded outwards: the box must hold the exact point.
    let off = count(
        "SELECT COUNT(*) FROM rep_stops s LEFT JOIN rep_routes r ON r.id = s.route_id
         LEFT JOIN rep_routes_where w ON w.rid = r.rid
         WHERE s.territory_id IS NOT NULL AND (w.rid IS NULL OR NOT (w.min_lat <= s.lat AND s.lat <= w.max_lat
            AND w.min_lon <= s.lon AND s.lon <= w.max_lon
            AND w.min_day <= s.day AND s.day <= w.max_day))",
    );
    assert_eq!(
        off, 0,
        "{why}: every stop inside a territory sits in its route's box"
    );
}

#[test]
fn only_the_days_stops_inside_the_polygon_are_listed() {
    let mut dev = Device::empty();
    let mut other_day = stop(1, 5, 5, INSIDE_SOUTH, (9, 17));
    other_day.date = day().succ_opt().unwrap();
    other_day.route_id = id(2);
    let stops = vec![
        stop(1, 1, 1, INSIDE_SOUTH, (9, 17)),
        stop(1, 2, 2, IN_THE_NOTCH, (9, 17)),
        stop(1, 3, 3, FAR_SOUTH, (9, 17)),
        stop(1, 4, 4, INSIDE_EAST, (9, 17)),
        other_day,
    ];
    let applied = dev.store.territory().apply(&[centre()], &stops).unwrap();
    assert_eq!(applied.stops, 5);
    let list = all(&mut dev, at(8, 0));
    assert_eq!(
        ids(&list),
        vec![id(101), id(104)],
        "the notch is inside the box but outside the L; far south is outside; tomorrow is another day"
    );
    assert!(list.iter().all(|d| d.territory_id == id(900)));
    let one = dev
        .store
        .territory()
        .late_first(Some(id(900)), day(), at(8, 0), &DeliveryFilter::default())
        .unwrap();
    assert_eq!(one, list, "the rep's only territory lists the same");
    let tomorrow = dev
        .store
        .territory()
        .late_first(None, other_day_date(), at(8, 0), &DeliveryFilter::default())
        .unwrap();
    assert_eq!(
        ids(&tomorrow),
        vec![id(105)],
        "tomorrow lists tomorrow's stop"
    );

    // Filed under the territory, or under none.
    let conn = db(&dev);
    let filed: Vec<(String, Option<String>)> = conn
        .prepare("SELECT id, territory_id FROM rep_stops ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let inside: Vec<&str> = filed
        .iter()
        .filter(|(_, t)| t.is_some())
        .map(|(s, _)| s.as_str())
        .collect();
    assert_eq!(
        inside,
        vec![
            id(101).to_string(),
            id(104).to_string(),
            id(105).to_string()
        ],
        "stops outside every territory are kept for lateness but filed under none"
    );
    assert_index_in_step(&dev, "after the first apply");
}

fn other_day_date() -> NaiveDate {
    day().succ_opt().unwrap()
}

#[test]
fn late_and_incomplete_come_first_then_by_window_then_customer() {
    let mut dev = Device::empty();
    let mut s = vec![
        stop(1, 1, 1, INSIDE_SOUTH, (13, 17)),
        stop(1, 2, 2, INSIDE_NORTH, (9, 10)), // window closed at 10:00: late
        stop(1, 3, 3, INSIDE_EAST, (11, 17)),
        stop(2, 1, 1, INSIDE_SOUTH, (11, 17)),
        stop(2, 2, 2, INSIDE_NORTH, (8, 12)),
    ];
    s[0].status = StopStatus::PartlyDelivered; // incomplete
    s[3].customer_name = "Albert".into(); // same window as 1-3, earlier name
    s[4].status = StopStatus::Delivered;
    dev.store.territory().apply(&[centre()], &s).unwrap();
    let list = all(&mut dev, at(10, 30));
    let order: Vec<(&str, &str)> = list
        .iter()
        .map(|d| (d.customer_name.as_str(), d.standing.label()))
        .collect();
    assert_eq!(
        order,
        vec![
            ("Customer 1-2", "late"),
            ("Customer 1-1", "incomplete"),
            ("Customer 2-2", "delivered"),
            ("Albert", "on track"),
            ("Customer 1-3", "on track"),
        ],
        "needing attention first, then window start, then customer name"
    );
}

#[test]
fn standings_are_what_assess_route_says_over_the_whole_route() {
    let mut dev = Device::empty();
    // Route 1: done far south, then a stop 4 km north whose window closes soon: the drive
    // from outside the territory makes it late. Route 2: mixed outcomes.
    let mut r1 = vec![
        stop(1, 1, 1, FAR_SOUTH, (8, 17)),
        stop(1, 2, 2, INSIDE_NORTH, (8, 17)),
        stop(1, 3, 3, INSIDE_SOUTH, (8, 11)),
    ];
    r1[0].status = StopStatus::Delivered;
    let mut r2 = vec![
        stop(2, 1, 1, INSIDE_EAST, (8, 9)),
        stop(2, 2, 2, INSIDE_SOUTH, (8, 18)),
        stop(2, 3, 3, INSIDE_NORTH, (8, 18)),
        stop(2, 4, 4, FAR_SOUTH, (8, 18)),
        stop(2, 5, 5, INSIDE_SOUTH, (8, 18)),
        stop(2, 6, 6, INSIDE_NORTH, (8, 18)),
    ];
    r2[0].status = StopStatus::Delivered;
    r2[0].damaged = true;
    r2[1].status = StopStatus::Failed;
    r2[2].cancelled = true;
    r2[3].status = StopStatus::Arrived;
    r2[4].status = StopStatus::EnRoute;
    let stops: Vec<RepStop> = r1.iter().chain(&r2).cloned().collect();
    dev.store.territory().apply(&[centre()], &stops).unwrap();

    let now = at(10, 40);
    let list = all(&mut dev, now);
    assert_eq!(list.len(), 7, "every stop inside, none outside");
    let mut expected = vec![];
    for route in [&r1, &r2] {
        let facts: Vec<StopFacts> = route
            .iter()
            .map(|s| StopFacts {
                id: s.id,
                position: s.position,
                lat: s.lat,
                lon: s.lon,
                window_start: s.window_start,
                window_end: s.window_end,
                status: s.status,
                cancelled: s.cancelled,
                damaged: s.damaged,
            })
            .collect();
        expected.extend(assess_route(day(), &facts, now, Pace::default()));
    }
    for d in &list {
        let want = expected.iter().find(|(id, _)| *id == d.stop_id).unwrap().1;
        assert_eq!(
            d.standing, want,
            "{}: the device says what assess_route says",
            d.customer_name
        );
    }
    let standing = |n: u128| list.iter().find(|d| d.stop_id == id(n)).unwrap().standing;
    assert!(
        matches!(
            standing(103),
            Standing::Late {
                why: LateBecause::CannotMakeWindow { .. }
            }
        ),
        "the projection starts where the courier is, outside the territory: {:?}",
        standing(103)
    );
    assert_eq!(
        standing(201),
        Standing::Incomplete {
            short: false,
            damaged: true
        }
    );
    assert_eq!(standing(203), Standing::Cancelled);
}

#[test]
fn applying_the_same_batch_again_changes_nothing_and_an_older_version_is_ignored() {
    let mut dev = Device::empty();
    let stops = vec![
        stop(1, 1, 1, INSIDE_SOUTH, (9, 17)),
        stop(1, 2, 2, INSIDE_NORTH, (9, 17)),
        stop(1, 3, 3, FAR_SOUTH, (9, 17)),
    ];
    dev.store.territory().apply(&[centre()], &stops).unwrap();
    let before = all(&mut dev, at(9, 0));
    dev.store.territory().apply(&[centre()], &stops).unwrap();
    assert_eq!(all(&mut dev, at(9, 0)), before, "a re-apply lists the same");
    let conn = db(&dev);
    let n: i64 = conn
        .query_row("SELECT COUNT(*) FROM rep_stops", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 3, "no row twice");
    assert_eq!(
        dev.store.territory().list().unwrap().len(),
        1,
        "no territory twice"
    );
    assert_index_in_step(&dev, "after a re-apply");

    let mut newer = stops[0].clone();
    newer.version = 5;
    newer.status = StopStatus::Delivered;
    let mut stale = stops[0].clone();
    stale.version = 4;
    stale.status = StopStatus::Failed;
    dev.store.territory().apply(&[], &[newer]).unwrap();
    let applied = dev.store.territory().apply(&[], &[stale]).unwrap();
    assert_eq!(applied.stops, 0, "an older version writes nothing");
    let list = all(&mut dev, at(9, 0));
    let first = list.iter().find(|d| d.stop_id == id(101)).unwrap();
    assert_eq!(
        first.status,
        StopStatus::Delivered,
        "the newer version stays"
    );
}

#[test]
fn removing_routes_removes_their_stops_and_index_entries() {
    let mut dev = Device::empty();
    let stops = vec![
        stop(1, 1, 1, INSIDE_SOUTH, (9, 17)),
        stop(1, 2, 2, FAR_SOUTH, (9, 17)),
        stop(2, 1, 1, INSIDE_NORTH, (9, 17)),
    ];
    dev.store.territory().apply(&[centre()], &stops).unwrap();
    let removed = dev
        .store
        .territory()
        .remove_routes(&[id(1), id(7)])
        .unwrap();
    assert_eq!(removed, 2, "both stops of route 1; route 7 was never here");
    assert_eq!(ids(&all(&mut dev, at(9, 0))), vec![id(201)]);
    assert_index_in_step(&dev, "after removal");
}

#[test]
fn a_stop_that_moves_moves_in_the_index_too() {
    let mut dev = Device::empty();
    let stops = vec![
        stop(1, 1, 1, INSIDE_SOUTH, (9, 17)),
        stop(1, 2, 2, INSIDE_NORTH, (9, 17)),
    ];
    dev.store.territory().apply(&[centre()], &stops).unwrap();

    // Dispatch corrects the first stop's address into the notch, and moves the second
    // to tomorrow.
    let mut moved = stops[0].clone();
    moved.version = 2;
    (moved.lat, moved.lon) = IN_THE_NOTCH;
    let mut later = stops[1].clone();
    later.version = 2;
    later.date = other_day_date();
    dev.store.territory().apply(&[], &[moved, later]).unwrap();
    assert_index_in_step(&dev, "after the moves");
    assert!(
        all(&mut dev, at(9, 0)).is_empty(),
        "neither is inside today any more"
    );
    let tomorrow = dev
        .store
        .territory()
        .late_first(None, other_day_date(), at(9, 0), &DeliveryFilter::default())
        .unwrap();
    assert_eq!(ids(&tomorrow), vec![id(102)]);
    let conn = db(&dev);
    let filed: Option<String> = conn
        .query_row(
            "SELECT territory_id FROM rep_stops WHERE id = ?1",
            [id(101).to_string()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(filed, None, "the moved stop is filed under no territory");

    // And back.
    let mut back = stops[0].clone();
    back.version = 3;
    dev.store.territory().apply(&[], &[back]).unwrap();
    assert_index_in_step(&dev, "after moving back");
    assert_eq!(ids(&all(&mut dev, at(9, 0))), vec![id(101)]);
}

#[test]
fn a_territory_that_changes_shape_files_its_stops_again() {
    let mut dev = Device::empty();
    let stops = vec![
        stop(1, 1, 1, INSIDE_SOUTH, (9, 17)),
        stop(1, 2, 2, IN_THE_NOTCH, (9, 17)),
    ];
    dev.store.territory().apply(&[centre()], &stops).unwrap();
    assert_eq!(ids(&all(&mut dev, at(9, 0))), vec![id(101)]);
    // The L becomes a square over its box: the notch joins, and the stop is filed under it.
    let mut square = centre();
    square.area = json!({"type": "Polygon", "coordinates": [[
        [4.87, 52.36], [4.91, 52.36], [4.91, 52.39], [4.87, 52.39], [4.87, 52.36]
    ]]});
    dev.store.territory().apply(&[square], &[]).unwrap();
    assert_eq!(ids(&all(&mut dev, at(9, 0))), vec![id(101), id(102)]);
    let filed: i64 = db(&dev)
        .query_row(
            "SELECT COUNT(*) FROM rep_stops WHERE territory_id = ?1",
            [id(900).to_string()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(filed, 2, "both stops are filed under the grown territory");
}

#[test]
fn with_two_territories_each_stop_is_listed_once_under_the_first_by_name() {
    let mut dev = Device::empty();
    // "Amstel" overlaps the south of the L.
    let amstel = TerritoryState {
        id: id(901),
        name: "Amstel".into(),
        area: json!({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[
            [4.86, 52.355], [4.92, 52.355], [4.92, 52.368], [4.86, 52.368], [4.86, 52.355]
        ]]}}),
    };
    let stops = vec![
        stop(1, 1, 1, INSIDE_SOUTH, (9, 17)),
        stop(1, 2, 2, INSIDE_NORTH, (9, 17)),
    ];
    dev.store
        .territory()
        .apply(&[centre(), amstel], &stops)
        .unwrap();
    let names: Vec<String> = dev
        .store
        .territory()
        .list()
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, vec!["Amstel", "Centrum"]);
    let list = all(&mut dev, at(9, 0));
    let filed: Vec<(Uuid, Uuid)> = list.iter().map(|d| (d.stop_id, d.territory_id)).collect();
    assert_eq!(
        filed,
        vec![(id(101), id(901)), (id(102), id(900))],
        "a stop in both is listed once, under Amstel, first by name, as the planner lists it"
    );
    let centrum = dev
        .store
        .territory()
        .late_first(Some(id(900)), day(), at(9, 0), &DeliveryFilter::default())
        .unwrap();
    assert_eq!(
        ids(&centrum),
        vec![id(101), id(102)],
        "one territory lists all it holds"
    );
    let err = dev
        .store
        .territory()
        .late_first(Some(id(999)), day(), at(9, 0), &DeliveryFilter::default())
        .unwrap_err();
    assert_eq!(err.code(), "not_found", "{err}");
}

#[test]
fn filters_narrow_the_list_by_status_courier_and_customer() {
    let mut dev = Device::empty();
    let mut s = vec![
        stop(1, 1, 1, INSIDE_SOUTH, (9, 17)),
        stop(1, 2, 2, INSIDE_NORTH, (9, 17)),
        stop(2, 1, 1, INSIDE_EAST, (9, 17)),
    ];
    s[0].status = StopStatus::Delivered;
    s[1].customer_name = "Bakkerij de Vries".into();
    dev.store.territory().apply(&[centre()], &s).unwrap();
    let mut list = |f: DeliveryFilter| {
        ids(&dev
            .store
            .territory()
            .late_first(None, day(), at(9, 0), &f)
            .unwrap())
    };
    assert_eq!(
        list(DeliveryFilter {
            status: Some(StopStatus::Delivered),
            ..Default::default()
        }),
        vec![id(101)]
    );
    assert_eq!(
        list(DeliveryFilter {
            courier: Some("courier 2".into()),
            ..Default::default()
        }),
        vec![id(201)],
        "the courier's name in any case"
    );
    assert_eq!(
        list(DeliveryFilter {
            customer: Some("VRIES".into()),
            ..Default::default()
        }),
        vec![id(102)],
        "part of the customer's name in any case"
    );
}

#[test]
fn a_bad_batch_is_refused_whole_in_plain_words() {
    let mut dev = Device::empty();
    let good = vec![
        stop(1, 1, 1, INSIDE_SOUTH, (9, 17)),
        stop(1, 2, 2, INSIDE_NORTH, (9, 17)),
    ];
    let mut bow_tie = centre();
    bow_tie.area =
        json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]});
    let err = dev.store.territory().apply(&[bow_tie], &good).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("territory \"Centrum\" has a bad area: "),
        "{err}"
    );

    let mut bad = good.clone();
    bad.push(stop(1, 3, 3, (95.0, 4.88), (9, 17)));
    let err = dev.store.territory().apply(&[centre()], &bad).unwrap_err();
    assert!(
        err.to_string().contains("stop 3 of the batch")
            && err.to_string().contains("outside the map"),
        "{err}"
    );
    let mut backwards = good.clone();
    backwards[1].window_end = t(8, 0);
    let err = dev
        .store
        .territory()
        .apply(&[centre()], &backwards)
        .unwrap_err();
    assert!(
        err.to_string().contains("must end after it starts"),
        "{err}"
    );
    assert_eq!(err.code(), "invalid");

    assert!(
        dev.store.territory().list().unwrap().is_empty(),
        "nothing half-saved"
    );
    let n: i64 = db(&dev)
        .query_row("SELECT COUNT(*) FROM rep_stops", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 0, "nothing half-saved");
    assert_index_in_step(&dev, "after refused batches");
}

#[test]
fn replacing_the_scope_of_some_days_lets_go_of_what_left_it() {
    let mut dev = Device::empty();
    let amstel = TerritoryState {
        id: id(901),
        name: "Amstel".into(),
        area: json!({"type": "Polygon", "coordinates": [[
            [4.86, 52.355], [4.92, 52.355], [4.92, 52.368], [4.86, 52.368], [4.86, 52.355]
        ]]}),
    };
    let mut tomorrow = stop(3, 1, 1, INSIDE_NORTH, (9, 17));
    tomorrow.date = other_day_date();
    let stops = vec![
        stop(1, 1, 1, INSIDE_SOUTH, (9, 17)),
        stop(1, 2, 2, INSIDE_NORTH, (9, 17)),
        stop(1, 3, 3, FAR_SOUTH, (9, 17)),
        stop(2, 1, 1, INSIDE_EAST, (9, 17)),
        tomorrow,
    ];
    dev.store
        .territory()
        .apply(&[centre(), amstel], &stops)
        .unwrap();
    assert_eq!(all(&mut dev, at(9, 0))[0].territory_id, id(901));

    // Today's scope again: route 2 left it, route 1 lost its far stop, Amstel was taken away.
    let today = vec![stops[0].clone(), stops[1].clone()];
    let applied = dev
        .store
        .territory()
        .replace(&[centre()], &today, day(), day())
        .unwrap();
    assert_eq!((applied.territories, applied.stops), (1, 2));
    let list = all(&mut dev, at(9, 0));
    assert_eq!(
        list.iter()
            .map(|d| (d.stop_id, d.territory_id))
            .collect::<Vec<_>>(),
        vec![(id(101), id(900)), (id(102), id(900))],
        "route 2 is gone, and the stop Amstel held is Centrum's now"
    );
    let left: Vec<String> = db(&dev)
        .prepare("SELECT id FROM rep_stops ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        left,
        vec![
            id(101).to_string(),
            id(102).to_string(),
            id(301).to_string()
        ],
        "the far stop left with its route's new shape; tomorrow's route was not in the days asked"
    );
    assert_index_in_step(&dev, "after a replace");

    let err = dev
        .store
        .territory()
        .replace(&[centre()], &[], other_day_date(), day())
        .unwrap_err();
    assert!(err.to_string().contains("before the first"), "{err}");
}

#[test]
fn the_device_lists_what_assess_scope_lists_from_the_planners_scope() {
    use doorstep_domain::lateness::assess_scope;
    use doorstep_domain::sync::ScopeStop;

    let mut dev = Device::empty();
    let mut r = [
        stop(1, 1, 1, FAR_SOUTH, (8, 17)),
        stop(1, 2, 2, INSIDE_NORTH, (8, 17)),
        stop(1, 3, 3, INSIDE_SOUTH, (8, 11)),
        stop(1, 4, 4, IN_THE_NOTCH, (8, 12)),
        stop(2, 1, 1, INSIDE_EAST, (8, 9)),
        stop(2, 2, 2, INSIDE_SOUTH, (8, 18)),
    ];
    r[0].status = StopStatus::Delivered;
    r[4].status = StopStatus::PartlyDelivered;
    // What the planner would send: its own filing beside each stop.
    let scope: Vec<ScopeStop> = r
        .iter()
        .map(|s| ScopeStop {
            id: s.id,
            route_id: s.route_id,
            date: s.date,
            position: s.position,
            customer_name: s.customer_name.clone(),
            address: s.address.clone(),
            lat: s.lat,
            lon: s.lon,
            window_start: s.window_start,
            window_end: s.window_end,
            status: s.status,
            cancelled: s.cancelled,
            damaged: s.damaged,
            courier_name: s.courier_name.clone(),
            territory_id: [INSIDE_NORTH, INSIDE_SOUTH, INSIDE_EAST]
                .contains(&(s.lat, s.lon))
                .then_some(id(900)),
            route_version: 7,
            customer_id: None,
            contact_name: None,
            contact_phone: None,
            lines: vec![],
            events: vec![],
            resolutions: vec![],
        })
        .collect();
    let stops: Vec<RepStop> = scope.iter().map(RepStop::from).collect();
    dev.store.territory().apply(&[centre()], &stops).unwrap();
    let now = at(10, 40);
    let planner: Vec<(Uuid, Standing)> = assess_scope(&scope, now, Pace::default())
        .into_iter()
        .map(|(s, standing)| (s.id, standing))
        .collect();
    let device: Vec<(Uuid, Standing)> = all(&mut dev, now)
        .into_iter()
        .map(|d| (d.stop_id, d.standing))
        .collect();
    assert_eq!(device, planner, "the phone and the planner agree, in order");
    assert_eq!(planner.len(), 4);
}
