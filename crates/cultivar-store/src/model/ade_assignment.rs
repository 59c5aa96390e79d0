use time::OffsetDateTime;
use uuid::Uuid;

use crate::AbmDevice;

/// An explicit device profile: this serial gets this profile, whatever its groups say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceProfileAssignment {
    pub serial_number: String,
    pub profile_id: Uuid,
    pub assigned_at: OffsetDateTime,
}

/// The profile a device of `os` gets when no explicit or group profile applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdeOsDefault {
    pub os: String,
    pub profile_id: Uuid,
    pub updated_at: OffsetDateTime,
}

/// An active ABM device with its explicit profile, read in bulk for resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdeDeviceRow {
    pub device: AbmDevice,
    pub explicit_profile_id: Option<Uuid>,
}
