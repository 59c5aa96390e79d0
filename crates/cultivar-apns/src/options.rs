//! Client options: timeout, retry policy, sleeper, expiration, extra roots.

use async_trait::async_trait;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Waits between retries; injected so tests record delays instead of sleeping.
#[async_trait]
pub trait Sleeper: Send + Sync {
    async fn sleep(&self, duration: Duration);
}

/// The real sleeper.
#[derive(Debug, Default, Clone, Copy)]
pub struct TokioSleeper;

#[async_trait]
impl Sleeper for TokioSleeper {
    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

/// Retries of transient failures (429, 5xx, transport).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts including the first; 1 disables retries.
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// Full jitter between `base_delay` and the exponential ceiling.
    pub jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            jitter: true,
        }
    }
}

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
            retry: RetryPolicy::default(),
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
