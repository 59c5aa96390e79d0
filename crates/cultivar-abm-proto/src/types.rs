//! Request and response bodies of the Device Assignment API (paths in [`paths`]).
//!
//! Timestamps stay as Apple's strings (`2017-10-16T01:55:30Z`): Apple's formats vary between
//! fields and versions, and one odd value must not make a whole page unreadable. Use
//! [`parse_time`] where a value is needed.

pub use crate::enums::{DeviceFamily, DeviceOs, DeviceResult, OpType, ProfileStatus};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Endpoint paths.
pub mod paths {
    pub const SESSION: &str = "/session";
    pub const ACCOUNT: &str = "/account";
    pub const FETCH_DEVICES: &str = "/server/devices";
    pub const SYNC_DEVICES: &str = "/devices/sync";
    pub const DEVICE_DETAILS: &str = "/devices";
    pub const DISOWN: &str = "/devices/disown";
    pub const PROFILE: &str = "/profile";
    pub const PROFILE_DEVICES: &str = "/profile/devices";
}

/// Parses one of Apple's RFC 3339 timestamps.
pub fn parse_time(s: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

/// Formats a timestamp the way Apple does (`2018-09-08T17:28:18Z`).
pub fn format_time(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// `GET /session` reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionResponse {
    pub auth_session_token: String,
}

/// One endpoint in `/account`'s `urls`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountUrl {
    pub uri: String,
    #[serde(default)]
    pub http_method: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<Limit>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Page size limits reported by `/account`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limit {
    pub default: u32,
    pub maximum: u32,
}

/// `GET /account` reply.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AccountDetail {
    pub server_name: String,
    pub server_uuid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facilitator_id: Option<String>,
    #[serde(default)]
    pub org_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_id_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_version: Option<String>,
    #[serde(default)]
    pub urls: Vec<AccountUrl>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl AccountDetail {
    /// The token owner: `admin_id`, or the deprecated `facilitator_id`.
    pub fn token_owner(&self) -> Option<&str> {
        self.admin_id.as_deref().or(self.facilitator_id.as_deref())
    }

    /// The page-size limit `/account` reports for an endpoint path.
    pub fn limit_for(&self, uri: &str) -> Option<Limit> {
        self.urls
            .iter()
            .find(|u| u.uri == uri)
            .and_then(|u| u.limit)
    }
}

/// A device record from fetch, sync or details.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Device {
    pub serial_number: String,
    #[serde(default)]
    pub model: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset_tag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<DeviceOs>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_family: Option<DeviceFamily>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_status: Option<ProfileStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_uuid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_assign_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_push_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_assigned_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_assigned_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op_type: Option<OpType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_status: Option<DeviceResult>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Body of `POST /server/devices` and `POST /devices/sync`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CursorRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// Reply of fetch and sync.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DevicePage {
    #[serde(default)]
    pub devices: Vec<Device>,
    #[serde(default)]
    pub cursor: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetched_until: Option<String>,
    #[serde(default)]
    pub more_to_follow: bool,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Body naming serials: device details, disown, remove profile.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SerialsRequest {
    pub devices: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_uuid: Option<String>,
}

/// Reply of `POST /devices`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DeviceDetailsResponse {
    #[serde(default)]
    pub devices: BTreeMap<String, Device>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Per-serial results: disown, remove profile, define profile.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DeviceResults {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_uuid: Option<String>,
    #[serde(default)]
    pub devices: BTreeMap<String, DeviceResult>,
    /// Protocol 10: how long to wait before retrying `THROTTLED` serials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u64>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Body of `PUT`/`POST /profile/devices`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AssignProfileRequest {
    pub profile_uuid: String,
    pub devices: Vec<String>,
}

/// An ADE profile as Apple defines it (`POST /profile`, `GET /profile`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Profile {
    #[serde(default)]
    pub profile_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_uuid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configuration_web_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_pairing: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_supervised: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_multi_user: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_mandatory: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub await_device_configured: Option<bool>,
    #[serde(default = "default_true")]
    pub is_mdm_removable: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_advance_setup: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support_phone_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support_email_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(default)]
    pub org_magic: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub anchor_certs: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub supervising_host_certs: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skip_setup_items: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn default_true() -> bool {
    true
}
