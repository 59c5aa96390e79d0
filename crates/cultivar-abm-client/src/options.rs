//! Client options: identity headers, timeout, retry policy and the injectable sleeper (the last
//! two from `cultivar-retry`, re-exported here).

use crate::error::AbmError;
use cultivar_abm_proto::PROTOCOL_VERSION;
pub use cultivar_retry::{RetryPolicy, Sleeper, TokioSleeper};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Lowest protocol version accepted: 9 is the first with per-device `THROTTLED` results.
pub const MIN_PROTOCOL_VERSION: u32 = 9;

/// The default User-Agent. Apple rejects some generic ones with `USER_AGENT_INVALID`.
pub const DEFAULT_USER_AGENT: &str = concat!("cultivar/", env!("CARGO_PKG_VERSION"));

/// The ABM client's default: 4 tries, backoff from 2 s doubling up to 60 s.
pub const DEFAULT_RETRY_POLICY: RetryPolicy = RetryPolicy {
    max_attempts: 4,
    base_delay: Duration::from_secs(2),
    max_delay: Duration::from_secs(60),
    jitter: true,
};

/// Options of an [`crate::AbmClient`].
#[derive(Clone)]
pub struct ClientOptions {
    pub user_agent: String,
    /// `X-Server-Protocol-Version`; at least [`MIN_PROTOCOL_VERSION`].
    pub protocol_version: u32,
    /// Whole-request timeout (connect, send, read) of one HTTP request.
    pub timeout: Duration,
    pub retry: RetryPolicy,
    pub sleeper: Arc<dyn Sleeper>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            user_agent: DEFAULT_USER_AGENT.to_string(),
            protocol_version: PROTOCOL_VERSION,
            timeout: Duration::from_secs(30),
            retry: DEFAULT_RETRY_POLICY,
            sleeper: Arc::new(TokioSleeper),
        }
    }
}

impl fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientOptions")
            .field("user_agent", &self.user_agent)
            .field("protocol_version", &self.protocol_version)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl ClientOptions {
    /// Rejects options that would make every call fail or loop.
    pub(crate) fn validate(&self) -> Result<(), AbmError> {
        let invalid = |field, rule: &str| {
            Err(AbmError::InvalidOptions {
                field,
                rule: rule.to_string(),
            })
        };
        let ua = self.user_agent.trim();
        if ua.is_empty() || ua.chars().any(|c| !c.is_ascii() || c.is_ascii_control()) {
            return invalid(
                "user_agent",
                "must be non-empty printable ASCII, e.g. \"cultivar/1.0\"",
            );
        }
        if self.protocol_version < MIN_PROTOCOL_VERSION {
            return invalid("protocol_version", "must be at least 9");
        }
        if self.timeout.is_zero() {
            return invalid("timeout", "must be greater than zero");
        }
        self.retry
            .validate()
            .map_err(|e| AbmError::InvalidOptions {
                field: e.field,
                rule: e.rule.to_string(),
            })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_named() {
        let o = ClientOptions::default();
        assert!(o.validate().is_ok());
        assert!(o.user_agent.starts_with("cultivar/"));
        assert_eq!(o.protocol_version, PROTOCOL_VERSION);
        assert_eq!(o.retry, DEFAULT_RETRY_POLICY);
        assert_eq!(o.retry.base_delay, Duration::from_secs(2));
    }

    #[test]
    fn bad_options_name_the_field() {
        let mut o = ClientOptions {
            protocol_version: 7,
            ..ClientOptions::default()
        };
        let e = o.validate().expect_err("v7");
        assert!(e.to_string().contains("protocol_version"), "{e}");
        o.protocol_version = 10;
        o.user_agent = "bad\nagent".into();
        assert!(o.validate().is_err());
        o.user_agent = "ok/1".into();
        o.retry.max_delay = Duration::from_millis(1);
        let e = o.validate().expect_err("cap");
        assert_eq!(
            e.to_string(),
            "client options: retry.max_delay: must not be less than retry.base_delay"
        );
    }
}
