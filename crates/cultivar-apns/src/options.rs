//! Client options: timeout, retry policy, sleeper (the last two from `cultivar-retry`,
//! re-exported here), expiration, extra roots.

pub use cultivar_retry::{RetryPolicy, Sleeper, TokioSleeper};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// The APNs client's default: 4 tries, backoff from 500 ms doubling up to 30 s.
pub const DEFAULT_RETRY_POLICY: RetryPolicy = RetryPolicy {
    max_attempts: 4,
    base_delay: Duration::from_millis(500),
    max_delay: Duration::from_secs(30),
    jitter: true,
};

#[derive(Clone)]
pub struct PushOptions {
    /// Per request.
    pub timeout: Duration,
    pub retry: RetryPolicy,
    pub sleeper: Arc<dyn Sleeper>,
    /// Sent as `apns-expiration` (now + this): how long APNs keeps the push
    /// for an offline device. APNs keeps only the latest push anyway.
    pub expiration: Duration,
    /// Pushes in flight at once in `push_many`.
    pub concurrency: usize,
    /// PEM roots trusted besides the public ones (tests: the stand-in's).
    pub extra_root_pem: Option<String>,
}

impl Default for PushOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(15),
            retry: DEFAULT_RETRY_POLICY,
            sleeper: Arc::new(TokioSleeper),
            expiration: Duration::from_secs(7 * 86_400),
            concurrency: 8,
            extra_root_pem: None,
        }
    }
}

impl fmt::Debug for PushOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PushOptions")
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("expiration", &self.expiration)
            .field("concurrency", &self.concurrency)
            .field("extra_root_pem", &self.extra_root_pem.is_some())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_retry_is_the_apns_one() {
        let o = PushOptions::default();
        assert_eq!(o.retry, DEFAULT_RETRY_POLICY);
        assert_eq!(o.retry.base_delay, Duration::from_millis(500));
        assert_eq!(o.retry.max_delay, Duration::from_secs(30));
    }
}
