//! Real crashes: SIGKILL a `doorstep-field` process while it records proofs of delivery, many
//! times; every POD it reported as saved must be there, and the database must be intact.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use doorstep_domain::FakeClock;
use doorstep_field::Store;

const KILLS: usize = 60;

fn field() -> Command {
    Command::new(env!("CARGO_BIN_EXE_doorstep-field"))
}

/// A small deterministic generator, so a failing run can be repeated.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % bound
    }
}

#[test]
fn sigkill_at_random_moments_loses_no_confirmed_pod() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let out = field()
        .args(["--data-dir", data, "demo", "--stops", "20000"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let mut rng = Lcg(0x5eed);
    let mut confirmed: HashMap<String, String> = HashMap::new(); // pod id → stop id
    let mut kills_while_writing = 0;
    for round in 0..KILLS {
        let mut child = field()
            .args(["--data-dir", data, "deliver-all"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        let reader = thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut output = vec![];
        if round % 2 == 1 {
            // Every other kill waits for the first record: however slow the machine is to
            // start a process, these land while the writer is at work. The others may also
            // land while it opens (and recovers) the database.
            output.extend(lines.recv_timeout(Duration::from_secs(10)).ok());
        }
        thread::sleep(Duration::from_millis(15 + rng.next(120)));
        if child.try_wait().unwrap().is_none() {
            kills_while_writing += 1;
        }
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        reader.join().unwrap();
        output.extend(lines.try_iter());
        for line in output {
            let parts: Vec<&str> = line.split_whitespace().collect();
            if let ["saved", stop, pod] = parts.as_slice() {
                confirmed.insert(pod.to_string(), stop.to_string());
            }
        }

        // The checker only reads: its clock is never the writer's.
        let clock = FakeClock::at(Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap());
        let mut store = Store::open(dir.path(), Arc::new(clock)).unwrap();
        store
            .check_integrity()
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
        for (pod, stop) in &confirmed {
            let id = pod.parse().unwrap();
            let stored = store
                .pods()
                .get(id)
                .unwrap_or_else(|e| panic!("round {round}: confirmed POD {pod} is gone: {e}"));
            assert_eq!(
                stored.stop_id.to_string(),
                *stop,
                "round {round}: the POD names its stop"
            );
        }
        let waiting = store.outbox().len().unwrap() as usize;
        assert_eq!(
            waiting,
            count_pods(dir.path()),
            "round {round}: one outbox op per POD, no more, no less"
        );
    }
    println!(
        "crash: {KILLS} SIGKILLs of doorstep-field deliver-all, {kills_while_writing} hit a \
         running writer; {} PODs confirmed, every one on the device",
        confirmed.len()
    );
    assert!(
        kills_while_writing >= 50,
        "only {kills_while_writing} of {KILLS} kills hit a running writer"
    );
    // Not a speed test: on a loaded machine fewer PODs fit between kills, but some must.
    assert!(
        confirmed.len() >= KILLS / 2,
        "the writer got real work done between kills ({} PODs)",
        confirmed.len()
    );
}

fn count_pods(dir: &std::path::Path) -> usize {
    let conn = rusqlite::Connection::open(dir.join("doorstep.db")).unwrap();
    conn.query_row("SELECT COUNT(*) FROM pods", [], |r| r.get::<_, i64>(0))
        .unwrap() as usize
}
