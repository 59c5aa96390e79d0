//! One trait per storage capability, so consumers can ask for the narrowest one they need.
//!
//! Contracts shared by all of them: lookups return `Ok(None)` for a missing row; inserts that
//! break a uniqueness rule return [`crate::StoreError::Conflict`]; updates of a missing row
//! return [`crate::StoreError::NotFound`]; deletes report whether a row went away.

mod abm_device;
mod abm_server;
mod abm_sync_run;
mod ade_assignment;
mod ade_definition;
mod ade_profile;
mod ade_push;
mod admin_user;
mod api_key;
mod audit;
mod console_session;
mod device_group;
mod mdm;
mod mdm_checkin;
mod mdm_devices;
mod mdm_push;
mod mdm_scep;

pub use abm_device::AbmDeviceStore;
pub use abm_server::AbmServerStore;
pub use abm_sync_run::AbmSyncRunStore;
pub use ade_assignment::AdeAssignmentStore;
pub use ade_definition::AdeProfileDefinitionStore;
pub use ade_profile::AdeProfileStore;
pub use ade_push::AdePushStateStore;
pub use admin_user::AdminUserStore;
pub use api_key::ApiKeyStore;
pub use audit::AuditStore;
pub use console_session::ConsoleSessionStore;
pub use device_group::DeviceGroupStore;
pub use mdm::{MdmCommandStore, MdmEnrollmentStore};
pub use mdm_checkin::{MdmDeviceCaStore, MdmInventoryStore};
pub use mdm_devices::MdmDeviceStore;
pub use mdm_push::MdmPushCertStore;
pub use mdm_scep::MdmScepStore;
