use time::OffsetDateTime;
use uuid::Uuid;

/// What Apple says about one device (`/server/devices` and `/devices/sync` records).
/// `extra` keeps the fields this version does not know, so nothing Apple sent is lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbmDeviceData {
    pub serial_number: String,
    pub model: Option<String>,
    pub description: Option<String>,
    pub color: Option<String>,
    pub asset_tag: Option<String>,
    pub os: Option<String>,
    pub device_family: Option<String>,
    pub profile_status: Option<String>,
    pub profile_uuid: Option<String>,
    pub profile_assign_time: Option<OffsetDateTime>,
    pub profile_push_time: Option<OffsetDateTime>,
    pub device_assigned_date: Option<OffsetDateTime>,
    pub device_assigned_by: Option<String>,
    /// A JSON object of unknown fields (`{}` when none).
    pub extra: serde_json::Value,
}

impl AbmDeviceData {
    /// A record with only the serial number (every other field empty).
    pub fn new(serial_number: impl Into<String>) -> Self {
        Self {
            serial_number: serial_number.into(),
            model: None,
            description: None,
            color: None,
            asset_tag: None,
            os: None,
            device_family: None,
            profile_status: None,
            profile_uuid: None,
            profile_assign_time: None,
            profile_push_time: None,
            device_assigned_date: None,
            device_assigned_by: None,
            extra: serde_json::Value::Object(serde_json::Map::new()),
        }
    }
}

/// A stored ABM device: Apple's data plus where and when cultivar saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbmDevice {
    pub data: AbmDeviceData,
    /// The ABM server the device is currently assigned to (the latest one that reported it).
    pub abm_server_id: Uuid,
    pub last_op_type: Option<String>,
    pub last_op_date: Option<OffsetDateTime>,
    /// Set when the device left its ABM server (a `deleted` event or a reconciling fetch).
    pub removed_at: Option<OffsetDateTime>,
    pub first_seen_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// One device change of a fetched or synced page.
// Nearly every change of a page is an upsert, so boxing the large variant would only add an
// allocation per device.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceChange {
    /// A fetched record (op_type None) or an `added`/`modified` sync record.
    Upsert {
        data: AbmDeviceData,
        op_type: Option<String>,
        op_date: Option<OffsetDateTime>,
    },
    /// A `deleted` sync record.
    Removed {
        serial_number: String,
        op_date: Option<OffsetDateTime>,
    },
}

impl DeviceChange {
    /// The serial number the change is about.
    pub fn serial_number(&self) -> &str {
        match self {
            DeviceChange::Upsert { data, .. } => &data.serial_number,
            DeviceChange::Removed { serial_number, .. } => serial_number,
        }
    }

    /// Apple's `op_date` of the change, if any.
    pub fn op_date(&self) -> Option<OffsetDateTime> {
        match self {
            DeviceChange::Upsert { op_date, .. } | DeviceChange::Removed { op_date, .. } => {
                *op_date
            }
        }
    }
}

/// Filters and keyset position for [`crate::AbmDeviceStore::list_abm_devices`]. Every `Some`
/// filter must match; `None` matches everything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbmDeviceQuery {
    pub abm_server_id: Option<Uuid>,
    pub os: Option<String>,
    pub device_family: Option<String>,
    pub profile_status: Option<String>,
    /// `Some(true)`: only removed devices; `Some(false)`: only active ones.
    pub removed: Option<bool>,
    /// Case-insensitive substring of the serial number.
    pub serial_contains: Option<String>,
    /// Start after this serial number (exclusive): the last serial of the previous page.
    pub after_serial: Option<String>,
    pub limit: u32,
}

impl Default for AbmDeviceQuery {
    fn default() -> Self {
        Self {
            abm_server_id: None,
            os: None,
            device_family: None,
            profile_status: None,
            removed: None,
            serial_contains: None,
            after_serial: None,
            limit: 100,
        }
    }
}
