//! The error type of a push: permanent (drop or fix the token or certificate)
//! versus transient (retry later).

use std::time::Duration;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PushError {
    /// APNs refused the push for good: `Unregistered` (410), `BadDeviceToken`,
    /// `TopicDisallowed`, `BadCertificate`, … Retrying cannot help.
    #[error("apns: push refused permanently: {reason} (HTTP {status:?})")]
    Permanent { reason: String, status: Option<u16> },

    /// APNs or the network failed for now (429, 5xx, transport errors);
    /// returned after the retry policy ran out.
    #[error(
        "apns: push failed temporarily: {reason} (HTTP {status:?}, retry after {retry_after:?})"
    )]
    Transient {
        reason: String,
        status: Option<u16>,
        retry_after: Option<Duration>,
    },

    /// The push target is malformed; nothing was sent.
    #[error("{field}: {reason}")]
    InvalidTarget { field: &'static str, reason: String },

    /// The client could not be built (certificate, key, base URL).
    #[error("{field}: {reason}")]
    Config { field: &'static str, reason: String },
}

impl PushError {
    /// Whether retrying later cannot succeed.
    pub fn is_permanent(&self) -> bool {
        !matches!(self, PushError::Transient { .. })
    }

    /// APNs' reason string, when the failure came from APNs or the transport.
    pub fn reason(&self) -> Option<&str> {
        match self {
            PushError::Permanent { reason, .. } | PushError::Transient { reason, .. } => {
                Some(reason)
            }
            _ => None,
        }
    }
}
