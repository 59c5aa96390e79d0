use async_trait::async_trait;

use crate::{MdmEnrollment, StoreError};

/// Device channels read the way the device list needs them: keyed like ABM devices.
#[async_trait]
pub trait MdmDeviceStore: Send + Sync {
    /// Up to `limit` device channels (never user channels) ordered by their device key —
    /// the serial number, or the channel id when the device reported none (User Enrollment) —
    /// with keys after `after_key` (keyset). Channels sharing a serial (a device that enrolled
    /// again under another id) come most recently authenticated first.
    async fn list_mdm_device_channels(
        &self,
        after_key: Option<&str>,
        limit: u32,
    ) -> Result<Vec<MdmEnrollment>, StoreError>;
}
