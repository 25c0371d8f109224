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
