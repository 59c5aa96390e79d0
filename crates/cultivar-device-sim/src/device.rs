//! A simulated device's state: who it is, how it is enrolled, and what is installed on it.
//! No I/O: the responders change this state, the client sends what it builds.

use std::collections::{BTreeMap, HashMap, HashSet};

use cultivar_mdm_proto::schema::{Channel, Target};
use cultivar_mdm_proto::{EnrollmentIds, EnrollmentKind};

use crate::model::{derived_bytes, serial_number, udid, Family, ModelInfo};
use crate::profile::Profile;

/// An app on the device.
#[derive(Debug, Clone, PartialEq)]
pub struct App {
    /// Bundle identifier.
    pub identifier: String,
    pub name: String,
    /// `ShortVersion` (marketing version).
    pub short_version: String,
    /// `Version` (build).
    pub version: String,
    pub bundle_size: i64,
    /// Installed by MDM (`InstallApplication`): listed by `ManagedApplicationList`.
    pub managed: bool,
}

/// Scripted answers: `NotNow` for the first N commands of a request type, `Error` always.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Injection {
    /// Remaining `NotNow` answers per RequestType.
    pub not_now: HashMap<String, u32>,
    /// RequestTypes always answered with `Status Error`.
    pub error: HashSet<String>,
}

/// One simulated device.
#[derive(Debug, Clone)]
pub struct SimDevice {
    pub model: &'static ModelInfo,
    /// `SerialNumber`.
    pub serial_number: String,
    /// `UDID`.
    pub udid: String,
    /// `EnrollmentID` when enrolled by User Enrollment (then `UDID` is never sent).
    pub enrollment_id: Option<String>,
    /// `DeviceName` (changed by `Settings` `DeviceName`).
    pub device_name: String,
    /// `HostName` (macOS, changed by `Settings` `HostName`).
    pub host_name: Option<String>,
    pub os_version: String,
    pub build_version: String,
    pub enrollment: EnrollmentKind,
    /// APNs token the device reports in `TokenUpdate` (derived; the APNs stand-in's feed
    /// names it, so a [`crate::PushListener`] knows whom a push wakes).
    pub push_token: Vec<u8>,
    /// `PushMagic` the device expects in pushes.
    pub push_magic: String,
    /// `UnlockToken` (iOS device channel only).
    pub unlock_token: Option<Vec<u8>>,
    /// Waiting in Setup Assistant for `DeviceConfigured` (ADE with await-configured).
    pub awaiting_configuration: bool,
    /// Installed configuration profiles by `PayloadIdentifier`.
    pub profiles: BTreeMap<String, Profile>,
    /// Apps by bundle identifier.
    pub apps: BTreeMap<String, App>,
    /// `Settings` values applied (item name → last dictionary sent), for tests to inspect.
    pub settings: BTreeMap<String, plist::Dictionary>,
    /// The last `DeviceLock` message (a lock screen is showing).
    pub lock_message: Option<String>,
    pub bluetooth_enabled: bool,
    pub time_zone: String,
    /// Enrolled in MDM; false after `EraseDevice` or removal of the MDM profile.
    pub enrolled: bool,
    /// `EraseDevice` ran: the device is wiped and would start Setup Assistant again.
    pub erased: bool,
    pub injection: Injection,
}

impl SimDevice {
    /// The `index`-th device of `family` for `seed`: same inputs, same device.
    pub fn new(family: Family, seed: &str, index: u64, enrollment: EnrollmentKind) -> Self {
        let model = ModelInfo::pick(family, index);
        let serial = serial_number(seed, index);
        let magic = derived_bytes(seed, index, "push-magic");
        let push_magic = uuid::Builder::from_random_bytes(first16(&magic))
            .into_uuid()
            .to_string()
            .to_uppercase();
        let unlock = (family.platform() == cultivar_mdm_proto::Platform::IOs
            && enrollment != EnrollmentKind::UserEnrollment)
            .then(|| derived_bytes(seed, index, "unlock-token").to_vec());
        let enrollment_id = (enrollment == EnrollmentKind::UserEnrollment).then(|| {
            let bytes = derived_bytes(seed, index, "enrollment-id");
            uuid::Builder::from_random_bytes(first16(&bytes))
                .into_uuid()
                .to_string()
                .to_uppercase()
        });
        Self {
            model,
            udid: udid(model, seed, index),
            device_name: format!("{} {}", model.model_name, &serial[8..]),
            host_name: (family == Family::Mac).then(|| format!("mac-{}", serial.to_lowercase())),
            serial_number: serial,
            enrollment_id,
            os_version: model.os_version.to_string(),
            build_version: model.build_version.to_string(),
            enrollment,
            push_token: derived_bytes(seed, index, "push-token").to_vec(),
            push_magic,
            unlock_token: unlock,
            awaiting_configuration: false,
            profiles: BTreeMap::new(),
            apps: BTreeMap::new(),
            settings: BTreeMap::new(),
            lock_message: None,
            bluetooth_enabled: true,
            time_zone: "America/Los_Angeles".to_string(),
            enrolled: true,
            erased: false,
            injection: Injection::default(),
        }
    }

    /// `count` devices for `seed`, spread over iPhone, iPad, Mac and Apple TV in turn; device
    /// `i` is always the same device.
    pub fn fleet(seed: &str, count: u64, enrollment: EnrollmentKind) -> Vec<Self> {
        (0..count)
            .map(|i| {
                let family = Family::ALL[usize::try_from(i % 4).unwrap_or(0)];
                Self::new(family, seed, i, enrollment)
            })
            .collect()
    }

    pub fn family(&self) -> Family {
        self.model.family
    }

    /// True for User Enrollment, where `UDID`, serial and hardware identifiers stay private.
    pub fn is_user_enrollment(&self) -> bool {
        self.enrollment == EnrollmentKind::UserEnrollment
    }

    /// The identifier keys the device puts in every message of its device channel.
    pub fn ids(&self) -> EnrollmentIds {
        match &self.enrollment_id {
            Some(id) => EnrollmentIds::user_enrollment(id.clone()),
            None => EnrollmentIds::device(self.udid.clone()),
        }
    }

    /// What Apple's schema needs to decide whether a command runs on this device.
    pub fn target(&self) -> Target {
        Target {
            platform: self.family().platform(),
            os_version: self.model.os(),
            enrollment: self.enrollment,
            channel: Channel::Device,
            shared_ipad: false,
        }
    }

    /// Answer `NotNow` to the next `polls` commands of `request_type`.
    pub fn inject_not_now(&mut self, request_type: &str, polls: u32) {
        self.injection
            .not_now
            .insert(request_type.to_string(), polls);
    }

    /// Answer every command of `request_type` with `Status Error`.
    pub fn inject_error(&mut self, request_type: &str) {
        self.injection.error.insert(request_type.to_string());
    }

    /// Wipes the device as `EraseDevice` does: nothing installed, not enrolled.
    pub(crate) fn wipe(&mut self) {
        self.profiles.clear();
        self.apps.clear();
        self.settings.clear();
        self.lock_message = None;
        self.enrolled = false;
        self.erased = true;
        // An ADE device would wait in Setup Assistant again after re-enrolling.
        self.awaiting_configuration = false;
    }
}

fn first16(bytes: &[u8; 32]) -> [u8; 16] {
    let mut out = [0u8; 16];
    out.copy_from_slice(&bytes[..16]);
    out
}
