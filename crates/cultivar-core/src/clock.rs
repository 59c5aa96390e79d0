//! Time as a dependency, so tests can move it instead of waiting.

use async_trait::async_trait;
use time::{Duration, OffsetDateTime};
use tokio::sync::watch;

/// A source of the current time, and a way to wait for a moment of it.
#[async_trait]
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> OffsetDateTime;

    /// Completes once [`Clock::now`] has reached `t` (at once if it already has).
    async fn sleep_until(&self, t: OffsetDateTime);
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

#[async_trait]
impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }

    async fn sleep_until(&self, t: OffsetDateTime) {
        // Re-check after waking: the wall clock may be stepped while we sleep.
        loop {
            let left = t - self.now();
            if !left.is_positive() {
                return;
            }
            let left = std::time::Duration::try_from(left).unwrap_or(std::time::Duration::MAX);
            tokio::time::sleep(left).await;
        }
    }
}

/// A clock that only moves when told to (tests, simulations). Sleepers wake as soon as
/// [`ManualClock::advance`] reaches their time, so tests never wait for real.
#[derive(Debug)]
pub struct ManualClock(watch::Sender<OffsetDateTime>);

impl ManualClock {
    pub fn new(start: OffsetDateTime) -> Self {
        ManualClock(watch::Sender::new(start))
    }

    pub fn advance(&self, by: Duration) {
        self.0.send_modify(|now| *now += by);
    }
}

#[async_trait]
impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.borrow()
    }

    async fn sleep_until(&self, t: OffsetDateTime) {
        let mut rx = self.0.subscribe();
        // The sender lives in `self`, which outlives this borrow, so the wait cannot fail.
        let _ = rx.wait_for(|now| *now >= t).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn manual_sleepers_wake_only_when_their_time_comes() {
        let start = OffsetDateTime::UNIX_EPOCH;
        let clock = std::sync::Arc::new(ManualClock::new(start));
        let sleeper = {
            let clock = clock.clone();
            tokio::spawn(async move { clock.sleep_until(start + Duration::minutes(5)).await })
        };
        clock.advance(Duration::minutes(4));
        tokio::task::yield_now().await;
        assert!(!sleeper.is_finished(), "woke a minute early");
        clock.advance(Duration::minutes(1));
        sleeper.await.expect("sleeper task");
        assert_eq!(clock.now(), start + Duration::minutes(5));
        // A time already passed returns at once.
        clock.sleep_until(start).await;
    }

    #[tokio::test]
    async fn system_clock_returns_at_once_for_the_past() {
        let clock = SystemClock;
        clock.sleep_until(clock.now() - Duration::seconds(1)).await;
    }
}
