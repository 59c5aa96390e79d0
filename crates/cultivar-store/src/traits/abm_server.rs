use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{AbmAccount, AbmServer, NewAbmServer, StoreError, TokenInstall};

/// ABM "MDM server" entries: keypairs, server tokens and what ABM reported about them.
/// All secret inputs are ciphertext; every update also sets `updated_at = now`.
#[async_trait]
pub trait AbmServerStore: Send + Sync {
    /// Stores a new entry (no token yet). `Conflict` when the name is taken; `Invalid` when
    /// `name`, `base_url`, `private_key_enc`, `certificate_pem` or `status` is empty.
    async fn insert_abm_server(&self, new: &NewAbmServer) -> Result<AbmServer, StoreError>;

    /// The entry with this id; `None` if there is none.
    async fn abm_server(&self, id: Uuid) -> Result<Option<AbmServer>, StoreError>;

    /// All entries ordered by name.
    async fn list_abm_servers(&self) -> Result<Vec<AbmServer>, StoreError>;

    /// Stores (or replaces) the staging keypair used for a token renewal.
    /// `NotFound` if the id does not exist; `Invalid` if either part is empty.
    async fn set_abm_staging_keypair(
        &self,
        id: Uuid,
        private_key_enc: &[u8],
        certificate_pem: &str,
    ) -> Result<(), StoreError>;

    /// Installs a server token in one transaction: replaces the keypair when the install
    /// carries one, sets the token fields, clears the staging keypair when asked.
    /// `NotFound` if the id does not exist; `Invalid` if only one keypair half is given or
    /// `token_enc`/`consumer_key` is empty. On any error the row is left exactly as it was.
    async fn install_abm_token(&self, id: Uuid, install: &TokenInstall) -> Result<(), StoreError>;

    /// Records an `/account` check: the account (or `None` to clear it) and the status.
    /// `NotFound` if the id does not exist.
    async fn update_abm_account(
        &self,
        id: Uuid,
        account: Option<&AbmAccount>,
        status: &str,
        detail: Option<&str>,
        checked_at: OffsetDateTime,
    ) -> Result<(), StoreError>;

    /// Records a status change without touching the account. `NotFound` if the id does not
    /// exist.
    async fn update_abm_status(
        &self,
        id: Uuid,
        status: &str,
        detail: Option<&str>,
        checked_at: OffsetDateTime,
    ) -> Result<(), StoreError>;

    /// Sets how many devices each sync request asks for. `Invalid` (field
    /// `sync_batch_size`) outside 1..=1000; `NotFound` if the id does not exist.
    async fn set_abm_sync_batch_size(&self, id: Uuid, n: u32) -> Result<(), StoreError>;

    /// Deletes the entry (with its devices, sync state and history); `true` if it existed.
    async fn delete_abm_server(&self, id: Uuid) -> Result<bool, StoreError>;
}
