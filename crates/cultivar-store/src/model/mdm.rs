//! MDM channels (enrollments), identity-certificate bindings and the command queue.

use std::fmt;
use std::str::FromStr;

use time::OffsetDateTime;

use super::Redacted;
use crate::StoreError;

/// What an `Authenticate` check-in tells about a channel. Storing it (re)creates the channel
/// disabled, until its first `TokenUpdate`.
#[derive(Clone, PartialEq, Eq)]
pub struct MdmAuthenticate {
    /// The channel id: UDID, EnrollmentID, or `"<device id>:<user id>"` for a user channel.
    pub id: String,
    /// The device channel's id (equal to `id` for a device channel).
    pub device_id: String,
    /// How the device enrolled: `ade`, `profile` or `user_enrollment` (cultivar's words).
    pub enrollment_type: String,
    pub serial_number: Option<String>,
    pub topic: String,
    pub os_version: Option<String>,
    pub build_version: Option<String>,
    pub product_name: Option<String>,
    pub model: Option<String>,
    pub device_name: Option<String>,
    /// The check-in plist as received.
    pub raw: Vec<u8>,
    /// SHA-256 (hex) of the identity certificate the request was signed with, and its expiry.
    pub cert_sha256: String,
    pub cert_not_after: Option<OffsetDateTime>,
    pub at: OffsetDateTime,
}

impl fmt::Debug for MdmAuthenticate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MdmAuthenticate")
            .field("id", &self.id)
            .field("serial_number", &self.serial_number)
            .field("topic", &self.topic)
            .field("raw", &Redacted(self.raw.len()))
            .finish_non_exhaustive()
    }
}

/// What a `TokenUpdate` check-in tells. The first one enables the channel.
#[derive(Clone, PartialEq, Eq)]
pub struct MdmTokenUpdate {
    pub id: String,
    pub device_id: String,
    /// Set for user channels (macOS users, Shared iPad users).
    pub user_id: Option<String>,
    pub user_short_name: Option<String>,
    pub user_long_name: Option<String>,
    pub topic: String,
    pub push_magic: String,
    /// The APNs device token as lower-case hex.
    pub push_token: String,
    /// Sealed by the caller; `None` keeps a stored one (Apple sends it once).
    pub unlock_token: Option<Vec<u8>>,
    pub awaiting_configuration: bool,
    pub raw: Vec<u8>,
    pub at: OffsetDateTime,
}

impl fmt::Debug for MdmTokenUpdate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MdmTokenUpdate")
            .field("id", &self.id)
            .field("topic", &self.topic)
            .field("awaiting_configuration", &self.awaiting_configuration)
            .field("raw", &Redacted(self.raw.len()))
            .finish_non_exhaustive()
    }
}

/// A stored MDM channel.
#[derive(Clone, PartialEq, Eq)]
pub struct MdmEnrollment {
    pub id: String,
    pub device_id: String,
    /// `device` or `user`.
    pub channel: String,
    pub enrollment_type: String,
    pub serial_number: Option<String>,
    pub user_id: Option<String>,
    pub user_short_name: Option<String>,
    pub user_long_name: Option<String>,
    pub topic: String,
    pub push_magic: Option<String>,
    pub push_token: Option<String>,
    /// Sealed.
    pub unlock_token: Option<Vec<u8>>,
    /// Sealed.
    pub bootstrap_token: Option<Vec<u8>>,
    /// False from Authenticate until TokenUpdate, and after CheckOut.
    pub enabled: bool,
    /// TokenUpdates since the last Authenticate (1 = the enrollment just completed).
    pub token_update_tally: u64,
    pub awaiting_configuration: bool,
    pub os_version: Option<String>,
    pub build_version: Option<String>,
    pub product_name: Option<String>,
    pub model: Option<String>,
    pub device_name: Option<String>,
    pub authenticate_raw: Option<Vec<u8>>,
    pub token_update_raw: Option<Vec<u8>>,
    pub authenticated_at: Option<OffsetDateTime>,
    pub token_updated_at: Option<OffsetDateTime>,
    pub checked_out_at: Option<OffsetDateTime>,
    pub last_seen_at: Option<OffsetDateTime>,
    /// APNs refused the push token for good and no TokenUpdate came since (see
    /// `MdmPushStore::record_mdm_push`): pushes wait for a new token.
    pub push_token_refused: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl fmt::Debug for MdmEnrollment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MdmEnrollment")
            .field("id", &self.id)
            .field("channel", &self.channel)
            .field("serial_number", &self.serial_number)
            .field("enabled", &self.enabled)
            .field("token_update_tally", &self.token_update_tally)
            .field("last_seen_at", &self.last_seen_at)
            .finish_non_exhaustive()
    }
}

/// Where a queued command stands for one channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommandState {
    /// Waiting to be handed out.
    Queued,
    /// Handed out, no report yet.
    Sent,
    /// The device answered NotNow; it is offered again at the next poll.
    NotNow,
    Acknowledged,
    Error,
    /// The device could not parse it; never retried.
    CommandFormatError,
    /// Cancelled by an administrator, or dropped when the device enrolled again.
    Cancelled,
}

impl CommandState {
    pub const ALL: [CommandState; 7] = [
        CommandState::Queued,
        CommandState::Sent,
        CommandState::NotNow,
        CommandState::Acknowledged,
        CommandState::Error,
        CommandState::CommandFormatError,
        CommandState::Cancelled,
    ];

