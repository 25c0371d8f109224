//! `doorstep-sim`: a deterministic simulation of Doorstep, after FoundationDB's and
//! TigerBeetle's. Devices running the real device engine on real SQLite files, the real
//! planner (router, rules and SQLite store) and a faulty network, all in one process and
//! driven by one seed and fake clocks. After the workload the network heals, every device
//! syncs until nothing moves, and the invariants of DESIGN.md §8 are checked. See
//! docs/RELIABILITY.md.

pub mod check;
pub mod net;
pub mod planner;
pub mod rng;
pub mod world;

pub use world::{run_seed, Options, Outcome, Violation};

/// Faults planted on purpose (feature `plant`), each with the bug it reintroduces: the
/// device's (`doorstep_field::failpoint::plant`).
#[cfg(feature = "plant")]
pub fn planted_faults() -> Vec<(&'static str, &'static str)> {
    doorstep_field::failpoint::plant::FAULTS.to_vec()
}

/// Runs seed `seed` with the fault `fault` planted on this thread.
#[cfg(feature = "plant")]
pub fn run_planted(seed: u64, fault: &str, opts: &Options) -> Outcome {
    doorstep_field::failpoint::plant::plant(fault);
    let outcome = run_seed(seed, opts);
    doorstep_field::failpoint::plant::clear();
    outcome
}

/// The first seed of `seeds` whose run breaks an invariant with `fault` planted, and what it
/// broke; the run stops there.
#[cfg(feature = "plant")]
pub fn first_catch(
    fault: &str,
    seeds: std::ops::Range<u64>,
    opts: &Options,
) -> Option<(u64, Vec<Violation>)> {
    seeds
        .map(|seed| (seed, run_planted(seed, fault, opts).violations))
        .find(|(_, violations)| !violations.is_empty())
}

/// Silences the panics that model crashes; any other panic still prints.
pub fn quiet_crashes() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info.payload().downcast_ref::<world::Crash>().is_none() {
                default(info);
            }
        }));
    });
}
