use async_trait::async_trait;
use time::OffsetDateTime;

use crate::{ChallengePurpose, MdmChallenge, MdmIssuedCert, StoreError};

/// SCEP one-time secrets and the device certificates issued against them.
#[async_trait]
pub trait MdmScepStore: Send + Sync {
    /// Stores a new one-time secret (its hash). `Conflict` when the hash exists; `Invalid`
    /// for an empty hash or an expiry not after its creation.
    async fn insert_mdm_challenge(&self, challenge: &MdmChallenge) -> Result<(), StoreError>;

    /// Consumes the secret atomically: it must exist with this purpose, be unused and not
    /// expired at `at`. Returns it (with `used_at` set) or `None`, in which case nothing
    /// changed; of two concurrent consumers exactly one gets `Some`.
    async fn consume_mdm_challenge(
        &self,
        challenge_hash: &str,
        purpose: ChallengePurpose,
        at: OffsetDateTime,
    ) -> Result<Option<MdmChallenge>, StoreError>;

    /// The secret by hash, used or not (to tell why a consume failed).
    async fn mdm_challenge(&self, challenge_hash: &str)
        -> Result<Option<MdmChallenge>, StoreError>;

    /// Records an issued certificate. `Conflict` for a serial recorded already; `Invalid`
    /// for an empty serial or digest.
    async fn record_mdm_issued_cert(&self, cert: &MdmIssuedCert) -> Result<(), StoreError>;

    /// An issued certificate by serial (lowercase hex).
    async fn mdm_issued_cert(&self, serial: &str) -> Result<Option<MdmIssuedCert>, StoreError>;

    /// Issued certificates whose `not_after` is before `before`, soonest first, at most `limit`.
    async fn mdm_issued_certs_expiring(
        &self,
        before: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<MdmIssuedCert>, StoreError>;
}
