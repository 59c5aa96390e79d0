use async_trait::async_trait;
use time::OffsetDateTime;

use crate::{MdmPushActive, MdmPushCert, MdmPushFailure, MdmPushPending, MdmPushState, StoreError};

/// The APNs push certificate (one per installation) and channels' push failures.
#[async_trait]
pub trait MdmPushCertStore: Send + Sync {
    /// What is stored; both halves `None` before the first CSR.
    async fn mdm_push_cert(&self) -> Result<MdmPushCert, StoreError>;

    /// Stores a new pending key and CSR, replacing any earlier pending one; the certificate
    /// in force stays. `Invalid` for an empty key or CSR.
    async fn set_mdm_push_pending(&self, pending: &MdmPushPending) -> Result<(), StoreError>;

    /// Puts `active` in force in one statement. With `consumed_pending` (the sealed pending
    /// key the certificate was checked against) the pending key is cleared, and the install
    /// is a `Conflict` when the pending key is no longer that one (a newer CSR replaced it);
    /// without it the pending key stays. `Invalid` for an empty topic, certificate or key.
    async fn install_mdm_push_cert(
        &self,
        active: &MdmPushActive,
        consumed_pending: Option<&[u8]>,
    ) -> Result<(), StoreError>;

    /// Records one push sent to APNs at `at`: delivered (`None`: clears any failure) or
    /// failed (replaces any earlier failure). Whether the channel exists.
    async fn record_mdm_push(
        &self,
        enrollment_id: &str,
        failure: Option<&MdmPushFailure>,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError>;

    /// The channel's push state; `None` when there is no such channel.
    async fn mdm_push_state(&self, enrollment_id: &str)
        -> Result<Option<MdmPushState>, StoreError>;
}
