use async_trait::async_trait;
use uuid::Uuid;

use crate::{AdeProfile, AdeProfileUsage, NewAdeProfile, StoreError};

/// ADE profiles (Apple's profile JSON plus the OS it is for) and where they are in use.
#[async_trait]
pub trait AdeProfileStore: Send + Sync {
    /// Stores a new profile with a fresh id, revision 1 and `created_at = updated_at = now`.
    /// `Conflict` when the name is taken; `Invalid` for an empty name, an OS outside
    /// [`crate::ADE_OSES`], or a `body` that is not a JSON object or holds `url` or
    /// `configuration_web_url` (cultivar's to fill in).
    async fn insert_ade_profile(&self, new: &NewAdeProfile) -> Result<AdeProfile, StoreError>;

    /// The profile with this id; `None` if there is none.
    async fn ade_profile(&self, id: Uuid) -> Result<Option<AdeProfile>, StoreError>;

    /// The profile with this name; `None` if there is none.
    async fn ade_profile_by_name(&self, name: &str) -> Result<Option<AdeProfile>, StoreError>;

    /// Every profile, ordered by name.
    async fn list_ade_profiles(&self) -> Result<Vec<AdeProfile>, StoreError>;

    /// Replaces name, OS, description and body and bumps the revision, but only if the stored
    /// revision is still `expected_revision` (optimistic locking): otherwise `Conflict`.
    /// `NotFound` for an unknown id; `Conflict` for a name taken by another profile; `Invalid`
    /// as for the insert.
    async fn update_ade_profile(
        &self,
        id: Uuid,
        expected_revision: i64,
        new: &NewAdeProfile,
    ) -> Result<AdeProfile, StoreError>;

    /// Deletes the profile and its definitions. A profile in use (see
    /// [`AdeProfileStore::ade_profile_usage`]) is refused with `Conflict` unless `force`; with
    /// `force`, the device assignments, group profiles and OS defaults pointing at it are
    /// cleared in the same transaction (those devices fall to the next rule). Returns whether
    /// a profile went away.
    async fn delete_ade_profile(&self, id: Uuid, force: bool) -> Result<bool, StoreError>;

    /// What points at the profile (all zero for an unknown id).
    async fn ade_profile_usage(&self, id: Uuid) -> Result<AdeProfileUsage, StoreError>;
}
