//! The Apple MDM protocol, server side: check-in (Authenticate, TokenUpdate, CheckOut, …),
//! the command channel (reports in, next command out) and what administrators do with it
//! (enqueue, cancel, the per-device activity log, device states).
//!
//! Storage is `cultivar_store::{MdmEnrollmentStore, MdmCommandStore}`; wire types come from
//! `cultivar_mdm_proto`; all certificate and CMS work from `cultivar_crypto`.

mod ade_enroll;
mod admin;
mod checkin;
mod checkin_services;
mod connect;
mod enroll_profile;
mod error;
mod identity;
mod inventory;
mod log;
mod payload;
mod pki;
mod push;
mod push_cert;
mod refusals;
mod scep;
mod states;
#[cfg(test)]
mod tests;

pub use ade_enroll::{
    parse_machine_info, AdeEnrollPolicy, AdeEnrollReply, MachineInfo, ADE_ENROLL_PATH,
    SOFTWARE_UPDATE_REQUIRED,
};
pub use admin::{EnqueueRequest, Enqueued, MAX_TARGETS};
pub use checkin::{bootstrap_token_aad, unlock_token_aad, DEVICE_QUERIES, USER_ENROLLMENT_QUERIES};
pub use enroll_profile::{EnrollLink, ACCESS_RIGHTS_ALL, ENROLL_PATH, MAX_LINK_HOURS, SCEP_PATH};
pub use error::{MdmError, MdmReply};
pub use identity::{forwarded_certificate, DeviceCertificate, DeviceRequest};
pub use inventory::{dictionary_to_json, plist_to_json};
pub use log::{
    command_error, CommandDetail, CommandError, ErrorChainEntry, LogFilter, MAX_LOG_PAGE,
};
pub use payload::payload_from_json;
pub use pki::{DeviceCa, DEFAULT_DEVICE_CERT_DAYS, DEVICE_CA_COMMON_NAME};
pub use push::{push_failure_hint, PushReport, PushResult, TOKEN_REFUSALS};
pub use push_cert::{
    PushCertStatus, PushCertView, PUSH_CERT_EXPIRING_WITHIN, PUSH_CSR_COMMON_NAME,
};
pub use scep::{secret_hash, ScepRefusal, ScepReply, DEFAULT_CHALLENGE_TTL};
pub use states::{
    device_state, DeviceDetail, DeviceListQuery, DevicePage, DeviceState, DeviceSummary,
    MAX_DEVICE_PAGE,
};

use std::sync::Arc;

use cultivar_store::Store;
use time::Duration;

use crate::clock::Clock;
use crate::secrets::Secrets;

/// How long without contact before an enrolled device counts as Offline, by default.
pub const DEFAULT_OFFLINE_AFTER: Duration = Duration::days(7);

/// Settings of the MDM service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MdmSettings {
    /// The server's public base URL (what profiles and devices use), without a trailing `/`.
    pub public_base: String,
    /// No contact for this long → Offline.
    pub offline_after: Duration,
    /// Validity of device identity certificates issued by SCEP, in days.
    pub device_cert_days: u32,
    /// The APNs base URL (Apple's, or a stand-in in tests and `demo`).
    pub apns_url: String,
    /// Extra PEM roots trusted for `apns_url` (a stand-in's certificate).
    pub apns_ca_file: Option<std::path::PathBuf>,
}

impl MdmSettings {
    pub fn new(public_base: &str) -> Self {
        MdmSettings {
            public_base: public_base.trim_end_matches('/').to_owned(),
            offline_after: DEFAULT_OFFLINE_AFTER,
            device_cert_days: DEFAULT_DEVICE_CERT_DAYS,
            apns_url: cultivar_apns::DEFAULT_BASE_URL.to_owned(),
            apns_ca_file: None,
        }
    }
}

/// The MDM service. Cheap to clone.
#[derive(Clone)]
pub struct MdmService {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) secrets: Arc<Secrets>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) settings: Arc<MdmSettings>,
    /// The device CA, loaded (or created) on first use; see `pki`.
    pub(crate) device_ca: Arc<tokio::sync::OnceCell<Arc<pki::DeviceCa>>>,
    /// The APNs client of the push certificate in force; see `push`.
    pub(crate) push_clients: Arc<push::PushClientCache>,
    /// Identity certificates already found to come from the device CA; see `identity`.
    pub(crate) known_certs: Arc<identity::KnownCerts>,
}

impl MdmService {
    pub fn new(
        store: Arc<dyn Store>,
        secrets: Arc<Secrets>,
        clock: Arc<dyn Clock>,
        settings: MdmSettings,
    ) -> Self {
        MdmService {
            store,
            secrets,
            clock,
            settings: Arc::new(settings),
            device_ca: Arc::default(),
            push_clients: Arc::default(),
            known_certs: Arc::default(),
        }
    }

    /// The settings in force.
    pub fn settings(&self) -> &MdmSettings {
        &self.settings
    }
}
