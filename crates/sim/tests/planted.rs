//! Each planted fault (feature `plant`, docs/RELIABILITY.md) is caught by the simulation's
//! invariants within the 300 seeds `make sim` runs. Each test stops at the first seed that
//! catches its fault and prints it. Run with `make sim-planted`.

use doorstep_sim::{first_catch, planted_faults, Options};

/// The seeds `make sim` runs.
const SEEDS: u64 = 300;

fn caught(fault: &str, invariants: &[&str]) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let opts = Options {
        dir: dir.path().to_owned(),
        keep: false,
    };
    let (seed, violations) = first_catch(fault, 0..SEEDS, &opts).unwrap_or_else(|| {
        panic!("the planted fault {fault:?} broke no invariant in seeds 0..{SEEDS}")
    });
    println!(
        "planted {fault:?}: caught at seed {seed}, {} violations (replay: cargo run -p doorstep-sim --features plant -- --plant {fault} --seed {seed})",
        violations.len()
    );
    for v in violations.iter().take(3) {
        println!("  broke \"{}\": {}", v.invariant, v.detail);
    }
    assert!(
        violations
            .iter()
            .any(|v| invariants.contains(&v.invariant.as_str())),
        "the planted fault {fault:?} is caught by {invariants:?} at seed {seed}, not only by something else: {violations:?}"
    );
}

#[test]
fn every_planted_fault_has_a_test_here() {
    let tested = [
        "trim-past-sent",
        "op-in-own-transaction",
        "photo-row-before-file",
        "cursor-before-routes",
    ];
    for (name, _) in planted_faults() {
        assert!(
            tested.contains(&name),
            "the planted fault {name:?} needs a test proving the simulation catches it"
        );
    }
}

#[test]
fn trimming_past_what_a_push_sent_is_caught() {
    caught(
        "trim-past-sent",
        &["every op committed on a device takes effect on the planner exactly once"],
    );
}

#[test]
fn a_proof_of_delivery_whose_op_commits_apart_is_caught() {
    caught(
        "op-in-own-transaction",
        &[
            "every op committed on a device takes effect on the planner exactly once",
            "after the network heals, each device's scope equals the planner's view",
            "a device's stored ops form a contiguous prefix of its outbox",
        ],
    );
}

#[test]
fn a_photo_row_saved_before_its_file_is_caught() {
    caught("photo-row-before-file", &["a crash leaves no orphan"]);
}

#[test]
fn a_cursor_saved_before_its_routes_is_caught() {
    caught(
        "cursor-before-routes",
        &[
            "no change is skipped by a cursor",
            "after the network heals, each device's scope equals the planner's view",
        ],
    );
}
