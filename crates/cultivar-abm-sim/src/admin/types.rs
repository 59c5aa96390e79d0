//! Request and response bodies of the admin API (`/_sim/…`), shared by the handlers and
//! [`crate::SimAdminClient`].

use serde::{Deserialize, Serialize};

pub use crate::state::{AssignInjection, InjectedResult, WILDCARD};

/// `POST /_sim/servers`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterServer {
    pub name: String,
    pub certificate_pem: String,
}

/// `PUT /_sim/servers/{uuid}/certificate`: upload a new certificate (renewal with a new key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateCertificate {
    pub certificate_pem: String,
}

/// An MDM server as the portal lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerInfo {
    pub server_uuid: String,
    pub name: String,
    pub consumer_key: String,
    /// Expiry of the current token, if one was downloaded.
    #[serde(default)]
    pub token_expiry: Option<String>,
    /// True once the token was revoked by `expire-token` or has expired.
    #[serde(default)]
    pub token_expired: bool,
    #[serde(default)]
    pub admin_id: Option<String>,
    pub device_count: usize,
    pub is_default: bool,
}

/// A downloaded server token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenFile {
    /// Apple-style `<name>_Token_<time>_smime.p7m`.
    pub filename: String,
    /// The S/MIME `.p7m` bytes.
    pub bytes: Vec<u8>,
}

/// `POST /_sim/devices`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddDevices {
    pub count: u32,
    /// `iOS`, `iPadOS`, `macOS`, `tvOS`, `visionOS` or `mix` (the default).
    #[serde(default)]
    pub os: Option<String>,
}

/// Reply of `POST /_sim/devices`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddedDevices {
    pub serials: Vec<String>,
    /// The default server the new devices went to, if any.
    #[serde(default)]
    pub server_uuid: Option<String>,
}

/// `PUT /_sim/default-server`; `null` clears it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefaultServer {
    pub server_uuid: Option<String>,
}

/// `POST /_sim/assign`: serials, or CSV text (one serial a row, header optional), or both.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignRequest {
    pub server_uuid: String,
    #[serde(default)]
    pub serials: Vec<String>,
    #[serde(default)]
    pub csv: Option<String>,
}

/// `POST /_sim/release`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseRequest {
    pub serials: Vec<String>,
}

/// `POST /_sim/move`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoveRequest {
    pub serials: Vec<String>,
    pub to: String,
}

/// Outcome of a batch: what changed, what already was so, and the rows that failed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchResult {
    pub applied: Vec<String>,
    #[serde(default)]
    pub unchanged: Vec<String>,
    #[serde(default)]
    pub errors: Vec<RowError>,
}

/// One refused row or serial.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    /// 1-based CSV row, when the value came from CSV.
    #[serde(default)]
    pub row: Option<usize>,
    pub value: String,
    pub error: String,
}

/// A device as the portal shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    pub serial_number: String,
    pub model: String,
    pub description: String,
    pub color: String,
    #[serde(default)]
    pub asset_tag: Option<String>,
    pub os: String,
    pub device_family: String,
    #[serde(default)]
    pub server_uuid: Option<String>,
    #[serde(default)]
    pub device_assigned_date: Option<String>,
    #[serde(default)]
    pub device_assigned_by: Option<String>,
    #[serde(default)]
    pub profile_uuid: Option<String>,
    pub profile_status: String,
    #[serde(default)]
    pub profile_assign_time: Option<String>,
    #[serde(default)]
    pub profile_push_time: Option<String>,
}

/// Query of `GET /_sim/devices`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceQuery {
    /// A server UUID, or `none` for unassigned devices; all devices when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// Start after this serial.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// Page size (default 100, at most 10000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
}

/// A page of `GET /_sim/devices`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceList {
    pub devices: Vec<DeviceInfo>,
    /// Pass as `after` for the next page; absent on the last page.
    #[serde(default)]
    pub next_after: Option<String>,
}

/// `PATCH /_sim/org`: only the given fields change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terms_signed: Option<bool>,
}

/// `POST /_sim/clock/advance`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockAdvance {
    pub seconds: u64,
}

/// The simulator's clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockInfo {
    pub now: String,
    pub now_ms: i64,
    pub offset_seconds: i64,
}

/// Count of things an admin action removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Removed {
    pub removed: usize,
}

/// Query of `POST /_sim/faults`: `skip=N` lets N requests to the endpoint through first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultQuery {
    #[serde(default)]
    pub skip: Option<u32>,
}

/// `GET /_sim/requests`: requests per Apple path since the simulator started.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestCounts {
    pub counts: std::collections::BTreeMap<String, u64>,
}

/// Query of `GET /_sim/requests/wait`: answer once `path` has had `count` requests, or after
/// `timeout_ms` (default 30 s, at most 120 s).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestWaitQuery {
    pub path: String,
    pub count: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
}

/// Answer of `GET /_sim/requests/wait`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestWait {
    pub path: String,
    /// Requests `path` had when the wait ended.
    pub count: u64,
    /// Whether the count asked for was reached before the timeout.
    pub reached: bool,
}

/// `POST /_sim/assign-results`: the next `count` assign attempts for each serial (or, with
/// [`WILDCARD`], the next `count` assign requests) get `result` instead of the profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignResultRequest {
    pub serials: Vec<String>,
    pub result: InjectedResult,
    /// Default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// THROTTLED only; in the reply from protocol 10.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u64>,
}

/// One injected answer as `GET /_sim/assign-results` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignResultEntry {
    /// A serial, or [`WILDCARD`].
    pub serial: String,
    #[serde(flatten)]
    pub injection: AssignInjection,
}

/// `POST /_sim/profiles/unassign`: an ABM administrator removes these serials' profiles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnassignRequest {
    pub serials: Vec<String>,
}

/// Query of `GET /_sim/profiles`: one server's profiles, or all when absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
}

/// A defined profile and the serials that have it now (`GET /_sim/profiles`, in UUID order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileInfo {
    pub profile_uuid: String,
    pub server_uuid: String,
    pub created: String,
    pub profile: cultivar_abm_proto::Profile,
    pub serials: Vec<String>,
}
