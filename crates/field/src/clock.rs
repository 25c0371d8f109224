//! The system clock lives in the domain crate beside the trait; re-exported for the app.

pub use doorstep_domain::SystemClock;
