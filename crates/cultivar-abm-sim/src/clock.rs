//! The simulator's clock: a base (the real clock, or a fixed instant for reproducible tests) plus an
//! offset that the admin API advances, so tests can age cursors, sessions and tokens by days
//! without waiting.

use std::sync::atomic::{AtomicI64, Ordering};
use time::OffsetDateTime;

/// Where the simulator's time starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Clock {
    /// Real time (plus the offset).
    #[default]
    System,
    /// A frozen instant (plus the offset); time moves only when the admin API advances it.
    Fixed(OffsetDateTime),
}

/// The running clock: base plus an advance-only offset in milliseconds.
#[derive(Debug)]
pub(crate) struct SimClock {
    base: Clock,
    offset_ms: AtomicI64,
}

impl SimClock {
    pub(crate) fn new(base: Clock, offset_ms: i64) -> Self {
        SimClock {
            base,
            offset_ms: AtomicI64::new(offset_ms),
        }
    }

    /// Simulated now, in unix milliseconds.
    pub(crate) fn now_ms(&self) -> i64 {
        base_ms(self.base).saturating_add(self.offset_ms.load(Ordering::SeqCst))
    }

    /// Real now, in unix milliseconds (OAuth timestamps are checked against both, because clients
    /// that know nothing of the offset keep signing with real time).
    pub(crate) fn real_now_ms(&self) -> i64 {
        base_ms(Clock::System)
    }

    pub(crate) fn offset_ms(&self) -> i64 {
        self.offset_ms.load(Ordering::SeqCst)
    }

    /// Moves the clock forward; returns the new simulated now.
    pub(crate) fn advance(&self, seconds: u64) -> i64 {
        let delta = i64::try_from(seconds.saturating_mul(1000)).unwrap_or(i64::MAX);
        self.offset_ms.fetch_add(delta, Ordering::SeqCst);
        self.now_ms()
    }
}

fn base_ms(base: Clock) -> i64 {
    let t = match base {
        Clock::System => OffsetDateTime::now_utc(),
        Clock::Fixed(t) => t,
    };
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// Formats unix milliseconds the way Apple does (`2018-09-08T17:28:18Z`).
pub(crate) fn format_ms(ms: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    cultivar_abm_proto::format_time(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_clock_moves_only_when_advanced() {
        let start = OffsetDateTime::from_unix_timestamp(1_700_000_000).expect("time");
        let c = SimClock::new(Clock::Fixed(start), 0);
        assert_eq!(c.now_ms(), 1_700_000_000_000);
        assert_eq!(c.advance(60), 1_700_000_060_000);
        assert_eq!(c.offset_ms(), 60_000);
        assert_eq!(format_ms(c.now_ms()), "2023-11-14T22:14:20Z");
    }
}
