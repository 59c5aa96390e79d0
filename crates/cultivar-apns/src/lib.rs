//! cultivar-apns: MDM push over Apple Push Notification service.
//!
//! - [`PushClient`]: HTTP/2 over TLS to `api.push.apple.com` with the MDM
//!   push certificate as client identity; body exactly `{"mdm":"<PushMagic>"}`;
//!   permanent and transient errors told apart, transient ones retried with
//!   backoff through an injectable [`Sleeper`] (policy, sleeper and delays from
//!   `cultivar-retry`, re-exported).
//! - [`Pusher`]: the trait the server pushes through (a recording fake in tests).
//! - [`standin`]: a local APNs stand-in for tests and the simulators: HTTP/2
//!   over TLS with client-certificate authentication, recording every push.
//!
//! Hand-rolled on reqwest and hyper rather than the `a2` crate, because `a2`
//! pins an older rustls/hyper-rustls (duplicating them in the tree) and its
//! payload type always adds an `aps` key, which MDM pushes must not carry.
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod classify;
mod client;
mod error;
mod options;
pub mod standin;

pub use client::{PushClient, PushOutcome, PushTarget, Pusher, DEFAULT_BASE_URL};
pub use error::PushError;
pub use options::{PushOptions, RetryPolicy, Sleeper, TokioSleeper, DEFAULT_RETRY_POLICY};
