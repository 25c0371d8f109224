use doorstep_domain::{
    Clock, FailureReason, NewConditionNote, NewFailedAttempt, NoteCategory, ShortfallReason,
    StopStatus,
};
use doorstep_field::FieldError;
use rusqlite::Connection;

use crate::Device;

fn count(dev: &Device, table: &str) -> i64 {
    let conn = Connection::open(dev.dir.path().join("doorstep.db")).unwrap();
    conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

#[test]
fn migrations_apply_from_empty_once() {
    let dev = Device::start();
    let conn = Connection::open(dev.dir.path().join("doorstep.db")).unwrap();
    let versions: Vec<i64> = conn
        .prepare("SELECT version FROM schema_migrations ORDER BY version")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        versions,
        vec![1, 2, 3, 4, 5],
        "a new store holds every migration once"
    );
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal", "the store runs in WAL mode");
    drop(conn);
    let device = dev.store.device();
    let dev = dev.reopen();
    assert_eq!(
        dev.store.device(),
        device,
        "reopening keeps the device identity"
    );
    assert_eq!(
        count(&dev, "schema_migrations"),
        5,
        "reopening applies nothing twice"
    );
}

#[test]
fn a_proof_of_delivery_writes_its_rows_and_one_outbox_op_in_one_go() {
    let mut dev = Device::start();
    let mut pod = dev.full_pod(5);
    pod.lines[0].delivered_qty -= 1;
    pod.lines[0].shortfall_reason = Some(ShortfallReason::Damaged);
    let saved = dev.store.pods().record(pod.clone()).unwrap();
    assert_eq!(saved.stop_status, StopStatus::PartlyDelivered);
    assert_eq!(saved.waiting_to_sync, 1, "one action, one outbox op");

    let stored = dev.store.pods().get(saved.id).unwrap();
    assert_eq!(stored.lines, pod.lines, "line outcomes are stored as given");
    assert_eq!(
        stored.signature, pod.signature,
        "the signature keeps its strokes"
    );
    assert_eq!(
        stored.captured_at,
        dev.clock.now(),
        "captured_at is the device clock"
    );

    let entries = dev.store.outbox().entries().unwrap();
    assert_eq!(entries.len(), 1);
    let op = &entries[0].op;
    assert_eq!(
        (op.epoch, op.seq),
        (1, 1),
        "the first op is seq 1 of epoch 1"
    );
    assert_eq!(op.device_id, dev.store.device().device_id);
    match &op.body {
        doorstep_domain::sync::OpBody::PodRecorded { pod } => assert_eq!(pod, &stored),
        other => panic!("expected a POD op, got {other:?}"),
    }
    let view = dev.store.routes().today().unwrap();
    assert_eq!(
        view.stops[4].waiting_to_sync, 1,
        "the stop shows its pending op"
    );
    assert_eq!(view.stops[0].waiting_to_sync, 0);
}

#[test]
fn a_failure_inside_the_transaction_leaves_no_rows_and_no_outbox_op() {
    let mut dev = Device::start();
    // Make the very last write of the action fail, as a full disk would.
    let conn = Connection::open(dev.dir.path().join("doorstep.db")).unwrap();
    conn.execute_batch(
        "CREATE TRIGGER test_full_disk BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'disk full'); END;",
    )
    .unwrap();
    let pod = dev.full_pod(3);
    let err = dev.store.pods().record(pod).unwrap_err();
    assert!(matches!(err, FieldError::Storage(_)), "{err}");
    assert_eq!(
        count(&dev, "pods"),
        0,
        "no POD row survives a failed action"
    );
    assert_eq!(count(&dev, "pod_lines"), 0, "no line rows either");
    assert_eq!(count(&dev, "outbox"), 0, "and no outbox op");
    assert_eq!(
        dev.stop(3).summary.status,
        StopStatus::Pending,
        "the stop did not move"
    );
    let last_seq: i64 = conn
        .query_row("SELECT last_seq FROM device", [], |r| r.get(0))
        .unwrap();
    assert_eq!(last_seq, 0, "no seq was consumed");

    conn.execute_batch("DROP TRIGGER test_full_disk").unwrap();
    let pod = dev.full_pod(3);
    let saved = dev.store.pods().record(pod).unwrap();
    assert_eq!(
        saved.waiting_to_sync, 1,
        "after the fault the action goes through whole"
    );
    dev.store.check_integrity().unwrap();
}

