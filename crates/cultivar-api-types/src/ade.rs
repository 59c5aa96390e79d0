//! ADE profiles, per-OS defaults, device groups, explicit device profiles, and the views that
//! explain them: `explain`, `unassigned` and the dry-run `plan`.
//!
//! Path parameters naming a profile or a group take its UUID or its (unique) name. Creating or
//! updating a profile takes Apple's profile JSON with one added key, `"os"`, as the body.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// What points at a profile; a profile with any of these is "in use" and needs `force=true` to
/// be deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProfileUsageView {
    pub devices: u64,
    pub groups: u64,
    pub defaults: u64,
}

/// Apple's UUID for the profile on one ABM server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProfileDefinitionView {
    pub abm_server_id: Uuid,
    pub apple_profile_uuid: String,
    /// The profile revision that was sent.
    pub revision: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub defined_at: OffsetDateTime,
    /// True when the profile changed since: the next push defines it again.
    pub stale: bool,
}

/// A stored ADE profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AdeProfileView {
    pub id: Uuid,
    pub name: String,
    /// `iOS`, `iPadOS`, `macOS`, `tvOS` or `visionOS`.
    pub os: String,
    pub description: String,
    /// Bumped by every update.
    pub revision: i64,
    /// Apple's profile JSON as stored (without `url`, which cultivar fills in).
    #[schema(value_type = Object)]
    pub body: serde_json::Value,
    pub usage: ProfileUsageView,
    pub definitions: Vec<ProfileDefinitionView>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// Something kept but worth attention (an unknown skip key, a key for another OS).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldWarning {
    pub field: String,
    pub message: String,
}

/// Answer of creating (201) or updating (200) a profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AdeProfileSaved {
    pub profile: AdeProfileView,
    pub warnings: Vec<FieldWarning>,
}

/// `GET /api/v1/ade/profiles`, ordered by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AdeProfileList {
    pub profiles: Vec<AdeProfileView>,
}

/// Query of `PUT /api/v1/ade/profiles/{profile}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProfileUpdateQuery {
    /// The revision the edit was based on; a newer stored revision is a 409 (someone else
    /// edited it). Without it the current revision is replaced.
    #[serde(default)]
    pub revision: Option<i64>,
}

/// Query of `DELETE /api/v1/ade/profiles/{profile}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProfileDeleteQuery {
    /// Delete a profile in use: its devices, groups and defaults fall to the next rule.
    #[serde(default)]
    pub force: bool,
}

/// A profile named by id or name (`PUT /ade/defaults/{os}`, `PUT /groups/{group}/profile`,
/// `PUT /devices/{serial}/ade-profile`). `null` clears where clearing is allowed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProfileChoice {
    /// The profile's UUID or name; `null` clears (group profile only).
    #[serde(default)]
    pub profile: Option<String>,
}

/// A brief reference to a profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProfileBrief {
    pub id: Uuid,
    pub name: String,
    pub os: String,
}

/// The default profile of one OS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OsDefaultView {
    pub os: String,
    pub profile: ProfileBrief,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// `GET /api/v1/ade/defaults`: every OS, with its default or `null`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OsDefaultsView {
    pub defaults: Vec<OsDefaultSlot>,
}

/// One OS and its default, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OsDefaultSlot {
    pub os: String,
    #[serde(default)]
    pub default: Option<OsDefaultView>,
}

/// A device group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GroupView {
    pub id: Uuid,
    pub name: String,
    /// `static` (listed serials) or `os` (every device of `os`).
    pub kind: String,
    #[serde(default)]
    pub os: Option<String>,
    /// Higher wins when several groups of a device carry profiles.
    pub priority: i64,
    #[serde(default)]
    pub profile: Option<ProfileBrief>,
    /// Listed serials (static groups; 0 for OS groups).
    pub members: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// `GET /api/v1/groups`, ordered by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GroupList {
    pub groups: Vec<GroupView>,
}

