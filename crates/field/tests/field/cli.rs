//! The headless device as scripts use it.

use std::process::{Command, Output};

use crate::testdata_photo;

fn field(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_doorstep-field"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .output()
        .unwrap()
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_script_loads_the_demo_delivers_fails_and_notes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(field(d, &["demo"]));
    assert!(
        ok(field(d, &["demo"])).contains("already"),
        "loading twice is harmless"
    );
    let route: serde_json::Value =
        serde_json::from_str(&ok(field(d, &["route", "--json"]))).unwrap();
    assert_eq!(route["stops"].as_array().unwrap().len(), 30);

    let sig = d.join("sig.json");
    std::fs::write(&sig, serde_json::to_string(&crate::signature()).unwrap()).unwrap();
    let photo = testdata_photo("Landscape_8.jpg");
    let saved: serde_json::Value = serde_json::from_str(&ok(field(
        d,
        &[
            "deliver",
            "--stop",
            "5",
            "--recipient",
            "Femke de Graaf",
            "--signature",
            sig.to_str().unwrap(),
            "--photo",
            photo.to_str().unwrap(),
            "--short",
            "1:0:damaged",
            "--gps",
            "52.3639,4.8864,6",
            "--json",
        ],
    )))
    .unwrap();
    assert_eq!(saved["stop_status"], "partly_delivered");
    ok(field(
        d,
        &[
            "fail",
            "--stop",
            "2",
            "--reason",
            "nobody_home",
            "--note",
            "no answer",
        ],
    ));
    ok(field(
        d,
        &[
            "note",
            "--stop",
            "5",
            "--category",
            "damaged_goods",
            "--text",
            "flour sack torn",
            "--line",
            "1",
        ],
    ));

    let stop: serde_json::Value =
        serde_json::from_str(&ok(field(d, &["stop", "5", "--json"]))).unwrap();
    assert_eq!(stop["pods"][0]["photo_count"], 1);
    assert_eq!(stop["pods"][0]["lines"][0]["shortfall_reason"], "damaged");
    assert_eq!(stop["notes"][0]["text"], "flour sack torn");
    let status: serde_json::Value =
        serde_json::from_str(&ok(field(d, &["status", "--json"]))).unwrap();
    assert_eq!(status["waiting_ops"], 3);
    assert!(status["waiting_photo_bytes"].as_u64().unwrap() > 10_000);
    assert_eq!(ok(field(d, &["outbox"])).lines().count(), 3);
    assert_eq!(ok(field(d, &["check"])).trim(), "ok");
}

#[test]
fn bad_input_gets_a_plain_error_and_exit_code_1() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(field(d, &["demo"]));
    let cases: &[(&[&str], &str)] = &[
        (
            &["deliver", "--stop", "99", "--recipient", "x"],
            "there is no stop number 99 on today's route",
        ),
        (
            &["deliver", "--stop", "1", "--recipient", "x"],
            "Add a photo or a signature as proof of delivery.",
        ),
        (
            &[
                "deliver",
                "--stop",
                "1",
                "--recipient",
                "x",
                "--short",
                "1:zero:damaged",
            ],
            "is not a whole number",
        ),
        (
            &["fail", "--stop", "1", "--reason", "tired"],
            "\"tired\" is not a failure reason",
        ),
        (
            &[
                "note",
                "--stop",
                "1",
                "--category",
                "other",
                "--photo",
                "/nonexistent.jpg",
            ],
            "could not read or write /nonexistent.jpg",
        ),
    ];
    for (args, expected) in cases {
        let out = field(d, args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains(expected),
            "{args:?}: {err}"
        );
    }
    let status: serde_json::Value =
        serde_json::from_str(&ok(field(d, &["status", "--json"]))).unwrap();
    assert_eq!(status["waiting_ops"], 0, "nothing was half-saved");
}

#[test]
fn sync_and_enrolment_fail_in_plain_words_without_a_planner() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(field(d, &["demo"]));
    let status: serde_json::Value =
        serde_json::from_str(&ok(field(d, &["status", "--json"]))).unwrap();
    assert_eq!(
        status["planner_url"],
        serde_json::Value::Null,
        "not enrolled yet"
    );
    assert_eq!(status["unseen_rejections"], 0);

    let out = field(d, &["sync"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("This device is not connected to a planner yet"),
        "sync before enrolment says so: {err}"
    );

    // Nothing listens on port 1: the planner cannot be reached.
    let out = field(
        d,
        &[
            "enroll",
            "--planner",
            "http://127.0.0.1:1",
            "--code",
            "ABC-123",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("Planner unreachable"),
        "an unreachable planner is named plainly: {err}"
    );
    let status: serde_json::Value =
        serde_json::from_str(&ok(field(d, &["status", "--json"]))).unwrap();
    assert_eq!(
        status["planner_url"],
        serde_json::Value::Null,
        "a failed enrolment stores nothing"
    );
}
