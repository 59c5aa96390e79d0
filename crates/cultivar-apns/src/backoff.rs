//! Retry delays: `Retry-After` and exponential backoff with full jitter.

use crate::options::RetryPolicy;
use rand::Rng;
use std::time::{Duration, SystemTime};

/// Parses `Retry-After`: delta-seconds or an HTTP-date (a past date gives zero).
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The delay before retry number `retry` (1 = first retry). A server-given
/// delay wins but is capped, so a hostile `Retry-After` cannot park us.
pub(crate) fn delay(retry: u32, requested: Option<Duration>, policy: &RetryPolicy) -> Duration {
    if let Some(requested) = requested {
        return requested.min(policy.max_delay);
    }
    let exponent = retry.saturating_sub(1).min(31);
    let ceiling = policy
        .base_delay
        .checked_mul(1u32 << exponent)
        .unwrap_or(policy.max_delay)
        .min(policy.max_delay);
    let floor = policy.base_delay.min(ceiling);
    if !policy.jitter || ceiling <= floor {
        return ceiling;
    }
    let lo = u64::try_from(floor.as_millis()).unwrap_or(u64::MAX);
    let hi = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
    Duration::from_millis(rand::thread_rng().gen_range(lo..=hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(jitter: bool) -> RetryPolicy {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
            jitter,
        }
    }

    #[test]
    fn backoff_doubles_to_the_cap_and_retry_after_wins_capped() {
        let p = policy(false);
        let d: Vec<u128> = (1..=5).map(|r| delay(r, None, &p).as_millis()).collect();
        assert_eq!(d, vec![100, 200, 400, 800, 1000]);
        assert_eq!(
            delay(1, Some(Duration::from_millis(300)), &p).as_millis(),
            300
        );
        assert_eq!(delay(1, Some(Duration::from_secs(3600)), &p), p.max_delay);
        for _ in 0..20 {
            let j = delay(3, None, &policy(true));
            assert!(j >= Duration::from_millis(100) && j <= Duration::from_millis(400));
        }
    }

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(60));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
