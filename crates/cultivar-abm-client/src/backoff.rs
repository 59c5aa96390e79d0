//! Retry delays. The arithmetic lives in `cultivar-retry` (shared with the APNs client) and is
//! re-exported here; what is ABM's own is the `Retry-After` floor.

use std::time::Duration;

pub use cultivar_retry::{backoff_ceiling, backoff_delay, parse_retry_after, retry_after_delay};

/// Shortest wait for a `Retry-After` that is zero or already in the past: "retry soon" must not
/// become a hot loop against Apple. Passed as the floor of [`retry_after_delay`].
pub const MIN_RETRY_AFTER: Duration = Duration::from_secs(1);
