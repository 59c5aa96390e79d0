use async_trait::async_trait;
use uuid::Uuid;

use crate::{AdeDeviceRow, AdeOsDefault, DeviceProfileAssignment, StoreError};

/// Explicit device profiles, per-OS default profiles, and the bulk read resolution needs.
#[async_trait]
pub trait AdeAssignmentStore: Send + Sync {
    /// Sets (or replaces) the serial's explicit profile. `NotFound` for an unknown profile;
    /// `Invalid` for an empty serial.
    async fn set_device_profile(
        &self,
        serial: &str,
        profile_id: Uuid,
    ) -> Result<DeviceProfileAssignment, StoreError>;

    /// Clears the serial's explicit profile; returns whether it had one.
    async fn clear_device_profile(&self, serial: &str) -> Result<bool, StoreError>;

    /// The serial's explicit profile; `None` if it has none.
    async fn device_profile(
        &self,
        serial: &str,
    ) -> Result<Option<DeviceProfileAssignment>, StoreError>;

    /// Up to `limit` explicit assignments ordered by serial, after `after_serial` (keyset).
    async fn list_device_profiles(
        &self,
        after_serial: Option<&str>,
        limit: u32,
    ) -> Result<Vec<DeviceProfileAssignment>, StoreError>;

    /// Sets (or replaces) the default profile of `os`. `NotFound` for an unknown profile;
    /// `Invalid` for an OS outside [`crate::ADE_OSES`] or a profile of another OS.
    async fn set_os_default(&self, os: &str, profile_id: Uuid) -> Result<AdeOsDefault, StoreError>;

    /// Clears the default of `os`; returns whether there was one.
    async fn clear_os_default(&self, os: &str) -> Result<bool, StoreError>;

    /// The default of `os`; `None` if there is none.
    async fn os_default(&self, os: &str) -> Result<Option<AdeOsDefault>, StoreError>;

    /// Every OS default, ordered by OS.
    async fn list_os_defaults(&self) -> Result<Vec<AdeOsDefault>, StoreError>;

    /// Up to `limit` active (not removed) ABM devices ordered by serial, after `after_serial`
    /// (keyset), each with its explicit profile: one query per page.
    async fn list_ade_devices(
        &self,
        after_serial: Option<&str>,
        limit: u32,
    ) -> Result<Vec<AdeDeviceRow>, StoreError>;
}
