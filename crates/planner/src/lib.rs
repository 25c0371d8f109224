//! The Doorstep planner: the sync server devices push to and pull from, and the dispatcher's
//! API. One storage trait ([`storage::Storage`]); SQLite is the embedded default.

pub mod api;
pub mod auth;
pub mod config;
pub mod demo;
pub mod error;
pub mod import;
pub mod openapi;
pub mod storage;

pub use error::PlannerError;

pub type Result<T, E = PlannerError> = std::result::Result<T, E>;
