use std::{fmt, str::FromStr};

use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreError;

/// How a group gets its members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupKind {
    /// Members are added and removed by serial number.
    Static,
    /// Every device of the group's OS is a member (no stored members).
    Os,
}

impl GroupKind {
    /// The stored spelling: `"static"` or `"os"`.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupKind::Static => "static",
            GroupKind::Os => "os",
        }
    }
}

impl fmt::Display for GroupKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for GroupKind {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "static" => Ok(GroupKind::Static),
            "os" => Ok(GroupKind::Os),
            other => Err(StoreError::invalid(
                "kind",
                format!("must be \"static\" or \"os\" (got {other:?})"),
            )),
        }
    }
}

/// A device group: static (listed serials) or OS-based, with a priority and optionally an
/// ADE profile. When several groups of a device carry profiles, the highest priority wins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceGroup {
    pub id: Uuid,
    pub name: String,
    pub kind: GroupKind,
    /// Required for [`GroupKind::Os`], `None` for static groups.
    pub os: Option<String>,
    /// Higher wins.
    pub priority: i64,
    pub profile_id: Option<Uuid>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// Input for [`crate::DeviceGroupStore::create_device_group`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDeviceGroup {
    pub name: String,
    pub kind: GroupKind,
    pub os: Option<String>,
    pub priority: i64,
    pub profile_id: Option<Uuid>,
}

/// Changes for [`crate::DeviceGroupStore::update_device_group`]; `None` keeps the value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceGroupUpdate {
    pub name: Option<String>,
    pub priority: Option<i64>,
    /// `Some(None)` clears the group's profile.
    pub profile_id: Option<Option<Uuid>>,
}

/// Outcome of adding serials to a static group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MembersAdded {
    /// Serials that were not members before.
    pub added: u64,
    /// Distinct serials of the request that were members already (repeats count once).
    pub already: u64,
}

/// One static-group membership.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GroupMembership {
    pub serial_number: String,
    pub group_id: Uuid,
}
