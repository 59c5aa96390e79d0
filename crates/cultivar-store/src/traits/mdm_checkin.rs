use async_trait::async_trait;

use crate::{MdmDeviceCa, MdmInventory, MdmInventoryUpdate, StoreError};

/// The device CA: created once, shared by every server instance on the database.
#[async_trait]
pub trait MdmDeviceCaStore: Send + Sync {
    /// Stores `ca` unless a device CA exists already, and returns the one in force: `ca`
    /// itself, or the one another instance stored first (so concurrent first uses agree).
    /// `Invalid` for an empty certificate or key.
    async fn insert_mdm_device_ca_if_absent(
        &self,
        ca: &MdmDeviceCa,
    ) -> Result<MdmDeviceCa, StoreError>;

    /// The device CA; `None` before its first use.
    async fn mdm_device_ca(&self) -> Result<Option<MdmDeviceCa>, StoreError>;
}

/// Device inventory from `DeviceInformation` answers.
#[async_trait]
pub trait MdmInventoryStore: Send + Sync {
    /// Replaces the channel's inventory and updates its device facts. Whether the channel
    /// exists (nothing is stored when it does not). `Invalid` unless the inventory is a JSON
    /// object.
    async fn store_mdm_inventory(&self, update: &MdmInventoryUpdate) -> Result<bool, StoreError>;

    /// The channel's last inventory; `None` when it has none (or no such channel).
    async fn mdm_inventory(&self, enrollment_id: &str) -> Result<Option<MdmInventory>, StoreError>;
}
