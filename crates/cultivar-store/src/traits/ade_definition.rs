use async_trait::async_trait;
use uuid::Uuid;

use crate::{AdeDefinedUuid, AdeProfileDefinition, StoreError};

/// Apple's profile UUIDs, one per (profile, ABM server): a profile is defined once per ABM
/// server, and again after it changed (its revision moved past the defined one).
#[async_trait]
pub trait AdeProfileDefinitionStore: Send + Sync {
    /// The definition of `profile_id` on `abm_server_id`; `None` if never defined there.
    async fn ade_profile_definition(
        &self,
        profile_id: Uuid,
        abm_server_id: Uuid,
    ) -> Result<Option<AdeProfileDefinition>, StoreError>;

    /// Inserts or replaces the definition of (profile, server), and adds its Apple UUID to the
    /// history ([`Self::list_ade_defined_uuids`]), in one transaction. `NotFound` when the
    /// profile or the server does not exist; `Invalid` for an empty `apple_profile_uuid`.
    async fn put_ade_profile_definition(
        &self,
        definition: &AdeProfileDefinition,
    ) -> Result<(), StoreError>;

    /// The profile's definitions, ordered by ABM server id.
    async fn list_ade_profile_definitions(
        &self,
        profile_id: Uuid,
    ) -> Result<Vec<AdeProfileDefinition>, StoreError>;

    /// Every definition (the planner's view of which Apple UUIDs are cultivar's).
    async fn list_all_ade_profile_definitions(
        &self,
    ) -> Result<Vec<AdeProfileDefinition>, StoreError>;

    /// Every Apple UUID cultivar ever defined, per ABM server: current definitions, those of
    /// older revisions and those of deleted profiles (a device may still hold any of them).
    /// Ordered by server, then UUID.
    async fn list_ade_defined_uuids(&self) -> Result<Vec<AdeDefinedUuid>, StoreError>;
}