    /// The stored spelling (`queued`, `not_now`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            CommandState::Queued => "queued",
            CommandState::Sent => "sent",
            CommandState::NotNow => "not_now",
            CommandState::Acknowledged => "acknowledged",
            CommandState::Error => "error",
            CommandState::CommandFormatError => "command_format_error",
            CommandState::Cancelled => "cancelled",
        }
    }

    /// The state a report's `Status` leads to; `None` for `Idle` and unknown statuses.
    pub fn from_status(status: &str) -> Option<Self> {
        match status {
            "Acknowledged" => Some(CommandState::Acknowledged),
            "Error" => Some(CommandState::Error),
            "CommandFormatError" => Some(CommandState::CommandFormatError),
            "NotNow" => Some(CommandState::NotNow),
            _ => None,
        }
    }

    /// True once the command has left the queue.
    pub fn is_final(self) -> bool {
        !matches!(
            self,
            CommandState::Queued | CommandState::Sent | CommandState::NotNow
        )
    }
}

impl fmt::Display for CommandState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CommandState {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CommandState::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| {
                let all: Vec<&str> = CommandState::ALL.iter().map(|c| c.as_str()).collect();
                StoreError::invalid(
                    "state",
                    format!("must be one of {} (got {s:?})", all.join(", ")),
                )
            })
    }
}

/// A command to enqueue: its UUID, `RequestType` and the full command plist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMdmCommand {
    pub command_uuid: String,
    pub request_type: String,
    pub raw: Vec<u8>,
    pub at: OffsetDateTime,
}

/// The outcome of enqueueing one command for many channels (one transaction).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MdmEnqueued {
    /// Channels the command was queued for.
    pub queued: Vec<String>,
    /// Ids that name no known channel (nothing was queued for them).
    pub unknown: Vec<String>,
}

/// Which pending commands a request may be handed. A session opens with the device's Idle
/// poll and lasts for the reports that follow it; a NotNow'd command comes back only in a
/// later session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextCommand {
    /// The device polled Idle (a new session): queued commands, NotNow'd ones, and one handed
    /// out without an answer more than five minutes ago (its response was lost).
    AfterIdle,
    /// After an Acknowledged/Error/CommandFormatError report: queued commands, and NotNow'd
    /// ones put off in an earlier session.
    AfterReport,
    /// After a NotNow report: as after any report (the command just put off waits for the
    /// next session).
    AfterNotNow,
}

/// A command handed to a device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MdmQueuedCommand {
    pub command_uuid: String,
    pub request_type: String,
    pub raw: Vec<u8>,
}

/// One request on a channel's command endpoint (see `MdmCommandStore::mdm_exchange`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MdmExchange {
    pub enrollment_id: String,
    /// The report it carried; `None` for an Idle poll.
    pub report: Option<MdmReport>,
    /// Inventory read from the report: stored only when the report acknowledges a
    /// `DeviceInformation` command.
    pub inventory: Option<crate::MdmInventoryUpdate>,
    pub mode: NextCommand,
    pub at: OffsetDateTime,
    /// When given, nothing is written unless the certificate's latest binding is to this
    /// device channel (see [`MdmExchanged::cert_bound_to`]).
    pub cert: Option<MdmCertCheck>,
}

/// The identity certificate a request came with, and the device channel it must be bound to
/// (a user channel's requests use its device's certificate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MdmCertCheck {
    pub cert_sha256: String,
    pub device_id: String,
}

/// What an exchange did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MdmExchanged {
    /// The channel the exchange's certificate is bound to (its latest binding); `None` when
    /// not bound or not checked. A mismatch means nothing was written.
    pub cert_bound_to: Option<String>,
    /// The request type of the command the report settled; `None` when no waiting command
    /// matched (unknown, cancelled, or an Idle poll).
    pub settled_request_type: Option<String>,
    /// The command handed out now.
    pub next: Option<MdmQueuedCommand>,
}

/// A device's report on a command, as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MdmReport {
    pub enrollment_id: String,
    pub command_uuid: String,
    /// Apple's `Status` (`Acknowledged`, `Error`, `CommandFormatError`, `NotNow`, …).
    pub status: String,
    /// The `ErrorChain` as JSON, when there is one.
    pub error_chain: Option<serde_json::Value>,
    pub raw: Vec<u8>,
    pub at: OffsetDateTime,
}

/// One command of one channel: the activity log's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MdmCommandEntry {
    pub enrollment_id: String,
    pub command_uuid: String,
    pub request_type: String,
    pub state: CommandState,
    /// Queue order (also the keyset for paging).
    pub seq: i64,
    pub queued_at: OffsetDateTime,
    pub sent_at: Option<OffsetDateTime>,
    pub answered_at: Option<OffsetDateTime>,
    pub deliveries: u64,
    pub not_now_count: u64,
    pub last_not_now_at: Option<OffsetDateTime>,
    pub error_chain: Option<serde_json::Value>,
    /// The last report as received.
    pub result_raw: Option<Vec<u8>>,
}

/// Filters of the activity log; every set field must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MdmCommandQuery {
    pub enrollment_id: String,
    /// Any of these states (empty: all).
    pub states: Vec<CommandState>,
    pub request_type: Option<String>,
    /// Queued at or after.
    pub since: Option<OffsetDateTime>,
    /// Queued before.
    pub until: Option<OffsetDateTime>,
    /// Newest first: entries with `seq` below this (keyset paging).
    pub before_seq: Option<i64>,
    pub limit: u32,
}

/// One stored report (the history of a command; NotNows included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MdmReportEntry {
    pub status: String,
    pub raw: Vec<u8>,
    pub received_at: OffsetDateTime,
}

/// A certificate bound to a device channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MdmCertBinding {
    pub enrollment_id: String,
    pub cert_sha256: String,
    pub not_after: Option<OffsetDateTime>,
    pub bound_at: OffsetDateTime,
}
