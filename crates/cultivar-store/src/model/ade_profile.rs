use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreError;

/// The OS names an ADE profile, an OS group or an OS default may name, in Apple's spelling.
pub const ADE_OSES: &[&str] = &["iOS", "iPadOS", "macOS", "tvOS", "visionOS"];

/// `Invalid` unless `os` is one of [`ADE_OSES`].
pub(crate) fn check_os(field: &str, os: &str) -> Result<(), StoreError> {
    if ADE_OSES.contains(&os) {
        return Ok(());
    }
    Err(StoreError::invalid(
        field,
        format!("must be one of {} (got {os:?})", ADE_OSES.join(", ")),
    ))
}

/// A stored ADE (Automated Device Enrollment) profile, scoped to one OS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdeProfile {
    pub id: Uuid,
    /// Unique among profiles (cultivar's name, also Apple's `profile_name` by convention).
    pub name: String,
    /// One of [`ADE_OSES`].
    pub os: String,
    pub description: String,
    /// Apple's profile JSON object as text, verbatim (unknown keys kept), without `url`,
    /// which cultivar fills in when it defines the profile with Apple.
    pub body: String,
    /// 1 on insert, bumped by every update; a definition of an older revision is stale.
    pub revision: i64,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// Input for [`crate::AdeProfileStore::insert_ade_profile`] and the update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAdeProfile {
    pub name: String,
    pub os: String,
    pub description: String,
    pub body: String,
}

/// What points at a profile; a profile with any of these is "in use".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AdeProfileUsage {
    /// Explicit device assignments.
    pub devices: u64,
    /// Groups whose profile it is.
    pub groups: u64,
    /// OS defaults.
    pub defaults: u64,
}

impl AdeProfileUsage {
    /// True when anything points at the profile.
    pub fn in_use(&self) -> bool {
        self.devices + self.groups + self.defaults > 0
    }
}

/// Apple's UUID for a profile on one ABM server (profile UUIDs are per ABM server).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdeProfileDefinition {
    pub profile_id: Uuid,
    pub abm_server_id: Uuid,
    pub apple_profile_uuid: String,
    /// The profile revision that was defined; older than the profile's → define again.
    pub revision: i64,
    pub defined_at: OffsetDateTime,
}

/// An Apple profile UUID cultivar defined on an ABM server, current or superseded: what the
/// planner may recognise as cultivar's on a device. Kept after the profile changes or is
/// deleted (`profile_id` is then `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdeDefinedUuid {
    pub abm_server_id: Uuid,
    pub apple_profile_uuid: String,
    /// The profile it was defined for; `None` once that profile is deleted.
    pub profile_id: Option<Uuid>,
    /// The profile revision it was defined for.
    pub revision: i64,
    pub defined_at: OffsetDateTime,
}
