//! MDM admin API: devices (ABM and MDM merged, with their state), commands and the per-device
//! MDM activity log.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use crate::abm_sync::AbmDeviceView;

/// Device states, as the API spells them.
pub const DEVICE_STATES: [&str; 4] = ["pending", "enrolled", "offline", "unmanaged"];
/// Command states, as the API spells them.
pub const COMMAND_STATES: [&str; 7] = [
    "queued",
    "sent",
    "not_now",
    "acknowledged",
    "error",
    "command_format_error",
    "cancelled",
];

/// Push states of a device channel, as the API spells them: no push sent yet, the last one
/// delivered, the last one failed, or a failure cleared by a TokenUpdate since (the next push
/// will tell).
pub const PUSH_STATES: [&str; 4] = ["never", "delivered", "failed", "pending"];

/// Why the last push to a device failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PushErrorView {
    /// APNs' reason (`BadDeviceToken`, `Unregistered`, `DeviceTokenNotForTopic`, …), or
    /// `HTTP <status>` or the network error when APNs gave none.
    pub reason: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// APNs refused the device's token: cultivar sends it no pushes until the device sends a
    /// new TokenUpdate. Otherwise the next push tries again.
    pub permanent: bool,
    /// What to do about it, in one line.
    pub hint: String,
}

/// Whether APNs pushes reach a device (its device channel).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PushStateView {
    /// One of [`PUSH_STATES`].
    pub state: String,
    /// The last push sent to APNs, delivered or not.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_attempt_at: Option<OffsetDateTime>,
    /// The last push APNs accepted.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_delivered_at: Option<OffsetDateTime>,
    /// The last attempt's failure (absent once a push is delivered, and for a permanent one
    /// once the device sent a new TokenUpdate).
    #[serde(default)]
    pub error: Option<PushErrorView>,
}

/// A device's MDM device channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EnrollmentView {
    /// UDID, or EnrollmentID for User Enrollment.
    pub id: String,
    /// `ade`, `profile` or `user_enrollment`.
    pub enrollment_type: String,
    pub enabled: bool,
    pub serial_number: Option<String>,
    pub os_version: Option<String>,
    pub build_version: Option<String>,
    pub product_name: Option<String>,
    pub model: Option<String>,
    pub device_name: Option<String>,
    pub awaiting_configuration: bool,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub authenticated_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub token_updated_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub checked_out_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_seen_at: Option<OffsetDateTime>,
}

/// A device: its ABM record and/or its MDM enrollment, and its state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DeviceView {
    /// The serial number, or the enrollment id of a device without one (paging key).
    pub key: String,
    pub serial_number: Option<String>,
    /// One of [`DEVICE_STATES`].
    pub state: String,
    pub abm: Option<AbmDeviceView>,
    pub enrollment: Option<EnrollmentView>,
    /// The device's last DeviceInformation answers (device detail only; absent in lists and
    /// before the device answered).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub inventory: Option<serde_json::Value>,
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub inventory_at: Option<OffsetDateTime>,
    /// Push state of the device channel (device detail only; absent in lists and without a
    /// channel).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push: Option<PushStateView>,
}

/// `GET /api/v1/devices`: pass `next_after` as `after` for the next page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DeviceList {
    pub devices: Vec<DeviceView>,
    #[serde(default)]
    pub next_after: Option<String>,
}

/// Filters of `GET /api/v1/devices`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeviceListQuery {
    /// One of [`DEVICE_STATES`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// The previous page's `next_after`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// Page size, 1–1000 (default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// `POST /api/v1/devices/{id}/commands`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SendCommand {
    /// Apple's `RequestType`, for example `DeviceInformation`.
    pub request_type: String,
    /// The command's keys other than `RequestType` (data as base64, dates as RFC 3339).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
}

/// `POST /api/v1/commands`: one command for many devices, queued in one transaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BulkCommand {
    /// Device ids (UDID, EnrollmentID) or serial numbers.
    pub targets: Vec<String>,
    pub request_type: String,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
}

/// A queued command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CommandQueued {
    pub command_uuid: String,
    pub request_type: String,
    /// Enrollment ids it was queued for.
    pub queued: Vec<String>,
    /// Targets that name no enrolled device (nothing queued for them).
    pub unknown: Vec<String>,
}

/// One command of a device: a row of the MDM activity log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CommandView {
    pub command_uuid: String,
    pub request_type: String,
    /// One of [`COMMAND_STATES`].
    pub state: String,
    /// Queue order; pass the last one as `before` for older entries.
    pub seq: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub queued_at: OffsetDateTime,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub sent_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub answered_at: Option<OffsetDateTime>,
    pub deliveries: u64,
    pub not_now_count: u64,
    /// True when the last report carries an error (see the command's `error`).
    pub has_error: bool,
}

/// `GET /api/v1/devices/{id}/commands`, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CommandList {
    pub commands: Vec<CommandView>,
    /// Pass as `before` for older entries (absent on the last page).
    #[serde(default)]
    pub next_before: Option<i64>,
}

/// Filters of `GET /api/v1/devices/{id}/commands`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CommandListQuery {
    /// One or more of [`COMMAND_STATES`], comma-separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// A `RequestType`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub request_type: Option<String>,
    /// Queued at or after (RFC 3339, or a `YYYY-MM-DD` date: from its start, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// Queued before (RFC 3339, or a `YYYY-MM-DD` date: up to and including that day, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// The previous page's `next_before`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<i64>,
    /// Page size, 1–500 (default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// One report of a command as received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReportView {
    /// Apple's `Status`.
    pub status: String,
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
    /// The report plist as text.
    pub raw: String,
}

/// One `ErrorChain` entry, outermost first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorChainView {
    pub code: Option<i64>,
    pub domain: Option<String>,
    pub description: Option<String>,
    pub us_english_description: Option<String>,
}

/// Why a command failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CommandErrorView {
    pub status: String,
    pub error_chain: Vec<ErrorChainView>,
    pub rejection_reason: Option<String>,
    /// Set when the stored report could not be decoded.
    pub parse_error: Option<String>,
}

/// `GET /api/v1/devices/{id}/commands/{uuid}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CommandDetailView {
    pub command: CommandView,
    /// Every report, oldest first (NotNows included).
    pub reports: Vec<ReportView>,
    pub error: Option<CommandErrorView>,
}

/// `DELETE /api/v1/commands/{uuid}` options.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CancelQuery {
    /// Cancel for this device only (id or serial); all devices when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
}

/// Answer of `DELETE /api/v1/commands/{uuid}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CommandCancelled {
    pub command_uuid: String,
    /// How many devices it was cancelled for.
    pub cancelled: u64,
}
