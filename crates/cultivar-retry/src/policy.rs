//! The retry policy and its validation.

use std::time::Duration;

/// How often and how patiently to retry transient failures (429, 5xx, transport).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total tries per call, the first included (1 = never retry).
    pub max_attempts: u32,
    /// Delay before the first retry; doubles on each further retry.
    pub base_delay: Duration,
    /// Upper bound for any single delay, including one asked for by `Retry-After`, so a
    /// hostile or mistaken server cannot park the caller.
    pub max_delay: Duration,
    /// Full jitter: pick each backoff uniformly between `base_delay` and the exponential ceiling,
    /// so many clients failing together do not retry in lockstep.
    pub jitter: bool,
}

/// A policy that would make every call fail or spin. `field` is named as it appears in the
/// clients' options, where the policy is the `retry` field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {rule}")]
pub struct InvalidRetryPolicy {
    pub field: &'static str,
    pub rule: &'static str,
}

impl RetryPolicy {
    /// Rejects zero attempts, a zero base delay and a cap below the base delay.
    pub fn validate(&self) -> Result<(), InvalidRetryPolicy> {
        let invalid = |field, rule| Err(InvalidRetryPolicy { field, rule });
        if self.max_attempts == 0 {
            return invalid("retry.max_attempts", "must be at least 1");
        }
        if self.base_delay.is_zero() {
            return invalid("retry.base_delay", "must be greater than zero");
        }
        if self.max_delay < self.base_delay {
            return invalid("retry.max_delay", "must not be less than retry.base_delay");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
            jitter: true,
        }
    }

    #[test]
    fn a_sane_policy_is_valid() {
        assert_eq!(good().validate(), Ok(()));
        let single_delay = RetryPolicy {
            max_attempts: 1,
            max_delay: Duration::from_millis(100),
            ..good()
        };
        assert_eq!(single_delay.validate(), Ok(()));
    }

    #[test]
    fn each_rule_names_its_field() {
        let cases = [
            (
                RetryPolicy {
                    max_attempts: 0,
                    ..good()
                },
                "retry.max_attempts: must be at least 1",
            ),
            (
                RetryPolicy {
                    base_delay: Duration::ZERO,
                    ..good()
                },
                "retry.base_delay: must be greater than zero",
            ),
            (
                RetryPolicy {
                    max_delay: Duration::from_millis(99),
                    ..good()
                },
                "retry.max_delay: must not be less than retry.base_delay",
            ),
        ];
        for (policy, message) in cases {
            let e = policy.validate().expect_err(message);
            assert_eq!(e.to_string(), message);
        }
    }
}
