//! The language of the business, shared by the device engine and the planner. No I/O here:
//! time and ids come in through [`Clock`], so tests and the simulation control them.

pub mod account;
pub mod checklist;
pub mod clock;
pub mod demo;
pub mod error;
pub mod event;
pub mod lateness;
pub mod migration;
pub mod resolution;
pub mod route;
mod signature;
pub mod sync;
pub mod territory;

pub use clock::{Clock, FakeClock, SystemClock};
pub use error::DomainError;
pub use event::{
    ConditionNote, FailedAttempt, FailureReason, GpsFix, LineOutcome, NewConditionNote,
    NewFailedAttempt, NewPod, NoteCategory, Pod, PodOutcome, ShortfallReason, Signature,
    SignaturePoint,
};
pub use route::{CustomerKind, OrderLine, Route, Stop, StopActions, StopStatus};

/// A photo's name: the lowercase hex SHA-256 of its stored bytes.
pub type PhotoHash = String;

/// True when `s` is 64 lowercase hex digits, the form every photo name takes.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Lowercase hex SHA-256 of `bytes`: how photos and ops are named.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}
