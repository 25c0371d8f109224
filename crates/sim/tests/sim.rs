//! The simulation itself is tested: a seed replays byte for byte, and the seeds run clean.

use doorstep_sim::{run_seed, Options};

fn opts(dir: &tempfile::TempDir) -> Options {
    Options {
        dir: dir.path().to_owned(),
        keep: false,
    }
}

#[test]
fn the_same_seed_gives_the_same_trace_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    for seed in [3, 17, 40] {
        let a = run_seed(seed, &opts(&dir));
        let b = run_seed(seed, &opts(&dir));
        assert!(a.trace.len() > 50, "seed {seed} did real work");
        assert_eq!(
            a.trace.join("\n"),
            b.trace.join("\n"),
            "seed {seed} replays"
        );
        let c = run_seed(seed + 1000, &opts(&dir));
        assert_ne!(a.trace, c.trace, "another seed, another run");
    }
}

#[test]
fn seeds_exercise_every_fault_and_break_no_invariant() {
    let dir = tempfile::tempdir().unwrap();
    let mut trace = String::new();
    let mut violations = vec![];
    for seed in 0..40 {
        let outcome = run_seed(seed, &opts(&dir));
        violations.extend(
            outcome
                .violations
                .iter()
                .map(|v| format!("seed {seed}: {v:?}")),
        );
        trace.push_str(&outcome.trace.join("\n"));
    }
    assert!(violations.is_empty(), "{violations:#?}");
    for fault in [
        "lost on the way",
        "delayed, will arrive later",
        "a copy will arrive again later",
        "but the answer is lost",
        "cut after",
        "the phone dies",
        "the planner restarts",
        "dispatch gives route",
        "dispatch cancels stop",
        "its clock jumps",
        "restored from its backup",
        "new epoch",
        "rejected",
    ] {
        assert!(trace.contains(fault), "no seed in 0..40 shows \"{fault}\"");
    }
}
