//! The one place that reads the system clock.

use chrono::{DateTime, FixedOffset, Local, Utc};
use doorstep_domain::Clock;
use uuid::Uuid;

/// The phone's own clock. Its readings are recorded as data, never used to order syncs.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the one sanctioned reading of the system clock
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    #[allow(clippy::disallowed_methods)]
    fn local_offset(&self) -> FixedOffset {
        *Local::now().offset()
    }

    #[allow(clippy::disallowed_methods)]
    fn new_id(&self) -> Uuid {
        Uuid::now_v7()
    }
}
