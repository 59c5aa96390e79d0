//! The APNs push certificate ("MDM certificate") and per-channel push failures.

use std::fmt;

use time::OffsetDateTime;

use super::Redacted;

/// The push certificate in force.
#[derive(Clone, PartialEq, Eq)]
pub struct MdmPushActive {
    /// The certificate's subject UID (`com.apple.mgmt.External.<uuid>`).
    pub topic: String,
    pub certificate_pem: String,
    /// PKCS#8 PEM, sealed by the caller.
    pub private_key_sealed: Vec<u8>,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    pub uploaded_at: OffsetDateTime,
}

/// A generated key whose CSR waits for Apple's signed certificate.
#[derive(Clone, PartialEq, Eq)]
pub struct MdmPushPending {
    /// PKCS#8 PEM, sealed by the caller.
    pub key_sealed: Vec<u8>,
    pub csr_pem: String,
    pub created_at: OffsetDateTime,
}

/// What is stored about the push certificate: either half may be absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MdmPushCert {
    pub active: Option<MdmPushActive>,
    pub pending: Option<MdmPushPending>,
}

impl fmt::Debug for MdmPushActive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MdmPushActive")
            .field("topic", &self.topic)
            .field(
                "private_key_sealed",
                &Redacted(self.private_key_sealed.len()),
            )
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for MdmPushPending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MdmPushPending")
            .field("key_sealed", &Redacted(self.key_sealed.len()))
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

/// A channel's last push failure (cleared by the next delivered push; a permanent one also by
/// the device's next TokenUpdate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MdmPushError {
    pub enrollment_id: String,
    /// APNs' reason (`Unregistered`, `BadDeviceToken`, …), or the HTTP status or network
    /// error when APNs gave none.
    pub reason: String,
    pub at: OffsetDateTime,
    /// APNs refused the token for good: cultivar stops pushing to the channel until the
    /// device sends a new TokenUpdate. Otherwise transient (retries ran out).
    pub permanent: bool,
}

/// A push failure to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MdmPushFailure {
    pub reason: String,
    pub permanent: bool,
}

/// What is known of a channel's pushes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MdmPushState {
    pub enrollment_id: String,
    /// The last push sent to APNs, delivered or not.
    pub attempted_at: Option<OffsetDateTime>,
    /// The last push APNs accepted.
    pub delivered_at: Option<OffsetDateTime>,
    /// The last attempt's failure, unless cleared since.
    pub error: Option<MdmPushError>,
}