#[test]
fn a_refused_action_leaves_nothing_behind() {
    let mut dev = Device::start();
    let mut pod = dev.full_pod(4);
    pod.photos = vec!["ab".repeat(32)];
    let err = dev.store.pods().record(pod).unwrap_err();
    assert_eq!(err.code(), "photo_rejected", "{err}");
    let mut pod = dev.full_pod(4);
    pod.recipient_name = " ".into();
    assert_eq!(dev.store.pods().record(pod).unwrap_err().code(), "invalid");
    assert_eq!(count(&dev, "pods"), 0);
    assert_eq!(count(&dev, "outbox"), 0);
    assert_eq!(dev.store.sync_state().unwrap().waiting_ops, 0);
}

#[test]
fn outbox_seq_stays_contiguous_across_refusals_and_restarts() {
    let mut dev = Device::start();
    for position in 1..=4 {
        let pod = dev.full_pod(position);
        dev.store.pods().record(pod).unwrap();
        // A second POD on the same stop is refused and must not burn a seq.
        let again = dev.full_pod(position);
        assert_eq!(
            dev.store.pods().record(again).unwrap_err().code(),
            "illegal_status"
        );
    }
    let mut dev = dev.reopen();
    let stop = dev.stop(10).summary.id;
    dev.store
        .condition_notes()
        .record(NewConditionNote {
            stop_id: stop,
            category: NoteCategory::DamagedPackaging,
            text: "corner crushed".into(),
            photos: vec![],
            line_id: None,
        })
        .unwrap();
    dev.store
        .stops()
        .advance(stop, StopStatus::EnRoute)
        .unwrap();
    let seqs: Vec<u64> = dev
        .store
        .outbox()
        .entries()
        .unwrap()
        .iter()
        .map(|e| e.op.seq)
        .collect();
    assert_eq!(
        seqs,
        vec![1, 2, 3, 4, 5, 6],
        "seq runs 1, 2, 3… with no gap"
    );
    dev.store.check_integrity().unwrap();
}

#[test]
fn a_stop_moves_only_forward() {
    let mut dev = Device::start();
    let stop = dev.stop(2).summary.id;
    dev.store
        .stops()
        .advance(stop, StopStatus::EnRoute)
        .unwrap();
    dev.store
        .stops()
        .advance(stop, StopStatus::Arrived)
        .unwrap();
    let back = dev
        .store
        .stops()
        .advance(stop, StopStatus::EnRoute)
        .unwrap_err();
    assert_eq!(back.code(), "illegal_status", "{back}");
    let final_by_hand = dev
        .store
        .stops()
        .advance(stop, StopStatus::Delivered)
        .unwrap_err();
    assert_eq!(
        final_by_hand.code(),
        "invalid",
        "delivered comes only from a POD"
    );
    let failed = dev
        .store
        .failed_attempts()
        .record(NewFailedAttempt {
            stop_id: stop,
            reason: FailureReason::NobodyHome,
            note: None,
            photo: None,
            gps: None,
        })
        .unwrap();
    assert_eq!(failed.stop_status, StopStatus::Failed);
    let pod = dev.full_pod(2);
    let err = dev.store.pods().record(pod).unwrap_err();
    assert_eq!(
        err.to_string(),
        "this stop is already failed and cannot be marked delivered"
    );
    assert_eq!(dev.stop(2).failed_attempts.len(), 1);
}

#[test]
fn a_saved_proof_never_changes_and_a_correction_is_a_new_event() {
    let mut dev = Device::start();
    let pod = dev.full_pod(1);
    let first = dev.store.pods().record(pod).unwrap();
    let conn = Connection::open(dev.dir.path().join("doorstep.db")).unwrap();
    let update = conn.execute("UPDATE pods SET recipient_name = 'someone else'", []);
    assert!(
        update.is_err(),
        "the store itself refuses to change a saved POD"
    );
    assert!(
        conn.execute("DELETE FROM pods", []).is_err(),
        "or to delete one"
    );

    let mut correction = dev.full_pod(1);
    correction.corrects = Some(first.id);
    correction.lines[0].delivered_qty -= 1;
    correction.lines[0].shortfall_reason = Some(ShortfallReason::Missing);
    let second = dev.store.pods().record(correction).unwrap();
    assert_eq!(
        second.stop_status,
        StopStatus::PartlyDelivered,
        "the stop shows the corrected outcome"
    );
    let original = dev.store.pods().get(first.id).unwrap();
    assert_eq!(
        original.recipient_name, "Ana de Vries",
        "the original stays as it was"
    );
    assert_eq!(
        dev.store.pods().get(second.id).unwrap().corrects,
        Some(first.id)
    );
    assert_eq!(dev.stop(1).pods.len(), 2, "both events are kept");

    let mut stray = dev.full_pod(2);
    stray.corrects = Some(first.id);
    assert_eq!(
        dev.store.pods().record(stray).unwrap_err().code(),
        "not_found",
        "a correction must name a POD of the same stop"
    );
}