/// Body of `POST /api/v1/groups`. With `os` the group is OS-based, else static.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CreateGroup {
    pub name: String,
    #[serde(default)]
    pub os: Option<String>,
    #[serde(default)]
    pub priority: i64,
    /// The profile's UUID or name.
    #[serde(default)]
    pub profile: Option<String>,
}

/// Body of `PATCH /api/v1/groups/{group}`; absent fields are kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UpdateGroup {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub priority: Option<i64>,
}

/// Body of `POST` and `DELETE /api/v1/groups/{group}/members`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GroupSerials {
    pub serials: Vec<String>,
}

/// A CSV row that was not imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RejectedRow {
    /// 1-based line number in the file.
    pub line: u64,
    pub value: String,
    pub reason: String,
}

/// Answer of adding members (`POST …/members` with JSON, or `POST …/members.csv` with a CSV
/// of serials, one a row, an optional `serial`/`serial_number` header). Bad rows are reported
/// and the good ones added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MembersAddedView {
    /// Serials that were not members before.
    pub added: u64,
    /// Serials that were members already.
    pub already: u64,
    /// Serials ABM has not reported (kept: they apply once the device syncs).
    pub unknown_to_abm: Vec<String>,
    #[serde(default)]
    pub rejected: Vec<RejectedRow>,
}

/// Answer of `DELETE /api/v1/groups/{group}/members`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MembersRemovedView {
    pub removed: u64,
}

/// Query of `GET /api/v1/groups/{group}/members`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MembersQuery {
    /// Serials after this one (keyset paging).
    #[serde(default)]
    pub after: Option<String>,
    /// 1–1000, default 500.
    #[serde(default)]
    pub limit: Option<u32>,
}

/// A page of a static group's serials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GroupMembersView {
    pub serials: Vec<String>,
    /// Pass as `after` for the next page; `null` on the last one.
    #[serde(default)]
    pub next_after: Option<String>,
}

/// A device's explicit ADE profile (`PUT /api/v1/devices/{serial}/ade-profile`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeviceProfileView {
    pub serial: String,
    pub profile: ProfileBrief,
    #[serde(with = "time::serde::rfc3339")]
    pub assigned_at: OffsetDateTime,
    /// False when ABM has not reported the serial (yet): the assignment waits for it.
    pub known_to_abm: bool,
}

/// Why a device has no profile: a stable `code` and a sentence with the fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UnassignedReasonView {
    /// `device_removed`, `unknown_os`, `no_default_for_os` or `profile_for_another_os`.
    pub code: String,
    pub message: String,
}

/// One Unassigned device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UnassignedDeviceView {
    pub serial: String,
    #[serde(default)]
    pub model: Option<String>,
    /// The OS ABM reports, as reported.
    #[serde(default)]
    pub os: Option<String>,
    pub abm_server_id: Uuid,
    pub reason: UnassignedReasonView,
}

/// `GET /api/v1/ade/unassigned`: every active device without a profile, in serial order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UnassignedList {
    pub devices: Vec<UnassignedDeviceView>,
    /// How many devices each reason code holds.
    pub by_reason: Vec<ReasonCount>,
}

/// A reason code and how many devices it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReasonCount {
    pub code: String,
    pub count: u64,
}

/// A group as seen by resolution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GroupBrief {
    pub id: Uuid,
    pub name: String,
    pub priority: i64,
}

/// One step of the resolution chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StepView {
    /// `device`, `group`, `no_group_profile` or `os_default`.
    pub rule: String,
    /// The group, for `group`.
    #[serde(default)]
    pub group: Option<GroupBrief>,
    /// The OS, for `os_default`.
    #[serde(default)]
    pub os: Option<String>,
    /// The profile the rule names (its name is `null` when the profile no longer exists).
    #[serde(default)]
    pub profile_id: Option<Uuid>,
    #[serde(default)]
    pub profile_name: Option<String>,
    /// `chosen`, `not_set`, `profile_not_found`, `profile_for_another_os` or `outranked`.
    pub result: String,
    /// The step in one sentence.
    pub message: String,
}

