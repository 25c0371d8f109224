//! The real kill test catches a planted fault (feature `plant`, docs/RELIABILITY.md): with
//! `op-in-own-transaction` planted, `doorstep-field deliver-all` commits each proof of
//! delivery and its outbox op in two transactions, and a SIGKILL between them leaves a POD that
//! will never sync. The check the kill test makes after every kill (one outbox op per POD)
//! must see it. Run with `make sim-planted` (or `cargo test -p doorstep-field --features plant
//! --test planted_kill`).
#![cfg(feature = "plant")]

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use doorstep_field::{Store, SystemClock};

const KILLS: u64 = 60;

fn field() -> Command {
    Command::new(env!("CARGO_BIN_EXE_doorstep-field"))
}

#[test]
fn a_pod_whose_op_commits_apart_is_caught_by_killing_the_writer() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let data = dir.path().to_str().expect("a UTF-8 path");
    let out = field()
        .args(["--data-dir", data, "demo", "--stops", "20000"])
        .output()
        .expect("doorstep-field runs");
    assert!(
        out.status.success(),
        "the demo route loads: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    for round in 0..KILLS {
        let mut child = field()
            .args(["--data-dir", data, "deliver-all"])
            .env("DOORSTEP_PLANT", "op-in-own-transaction")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("doorstep-field starts");
        // Long enough to open the store and record a few; the moment varies with the round.
        std::thread::sleep(Duration::from_millis(150 + (round * 37) % 120));
        child.kill().expect("SIGKILL");
        child.wait().expect("the killed writer is reaped");

        let store = Store::open(dir.path(), Arc::new(SystemClock)).expect("the store reopens");
        store
            .check_integrity()
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
        let waiting = store.outbox().len().expect("the outbox counts") as usize;
        let conn =
            rusqlite::Connection::open(dir.path().join("doorstep.db")).expect("the file opens");
        let pods: i64 = conn
            .query_row("SELECT COUNT(*) FROM pods", [], |r| r.get(0))
            .expect("the PODs count");
        if waiting != pods as usize {
            println!(
                "planted \"op-in-own-transaction\": kill {round} left {pods} PODs and {waiting} outbox ops \
                 (the kill test's \"one outbox op per POD\" breaks)"
            );
            return;
        }
    }
    panic!("the planted fault op-in-own-transaction survived {KILLS} kills of the writer unseen");
}
