//! Record types: what the traits take (`New*`, inputs) and return (stored rows).
//!
//! Timestamps are kept with microsecond precision (PostgreSQL's) and returned in UTC.

mod abm_device;
mod abm_server;
mod abm_sync;
mod ade_assignment;
mod ade_profile;
mod ade_push;
mod admin_user;
mod api_key;
mod audit;
mod console_session;
mod device_group;
mod mdm;
mod mdm_checkin;
mod mdm_push;
mod mdm_scep;

pub use abm_device::{AbmDevice, AbmDeviceData, AbmDeviceQuery, DeviceChange};
pub use abm_server::{AbmAccount, AbmServer, NewAbmServer, TokenInstall};
pub use abm_sync::{
    NewSyncRun, PageCommit, PageCounts, SyncPhase, SyncRun, SyncRunEnd, SyncState, SYNC_OUTCOMES,
    SYNC_TRIGGERS,
};
pub use ade_assignment::{AdeDeviceRow, AdeOsDefault, DeviceProfileAssignment};
pub(crate) use ade_profile::check_os;
pub use ade_profile::{
    AdeDefinedUuid, AdeProfile, AdeProfileDefinition, AdeProfileUsage, NewAdeProfile, ADE_OSES,
};
pub use ade_push::{AdePushRecord, AdePushState, PushResult};
pub use admin_user::{AdminUser, NewAdminUser};
pub use api_key::{ApiKey, NewApiKey, Role};
pub use audit::{AuditEntry, NewAuditEntry};
pub use console_session::ConsoleSession;
pub use device_group::{
    DeviceGroup, DeviceGroupUpdate, GroupKind, GroupMembership, MembersAdded, NewDeviceGroup,
};
pub use mdm::{
    CommandState, MdmAuthenticate, MdmCertBinding, MdmCertCheck, MdmCommandEntry, MdmCommandQuery,
    MdmEnqueued, MdmEnrollment, MdmExchange, MdmExchanged, MdmQueuedCommand, MdmReport,
    MdmReportEntry, MdmTokenUpdate, NewMdmCommand, NextCommand,
};
pub use mdm_checkin::{MdmDeviceCa, MdmInventory, MdmInventoryUpdate};
pub use mdm_push::{
    MdmPushActive, MdmPushCert, MdmPushError, MdmPushFailure, MdmPushPending, MdmPushState,
};
pub use mdm_scep::{ChallengePurpose, MdmChallenge, MdmIssuedCert};

use std::fmt;

/// Debug stand-in for secret bytes: shows only their length.
pub(crate) struct Redacted(pub usize);

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} bytes>", self.0)
    }
}
