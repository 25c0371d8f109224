//! How long to wait before the next try after a failed sync: exponential growth, a cap, and
//! jitter so a thousand phones coming back into coverage do not knock at the same second.
//! Pure: the random source is an input, so the simulation replays it from its seed.

use std::time::Duration;

/// A source of uniform numbers in `[0, 1)`.
pub trait Random {
    fn unit(&mut self) -> f64;
}

impl<F: FnMut() -> f64> Random for F {
    fn unit(&mut self) -> f64 {
        self()
    }
}

/// A small seeded generator (SplitMix64) for the sync loop: good enough for jitter, and the
/// same seed gives the same delays.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl Random for SplitMix64 {
    fn unit(&mut self) -> f64 {
        // The top 53 bits make an exact double in [0, 1).
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Retry delays: before retry `attempt` (0 for the first), a ceiling of `base · 2^attempt`,
/// at most `cap`; the delay is drawn uniformly from the upper half of that ceiling ("equal
/// jitter"), so it both grows and spreads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Backoff {
        Backoff {
            base: Duration::from_secs(2),
            cap: Duration::from_secs(5 * 60),
        }
    }
}

impl Backoff {
    /// The ceiling for retry `attempt`, before jitter.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let factor = 2f64.powi(attempt.min(60) as i32);
        let ceiling = self.base.as_secs_f64() * factor;
        Duration::from_secs_f64(ceiling.min(self.cap.as_secs_f64()))
    }

    /// The wait before retry `attempt`, in `[ceiling / 2, ceiling]`.
    pub fn delay(&self, attempt: u32, random: &mut dyn Random) -> Duration {
        let ceiling = self.ceiling(attempt).as_secs_f64();
        let r = random.unit().clamp(0.0, 1.0);
        Duration::from_secs_f64(ceiling / 2.0 + r * ceiling / 2.0)
    }
}
