//! Retry delays: `Retry-After` parsing and exponential backoff with full jitter.

use crate::policy::RetryPolicy;
use rand::Rng;
use std::time::{Duration, SystemTime};

/// Parses `Retry-After` (RFC 9110 §10.2.3): delta-seconds or an HTTP-date. A date in the past
/// gives zero. Unparseable values give `None`, so the caller falls back to backoff.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The wait for a server-requested delay: at least `floor`, at most `policy.max_delay` (the cap
/// wins when the two cross). The floor is the caller's: ABM uses one second so "retry now" is no
/// hot loop against Apple; APNs passes zero and retries at once.
pub fn retry_after_delay(policy: &RetryPolicy, requested: Duration, floor: Duration) -> Duration {
    requested.max(floor).min(policy.max_delay)
}

/// The exponential ceiling before retry number `retry` (1 = first retry): `base · 2^(retry-1)`,
/// capped at `max_delay`.
pub fn backoff_ceiling(policy: &RetryPolicy, retry: u32) -> Duration {
    let exponent = retry.saturating_sub(1).min(31);
    policy
        .base_delay
        .checked_mul(1u32 << exponent)
        .unwrap_or(policy.max_delay)
        .min(policy.max_delay)
}

/// The backoff before retry number `retry`: the ceiling, or with jitter a uniform pick between
/// `base_delay` and the ceiling (never above the cap).
pub fn backoff_delay(policy: &RetryPolicy, retry: u32) -> Duration {
    let ceiling = backoff_ceiling(policy, retry);
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
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
            jitter,
        }
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(90));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(90))
        );
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(90));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }

    #[test]
    fn retry_after_is_floored_then_capped() {
        let p = policy(false);
        let second = Duration::from_secs(1);
        assert_eq!(retry_after_delay(&p, Duration::ZERO, second), second);
        let year = Duration::from_secs(86_400 * 365);
        assert_eq!(retry_after_delay(&p, year, second), p.max_delay);
        let tiny_cap = RetryPolicy {
            max_delay: Duration::from_millis(200),
            ..p
        };
        // The cap wins over the floor.
        assert_eq!(
            retry_after_delay(&tiny_cap, Duration::ZERO, second),
            Duration::from_millis(200)
        );
    }

    #[test]
    fn retry_after_without_a_floor_is_only_capped() {
        let p = policy(false);
        let ms = Duration::from_millis;
        assert_eq!(retry_after_delay(&p, ms(300), Duration::ZERO), ms(300));
        assert_eq!(
            retry_after_delay(&p, Duration::ZERO, Duration::ZERO),
            Duration::ZERO
        );
        let hour = Duration::from_secs(3600);
        assert_eq!(retry_after_delay(&p, hour, Duration::ZERO), p.max_delay);
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = policy(false);
        let delays: Vec<u128> = (1..=6).map(|r| backoff_delay(&p, r).as_millis()).collect();
        assert_eq!(delays, vec![100, 200, 400, 800, 1000, 1000]);
        assert_eq!(backoff_delay(&p, u32::MAX), p.max_delay);
    }

    #[test]
    fn jittered_backoff_stays_between_base_and_ceiling() {
        let p = policy(true);
        for retry in 1..=8 {
            for _ in 0..50 {
                let d = backoff_delay(&p, retry);
                assert!(d >= p.base_delay, "{d:?}");
                assert!(d <= backoff_ceiling(&p, retry), "{d:?}");
            }
        }
        let spread: std::collections::BTreeSet<u128> =
            (0..50).map(|_| backoff_delay(&p, 5).as_millis()).collect();
        assert!(spread.len() > 1, "jitter must vary the delay");
    }
}
