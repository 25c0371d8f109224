//! Time and ids as inputs.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use uuid::Uuid;

/// Where the engine reads the time and makes ids. The system implementation lives in the
/// device engine (it is I/O); [`FakeClock`] lets tests and the simulation step time by hand.
pub trait Clock: Send + Sync {
    /// The device's current time. Recorded as data (`captured_at`), never used to order syncs.
    fn now(&self) -> DateTime<Utc>;
    /// The offset of the device's local time zone, for "today" and time windows.
    fn local_offset(&self) -> FixedOffset {
        FixedOffset::east_opt(0).expect("zero offset is valid")
    }
    /// A fresh UUIDv7.
    fn new_id(&self) -> Uuid;
    /// Today's date on the device.
    fn today(&self) -> NaiveDate {
        self.now().with_timezone(&self.local_offset()).date_naive()
    }
}

/// A clock that only moves when told to, and makes ids from a counter: same inputs, same ids.
#[derive(Debug)]
pub struct FakeClock {
    millis: AtomicI64,
    counter: AtomicU64,
    offset_secs: i32,
    node: u16,
}

impl FakeClock {
    /// A clock stopped at `start`, in UTC.
    pub fn at(start: DateTime<Utc>) -> Self {
        Self::with_offset(start, 0)
    }

    /// A clock stopped at `start` whose local zone is `offset_secs` east of UTC.
    pub fn with_offset(start: DateTime<Utc>, offset_secs: i32) -> Self {
        Self::with_node(start, offset_secs, 0)
    }

    /// A clock like [`FakeClock::with_offset`] whose ids carry `node`, so several fake clocks
    /// (one per simulated device) never hand out the same id.
    pub fn with_node(start: DateTime<Utc>, offset_secs: i32, node: u16) -> Self {
        FakeClock {
            millis: AtomicI64::new(start.timestamp_millis()),
            counter: AtomicU64::new(0),
            offset_secs,
            node,
        }
    }

    /// Moves time forward (or back, to model a skewed device clock).
    pub fn advance(&self, millis: i64) {
        self.millis.fetch_add(millis, Ordering::SeqCst);
    }
}

impl Clock for FakeClock {
    fn now(&self) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(self.millis.load(Ordering::SeqCst))
            .single()
            .expect("fake clock stays in chrono's range")
    }

    fn local_offset(&self) -> FixedOffset {
        FixedOffset::east_opt(self.offset_secs).expect("offset within ±24 h")
    }

    fn new_id(&self) -> Uuid {
        let n = self.counter.fetch_add(1, Ordering::SeqCst);
        let ms = self.millis.load(Ordering::SeqCst).max(0) as u64;
        let mut rand = [0u8; 10];
        rand[..2].copy_from_slice(&self.node.to_be_bytes());
        rand[2..].copy_from_slice(&n.to_be_bytes());
        uuid::Builder::from_unix_timestamp_millis(ms, &rand).into_uuid()
    }
}

/// The machine's own clock: the one sanctioned reading of the system time. On a phone its
/// readings are recorded as data (`captured_at`), never used to order syncs.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    #[allow(clippy::disallowed_methods)]
    fn local_offset(&self) -> FixedOffset {
        *chrono::Local::now().offset()
    }

    #[allow(clippy::disallowed_methods)]
    fn new_id(&self) -> Uuid {
        Uuid::now_v7()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fake_ids_are_unique_v7_and_repeatable() {
        let start = Utc.with_ymd_and_hms(2026, 11, 25, 8, 0, 0).unwrap();
        let a = FakeClock::at(start);
        let b = FakeClock::at(start);
        let ids_a: Vec<_> = (0..3).map(|_| a.new_id()).collect();
        let ids_b: Vec<_> = (0..3).map(|_| b.new_id()).collect();
        assert_eq!(ids_a, ids_b, "the same clock state gives the same ids");
        assert_ne!(ids_a[0], ids_a[1], "ids never repeat");
        let other = FakeClock::with_node(start, 0, 1);
        assert_ne!(other.new_id(), ids_a[0], "another node, other ids");
        assert_eq!(ids_a[0].get_version_num(), 7, "ids are UUIDv7");
    }

    #[test]
    fn today_follows_the_local_offset() {
        let late = Utc.with_ymd_and_hms(2026, 11, 25, 23, 30, 0).unwrap();
        let clock = FakeClock::with_offset(late, 3600);
        assert_eq!(
            clock.today(),
            NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
        );
    }
}
