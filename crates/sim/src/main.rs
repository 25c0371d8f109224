//! `doorstep-sim --seeds N` runs seeds 0..N and ends with `N seeds, V violations`;
//! `doorstep-sim --seed S` replays one seed and prints its trace.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

use clap::Parser;
use doorstep_sim::{run_seed, Options};

#[derive(Parser)]
#[command(
    name = "doorstep-sim",
    about = "Deterministic simulation of Doorstep sync under faults",
    version
)]
struct Cli {
    /// Run seeds 0..N (or FROM..FROM+N with --from).
    #[arg(long, conflicts_with = "seed")]
    seeds: Option<u64>,
    /// The first seed of --seeds.
    #[arg(long, default_value_t = 0)]
    from: u64,
    /// Replay one seed and print its trace.
    #[arg(long)]
    seed: Option<u64>,
    /// Seeds run side by side (each seed stays single-threaded and deterministic).
    #[arg(long, default_value_t = 2)]
    jobs: usize,
    /// Where the runs' files go; /dev/shm when it exists (fsync is free there).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Keep each seed's files (planner and device databases) for a look afterwards.
    #[arg(long)]
    keep: bool,
    /// Plant a known bug (built with `--features plant`; `--plant list` names them). The run
    /// stops at the first seed that catches it.
    #[cfg(feature = "plant")]
    #[arg(long)]
    plant: Option<String>,
}

/// One seed, with the planted fault if there is one.
fn run(cli: &Cli, seed: u64, opts: &Options) -> doorstep_sim::Outcome {
    #[cfg(feature = "plant")]
    if let Some(fault) = &cli.plant {
        return doorstep_sim::run_planted(seed, fault, opts);
    }
    let _ = cli;
    run_seed(seed, opts)
}

/// A planted run stops at its first catch.
fn stop_at_first(cli: &Cli) -> bool {
    #[cfg(feature = "plant")]
    if cli.plant.is_some() {
        return true;
    }
    let _ = cli;
    false
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    #[cfg(feature = "plant")]
    if cli.plant.as_deref() == Some("list") {
        for (name, what) in doorstep_sim::planted_faults() {
            println!("{name}: {what}");
        }
        return ExitCode::SUCCESS;
    }
    let base = cli.dir.clone().unwrap_or_else(|| {
        let shm = PathBuf::from("/dev/shm");
        let root = if shm.is_dir() {
            shm
        } else {
            std::env::temp_dir()
        };
        root.join(format!("doorstep-sim-{}", std::process::id()))
    });
    let opts = Options {
        dir: base.clone(),
        keep: cli.keep,
    };
    let code = if let Some(seed) = cli.seed {
        let outcome = run(&cli, seed, &opts);
        for line in &outcome.trace {
            println!("{line}");
        }
        let v = outcome.violations.len();
        println!("seed {seed}: {v} violations");
        if v == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    } else {
        let n = cli.seeds.unwrap_or(100);
        let next = AtomicU64::new(cli.from);
        let violations = AtomicUsize::new(0);
        let failing = Mutex::new(Vec::new());
        let caught = std::sync::atomic::AtomicBool::new(false);
        let end = cli.from + n;
        std::thread::scope(|s| {
            for _ in 0..cli.jobs.max(1) {
                s.spawn(|| loop {
                    let seed = next.fetch_add(1, Ordering::SeqCst);
                    if seed >= end || caught.load(Ordering::SeqCst) {
                        break;
                    }
                    let outcome = run(&cli, seed, &opts);
                    if !outcome.violations.is_empty() {
                        if stop_at_first(&cli) {
                            caught.store(true, Ordering::SeqCst);
                        }
                        violations.fetch_add(outcome.violations.len(), Ordering::SeqCst);
                        for v in &outcome.violations {
                            println!(
                                "seed {seed} broke \"{}\": {} (replay: doorstep-sim --seed {seed})",
                                v.invariant, v.detail
                            );
                        }
                        failing.lock().unwrap().push(seed);
                    }
                    let done = seed - cli.from + 1;
                    if done.is_multiple_of(100) {
                        eprintln!("… {done} seeds");
                    }
                });
            }
        });
        let _ = std::fs::remove_dir_all(&base);
        let v = violations.load(Ordering::SeqCst);
        if caught.load(Ordering::SeqCst) {
            let first = failing.lock().unwrap().iter().min().copied();
            println!("the planted fault was caught (first seed {first:?}); the run stopped there");
        } else {
            println!("{n} seeds, {v} violations");
        }
        if v == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    };
    if cli.seed.is_some() && !cli.keep {
        let _ = std::fs::remove_dir_all(&base);
    }
    code
}
