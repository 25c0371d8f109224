//! The Doorstep device engine. The Tauri app, the headless `doorstep-field` device and the
//! tests all drive this one engine: a SQLite store where every user action is one transaction
//! that writes the domain rows and a numbered outbox op, a photo store named by SHA-256, and
//! the sync client that pushes the outbox and photos to the planner and pulls routes back.

pub mod clock;
pub mod error;
pub mod failpoint;
pub mod photos;
pub mod store;
pub mod sync;
pub mod views;

pub use clock::SystemClock;
pub use error::FieldError;
pub use store::Store;

pub type Result<T, E = FieldError> = std::result::Result<T, E>;