#[test]
fn unknown_stops_and_empty_days_answer_plainly() {
    let mut dev = Device::start();
    let err = dev.store.stops().detail(uuid::Uuid::nil()).unwrap_err();
    assert_eq!(err.code(), "not_found");
    dev.clock.advance(24 * 3600 * 1000);
    let view = dev.store.routes().today().unwrap();
    assert!(
        view.route.is_none() && view.stops.is_empty(),
        "no route tomorrow until dispatch sends one"
    );
}

#[test]
fn a_route_is_imported_whole_or_not_at_all() {
    let mut dev = Device::start();
    let mut route = doorstep_domain::demo::amsterdam_route(
        chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
        &*dev.clock,
    );
    route.stops[7].lines.clear();
    let err = dev.store.routes().import(&route).unwrap_err();
    assert!(
        err.to_string().contains("stop 8 has no order lines"),
        "{err}"
    );
    assert_eq!(count(&dev, "routes"), 1, "only the demo route is stored");
}

#[test]
fn every_op_reads_back_as_its_event_with_the_same_hash_every_time() {
    use doorstep_domain::sync::OpBody;
    let mut dev = Device::start();
    let pod = dev.full_pod(1);
    let pod_id = dev.store.pods().record(pod).unwrap().id;
    let stop2 = dev.stop(2).summary.id;
    let fail_id = dev
        .store
        .failed_attempts()
        .record(NewFailedAttempt {
            stop_id: stop2,
            reason: FailureReason::NoAccess,
            note: Some("gate code wrong".into()),
            photo: None,
            gps: None,
        })
        .unwrap()
        .id;
    let note_id = dev
        .store
        .condition_notes()
        .record(NewConditionNote {
            stop_id: stop2,
            category: NoteCategory::Temperature,
            text: "chilled crate warm".into(),
            photos: vec![],
            line_id: None,
        })
        .unwrap()
        .id;
    let stop3 = dev.stop(3).summary.id;
    dev.store
        .stops()
        .advance(stop3, StopStatus::EnRoute)
        .unwrap();

    let first: Vec<_> = dev
        .store
        .outbox()
        .entries()
        .unwrap()
        .into_iter()
        .map(|e| e.op)
        .collect();
    assert_eq!(first.len(), 4);
    match &first[0].body {
        OpBody::PodRecorded { pod } => assert_eq!(pod, &dev.store.pods().get(pod_id).unwrap()),
        other => panic!("op 1 should record the POD, got {other:?}"),
    }
    match &first[1].body {
        OpBody::FailedAttemptRecorded { attempt } => {
            assert_eq!(attempt, &dev.store.failed_attempts().get(fail_id).unwrap())
        }
        other => panic!("op 2 should record the failed attempt, got {other:?}"),
    }
    match &first[2].body {
        OpBody::ConditionNoteRecorded { note } => {
            assert_eq!(note, &dev.store.condition_notes().get(note_id).unwrap())
        }
        other => panic!("op 3 should record the note, got {other:?}"),
    }
    assert!(matches!(
        first[3].body,
        OpBody::StopAdvanced {
            status: StopStatus::EnRoute,
            ..
        }
    ));

    let dev = dev.reopen();
    let again: Vec<_> = dev
        .store
        .outbox()
        .entries()
        .unwrap()
        .into_iter()
        .map(|e| e.op)
        .collect();
    assert_eq!(first, again, "bodies and hashes are stable across restarts");
    let hashes: std::collections::HashSet<_> = again.iter().map(|o| &o.sha256).collect();
    assert_eq!(hashes.len(), 4, "different ops, different hashes");
}
