//! How many requests each Apple path has received, so a test can tell how far a client got and
//! wait (a bounded long-poll) until it gets somewhere, with neither sleeps nor log scraping.

use std::collections::BTreeMap;
use std::time::Duration;
use tokio::sync::watch;

/// Requests per Apple path since the simulator started (not saved in the state file).
#[derive(Debug)]
pub(crate) struct RequestLog {
    counts: watch::Sender<BTreeMap<String, u64>>,
}

impl Default for RequestLog {
    fn default() -> Self {
        RequestLog {
            counts: watch::Sender::new(BTreeMap::new()),
        }
    }
}

impl RequestLog {
    /// Counts one request to `path` and wakes the waiters.
    pub(crate) fn record(&self, path: &str) {
        self.counts.send_modify(|counts| {
            *counts.entry(path.to_string()).or_default() += 1;
        });
    }

    pub(crate) fn counts(&self) -> BTreeMap<String, u64> {
        self.counts.borrow().clone()
    }

    /// Waits until `path` has received at least `count` requests, or `timeout` passed; returns
    /// the count then and whether it was reached before the timeout.
    pub(crate) async fn wait(&self, path: &str, count: u64, timeout: Duration) -> (u64, bool) {
        let of = |counts: &BTreeMap<String, u64>| counts.get(path).copied().unwrap_or(0);
        let mut rx = self.counts.subscribe();
        // The sender lives as long as the simulator, so `wait_for` only ends by reaching it.
        let reached = tokio::time::timeout(timeout, rx.wait_for(|c| of(c) >= count))
            .await
            .is_ok_and(|r| r.is_ok());
        let now = of(&rx.borrow());
        (now, reached)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test]
    async fn waiters_wake_when_the_count_is_reached() {
        let log = Arc::new(RequestLog::default());
        log.record("/server/devices");
        assert_eq!(
            log.wait("/server/devices", 1, Duration::ZERO).await,
            (1, true)
        );
        let waiter = {
            let log = log.clone();
            tokio::spawn(async move {
                log.wait("/server/devices", 3, Duration::from_secs(30))
                    .await
            })
        };
        log.record("/account");
        log.record("/server/devices");
        log.record("/server/devices");
        assert_eq!(waiter.await.expect("waiter"), (3, true));
        assert_eq!(log.counts().get("/account"), Some(&1));
    }

    #[tokio::test]
    async fn a_wait_that_is_not_reached_ends_at_its_timeout() {
        let log = RequestLog::default();
        assert_eq!(
            log.wait("/devices/sync", 1, Duration::ZERO).await,
            (0, false)
        );
    }
}
