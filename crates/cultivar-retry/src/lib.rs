//! cultivar-retry: the retry policy, injectable sleeper and retry-delay arithmetic shared by
//! the outbound HTTP clients (`cultivar-abm-client` for Apple's Device Assignment API,
//! `cultivar-apns` for MDM pushes).
//!
//! - [`RetryPolicy`]: attempts, exponential base and cap, jitter; [`RetryPolicy::validate`].
//! - [`Sleeper`] / [`TokioSleeper`]: the wait between tries, injectable so tests record delays
//!   instead of sleeping.
//! - [`backoff_delay`], [`parse_retry_after`], [`retry_after_delay`]: how long to wait.
//!
//! Hand-written rather than a retry crate (`backoff`, `backon`, `tokio-retry`) because both
//! clients decide per reply whether to retry at all, honour a server-given `Retry-After`
//! before their own backoff, and need the sleeper injected; the arithmetic is a few lines.
//!
//! [`RetryPolicy`] deliberately has no `Default`: how patient to be is the service's call
//! (each client's options carry its own default), and one shared default would silently change
//! one of them.
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod delay;
mod policy;
mod sleeper;

pub use delay::{backoff_ceiling, backoff_delay, parse_retry_after, retry_after_delay};
pub use policy::{InvalidRetryPolicy, RetryPolicy};
pub use sleeper::{Sleeper, TokioSleeper};
