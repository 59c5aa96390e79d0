//! Apple MDM protocol types, shared by the MDM server, the device simulator and tests. No I/O.
//!
//! # Layout
//! - [`checkin`]: check-in messages (`Authenticate`, `TokenUpdate`, …) decoded by `MessageType`
//!   into typed views that keep the raw dictionary; unknown types are kept whole.
//! - [`identity`]: which enrollment a message belongs to (device or user channel, User
//!   Enrollment), with NanoMDM-compatible enrollment IDs.
//! - [`command`] and [`builders`]: the command envelope `{CommandUUID, Command: {RequestType, …}}`
//!   and constructors for the commands cultivar sends.
//! - [`result`]: device reports (`Idle`, `Acknowledged`, `Error`, `CommandFormatError`, `NotNow`,
//!   `ErrorChain`); a report that fails to decode keeps its bytes.
//! - [`schema`]: Apple's command schemas as static data, generated at build time from the
//!   vendored `apple/device-management` YAML (why: no YAML parser at run time, and a schema field
//!   the generator does not know fails the build); payload validation and "is this command
//!   allowed for this platform / enrollment" checks.
//!
//! The envelope and report formats are hand-written because Apple's YAML does not describe them.
#![forbid(unsafe_code)]

pub mod builders;
pub mod checkin;
pub mod command;
pub mod error;
mod fields;
pub mod identity;
pub mod result;
pub mod schema;

pub use builders::{DeviceLockOptions, EraseDeviceOptions, ObliterationBehavior};
pub use checkin::CheckinMessage;
pub use command::Command;
pub use error::{ProtoError, ReportParseError};
pub use fields::type_name;
pub use identity::{EnrollmentIdentity, EnrollmentIds, EnrollmentType, IdentityError};
pub use result::{CommandResult, ErrorChainItem, Status};
pub use schema::{
    command_allowed, command_allowed_for, validate_command, EnrollmentKind, NotAllowed, Platform,
    SchemaIssue, Target,
};

/// `Content-Type` of check-in requests (sent to the check-in URL).
pub const CHECKIN_CONTENT_TYPE: &str = "application/x-apple-aspen-mdm-checkin";
/// `Content-Type` of command reports (sent to the server URL).
pub const COMMAND_CONTENT_TYPE: &str = "application/x-apple-aspen-mdm";
