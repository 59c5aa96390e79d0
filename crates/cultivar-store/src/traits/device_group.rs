use async_trait::async_trait;
use uuid::Uuid;

use crate::{
    DeviceGroup, DeviceGroupUpdate, GroupMembership, MembersAdded, NewDeviceGroup, StoreError,
};

/// Device groups (static and OS-based) and the members of static groups.
#[async_trait]
pub trait DeviceGroupStore: Send + Sync {
    /// Creates a group with a fresh id. `Conflict` when the name is taken; `Invalid` for an
    /// empty name, an OS group without an OS (or a static group with one), or an OS outside
    /// [`crate::ADE_OSES`]; `NotFound` for an unknown profile.
    async fn create_device_group(&self, new: &NewDeviceGroup) -> Result<DeviceGroup, StoreError>;

    /// The group with this id; `None` if there is none.
    async fn device_group(&self, id: Uuid) -> Result<Option<DeviceGroup>, StoreError>;

    /// Every group, ordered by name.
    async fn list_device_groups(&self) -> Result<Vec<DeviceGroup>, StoreError>;

    /// Changes name, priority and/or profile (`updated_at = now`). `NotFound` for an unknown
    /// group or profile; `Conflict` for a taken name; `Invalid` for an empty name.
    async fn update_device_group(
        &self,
        id: Uuid,
        update: &DeviceGroupUpdate,
    ) -> Result<DeviceGroup, StoreError>;

    /// Deletes the group and its members; returns whether it existed.
    async fn delete_device_group(&self, id: Uuid) -> Result<bool, StoreError>;

    /// Adds serials to a static group in one statement. `NotFound` for an unknown group;
    /// `Invalid` for an OS group (its members follow the OS) or an empty serial.
    async fn add_group_members(
        &self,
        group_id: Uuid,
        serials: &[String],
    ) -> Result<MembersAdded, StoreError>;

    /// Removes serials from a group; returns how many were members.
    async fn remove_group_members(
        &self,
        group_id: Uuid,
        serials: &[String],
    ) -> Result<u64, StoreError>;

    /// Up to `limit` member serials ordered by serial, after `after_serial` (keyset).
    async fn list_group_members(
        &self,
        group_id: Uuid,
        after_serial: Option<&str>,
        limit: u32,
    ) -> Result<Vec<String>, StoreError>;

    /// How many serials a static group lists (0 for an OS group or an unknown id).
    async fn count_group_members(&self, group_id: Uuid) -> Result<u64, StoreError>;

    /// The static-group memberships of these serials in one query, ordered by serial then
    /// group id (OS groups are not listed: their members follow the device's OS).
    async fn groups_for_serials(
        &self,
        serials: &[String],
    ) -> Result<Vec<GroupMembership>, StoreError>;
}
