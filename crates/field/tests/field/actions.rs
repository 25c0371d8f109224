//! What a stop allows: the engine refuses what its actions do not offer, saves nothing when it
//! refuses, and its views say so before the courier taps.

use doorstep_domain::{
    FailureReason, NewConditionNote, NewFailedAttempt, NoteCategory, StopActions, StopStatus,
};
use rusqlite::Connection;

use crate::Device;

fn count(dev: &Device, table: &str) -> i64 {
    let conn = Connection::open(dev.dir.path().join("doorstep.db")).unwrap();
    conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

/// Marks the stop at `position` cancelled, as a pull from the planner does when dispatch
/// cancels it (`stops.cancelled`; tests/field/sync.rs shows the pull itself).
fn cancel(dev: &mut Device, position: u32) -> uuid::Uuid {
    let id = dev.store.routes().stop_at(position).unwrap();
    let conn = Connection::open(dev.dir.path().join("doorstep.db")).unwrap();
    let n = conn
        .execute(
            "UPDATE stops SET cancelled = 1 WHERE id = ?1",
            [id.to_string()],
        )
        .unwrap();
    assert_eq!(n, 1, "the stop to cancel is on the phone");
    id
}

fn failure(stop_id: uuid::Uuid) -> NewFailedAttempt {
    NewFailedAttempt {
        stop_id,
        reason: FailureReason::NobodyHome,
        note: None,
        photo: None,
        gps: None,
    }
}

fn note(stop_id: uuid::Uuid) -> NewConditionNote {
    NewConditionNote {
        stop_id,
        category: NoteCategory::DamagedPackaging,
        text: "box dented".into(),
        photos: vec![],
        line_id: None,
    }
}

#[test]
fn a_stop_dispatch_cancelled_refuses_a_proof_a_failure_a_note_and_a_step_and_saves_nothing() {
    let mut dev = Device::start();
    let pod = dev.full_pod(3);
    let id = cancel(&mut dev, 3);
    let refusals = [
        ("a proof", dev.store.pods().record(pod).unwrap_err()),
        (
            "a failed attempt",
            dev.store.failed_attempts().record(failure(id)).unwrap_err(),
        ),
        (
            "a note",
            dev.store.condition_notes().record(note(id)).unwrap_err(),
        ),
        (
            "a step",
            dev.store
                .stops()
                .advance(id, StopStatus::Arrived)
                .unwrap_err(),
        ),
    ];
    for (what, err) in refusals {
        assert_eq!(err.code(), "cancelled", "{what} on a cancelled stop: {err}");
        assert_eq!(
            err.to_string(),
            "Dispatch cancelled this stop: nothing more can be recorded on it.",
            "{what} is refused in plain words"
        );
    }
    for table in ["pods", "failed_attempts", "condition_notes", "outbox"] {
        assert_eq!(
            count(&dev, table),
            0,
            "a refused record leaves no row in {table}"
        );
    }
    let stop = dev.stop(3);
    assert_eq!(
        stop.summary.status,
        StopStatus::Pending,
        "the cancelled stop's status did not move"
    );
    assert_eq!(
        stop.summary.actions,
        StopActions::of(StopStatus::Pending, true),
        "the stop screen says nothing can be recorded"
    );
    assert!(
        stop.summary.actions.closed && !stop.summary.actions.deliver,
        "a cancelled stop is closed to the courier"
    );
}

#[test]
fn a_finished_stop_refuses_a_second_proof_or_failure_and_still_takes_a_note() {
    let mut dev = Device::start();
    let pod = dev.full_pod(2);
    let id = pod.stop_id;
    dev.store.pods().record(pod).unwrap();
    let again = dev.full_pod(2);
    let err = dev.store.pods().record(again).unwrap_err();
    assert_eq!(
        err.code(),
        "illegal_status",
        "a second proof on a delivered stop: {err}"
    );
    let err = dev.store.failed_attempts().record(failure(id)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "this stop is already delivered and cannot be marked failed",
        "a failure after the delivery is refused in words"
    );
    assert_eq!(count(&dev, "pods"), 1, "only the first proof is saved");
    assert_eq!(
        count(&dev, "failed_attempts"),
        0,
        "the refused failure left no row"
    );
    assert_eq!(
        count(&dev, "outbox"),
        1,
        "only the first proof waits to sync"
    );

    dev.store.condition_notes().record(note(id)).unwrap();
    assert_eq!(
        count(&dev, "outbox"),
        2,
        "a note after the delivery is saved and queued"
    );
    let actions = dev.stop(2).summary.actions;
    assert!(
        !actions.deliver && !actions.fail && actions.note && actions.closed,
        "a delivered stop offers only a note: {actions:?}"
    );
    assert_eq!(
        actions.why_not.as_deref(),
        Some("This stop is finished."),
        "and says why"
    );
}

#[test]
fn the_route_says_how_far_it_is_and_which_stop_comes_next() {
    let mut dev = Device::start();
    let fresh = dev.store.routes().today().unwrap();
    assert_eq!(
        fresh.today.to_string(),
        "2026-11-25",
        "today is the engine clock's date"
    );
    assert_eq!(
        fresh.next_stop,
        Some(fresh.stops[0].id),
        "a fresh route starts at its first stop"
    );
    assert_eq!(
        fresh.stops[0].actions.advance_to,
        Some(StopStatus::EnRoute),
        "a stop to do goes on the way next"
    );

    let pod = dev.full_pod(1);
    dev.store.pods().record(pod).unwrap();
    let second = dev.store.routes().stop_at(2).unwrap();
    dev.store.failed_attempts().record(failure(second)).unwrap();
    cancel(&mut dev, 3);
    let route = dev.store.routes().today().unwrap();
    assert_eq!(
        (
            route.progress.total,
            route.progress.done,
            route.progress.cancelled
        ),
        (30, 2, 1),
        "two stops finished, one cancelled, of thirty"
    );
    assert_eq!(
        route.next_stop,
        Some(route.stops[3].id),
        "the next stop skips finished and cancelled ones"
    );
    assert!(
        route.stops[..3].iter().all(|s| s.actions.closed) && !route.stops[3].actions.closed,
        "finished and cancelled stops are closed, the rest open"
    );

    dev.clock.advance(24 * 3_600_000);
    let tomorrow = dev.store.routes().today().unwrap();
    assert!(
        tomorrow.route.is_none() && tomorrow.next_stop.is_none(),
        "no route tomorrow, nothing next"
    );
    assert_eq!(
        tomorrow.today.to_string(),
        "2026-11-26",
        "today follows the clock even without a route"
    );
}
