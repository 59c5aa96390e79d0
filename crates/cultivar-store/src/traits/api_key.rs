use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{ApiKey, NewApiKey, StoreError};

/// Admin-API keys.
#[async_trait]
pub trait ApiKeyStore: Send + Sync {
    /// Stores a new key with a fresh id and `created_at = now`.
    /// `Conflict` when the name or the key hash is already used (revoked keys included);
    /// `Invalid` when `name`, `key_hash` or `key_prefix` is empty.
    async fn insert_api_key(&self, new: &NewApiKey) -> Result<ApiKey, StoreError>;

    /// The key with this hash, revoked or not (the caller decides); `None` if there is none.
    async fn api_key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKey>, StoreError>;

    /// All keys, revoked ones included, ordered by name.
    async fn list_api_keys(&self) -> Result<Vec<ApiKey>, StoreError>;

    /// Records a use of the key at `at`. `NotFound` if the id does not exist.
    async fn touch_api_key(&self, id: Uuid, at: OffsetDateTime) -> Result<(), StoreError>;

    /// Revokes the key at `at`. Returns `true` if it was active and is now revoked, `false` if
    /// it does not exist or was already revoked (its first `revoked_at` is kept).
    async fn revoke_api_key(&self, id: Uuid, at: OffsetDateTime) -> Result<bool, StoreError>;
}