/// Several groups of the device carry different profiles: the winner and the losers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GroupConflictView {
    pub winner: GroupBrief,
    pub losers: Vec<GroupBrief>,
    pub message: String,
}

/// Apple's record of the device, as of the last sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AppleRecordView {
    pub abm_server_id: Uuid,
    #[serde(default)]
    pub profile_uuid: Option<String>,
    /// The cultivar profile `profile_uuid` is a definition of, if it is one of cultivar's.
    #[serde(default)]
    pub profile: Option<ProfileBrief>,
    /// `empty`, `assigned`, `pushed` or `removed`.
    #[serde(default)]
    pub profile_status: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub profile_assign_time: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub profile_push_time: Option<OffsetDateTime>,
}

/// The last push of a serial to Apple.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PushStateView {
    pub abm_server_id: Uuid,
    /// `SUCCESS`, `NOT_ACCESSIBLE`, `FAILED` or `THROTTLED`.
    pub result: String,
    /// `null` for a removal.
    #[serde(default)]
    pub profile_id: Option<Uuid>,
    #[serde(default)]
    pub apple_profile_uuid: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub last_attempt_at: OffsetDateTime,
    /// When a FAILED or THROTTLED serial is tried again.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub retry_after: Option<OffsetDateTime>,
    /// Pushes since the last success.
    pub attempts: u64,
    #[serde(default)]
    pub last_error: Option<String>,
}

/// One action of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PlanActionView {
    /// `assign`, `remove` or `wait`.
    pub action: String,
    pub serial: String,
    /// `null` for `wait`.
    #[serde(default)]
    pub abm_server_id: Option<Uuid>,
    /// The profile to assign (`assign`).
    #[serde(default)]
    pub profile: Option<ProfileBrief>,
    /// The Apple UUID to assign or remove; `null` when the profile is defined first.
    #[serde(default)]
    pub apple_profile_uuid: Option<String>,
    /// `assign`: the profile is defined (again) on the ABM server before the assign.
    pub define_first: bool,
    /// `wait`: the cooldown end, and `throttled` or `failed`.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub until: Option<OffsetDateTime>,
    #[serde(default)]
    pub wait_reason: Option<String>,
    /// The action in one sentence.
    pub message: String,
}

/// `GET /api/v1/ade/plan`: what the next push would do, without sending anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PlanView {
    pub actions: Vec<PlanActionView>,
    pub assign: u64,
    pub remove: u64,
    pub wait: u64,
}

/// `GET /api/v1/ade/explain/{serial}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ExplanationView {
    pub serial: String,
    /// The device's OS as cultivar reads it; `null` when ABM's answer is unknown.
    #[serde(default)]
    pub device_os: Option<String>,
    pub steps: Vec<StepView>,
    #[serde(default)]
    pub group_conflict: Option<GroupConflictView>,
    /// `assigned` or `unassigned`.
    pub outcome: String,
    /// The profile cultivar intends; `null` when Unassigned.
    #[serde(default)]
    pub intended_profile: Option<ProfileBrief>,
    #[serde(default)]
    pub unassigned_reason: Option<UnassignedReasonView>,
    pub apple: AppleRecordView,
    #[serde(default)]
    pub push: Option<PushStateView>,
    /// What the next push does; `null` when Apple's record matches the intent.
    #[serde(default)]
    pub next_action: Option<PlanActionView>,
    /// The diagnosis in one sentence ("In sync: Apple holds …", "Unassigned: …").
    pub summary: String,
}

/// Answer of `POST /api/v1/ade/apply` (push now, instead of waiting for the automatic run).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApplySummaryView {
    pub defined: u64,
    pub assigned: u64,
    pub removed: u64,
    pub failed: u64,
    pub throttled: u64,
    pub not_accessible: u64,
    pub waiting: u64,
}
