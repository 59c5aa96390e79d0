//! Answers to commands, the way real devices answer: first Apple's schema decides whether the
//! command runs on this device at all (an unknown or unsupported RequestType gets
//! `MCMDMErrorDomain` 12021 "Invalid request type", as devices answer), then injected
//! `NotNow`/`Error`, then the command's responder. Error codes follow Apple's published
//! MDM error-code tables (MobileDeviceManagementProtocolRef "Error Codes").

mod actions;
mod info;
mod settings;
pub mod validate;

use cultivar_mdm_proto::schema::{Availability, KeySchema, Mode};
use cultivar_mdm_proto::{command_allowed_for, Command, CommandResult, ErrorChainItem, Status};
use plist::Dictionary;

use crate::device::SimDevice;

/// `MCMDMErrorDomain`: MDM protocol errors.
pub const MDM_DOMAIN: &str = "MCMDMErrorDomain";
/// "Invalid request type": unknown command, or not supported on this device/enrollment.
pub const INVALID_REQUEST_TYPE: i64 = 12021;

/// Why a responder failed: the `ErrorChain` and an optional `RejectionReason`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Failure {
    pub chain: Vec<ErrorChainItem>,
    pub rejection_reason: Option<String>,
    /// Response keys sent along with the error (InstallApplication's `Identifier`).
    pub keys: Dictionary,
}

impl Failure {
    pub(crate) fn new(domain: &str, code: i64, description: impl Into<String>) -> Self {
        Self {
            chain: vec![error_item(domain, code, description)],
            rejection_reason: None,
            keys: Dictionary::new(),
        }
    }
}

/// One `ErrorChain` entry with the same English text in both description keys (what a device
/// set to English sends).
pub fn error_item(domain: &str, code: i64, description: impl Into<String>) -> ErrorChainItem {
    let text = description.into();
    ErrorChainItem {
        error_code: Some(code),
        error_domain: Some(domain.to_string()),
        localized_description: Some(text.clone()),
        us_english_description: Some(text),
        raw: Dictionary::new(),
    }
}

type Outcome = Result<Dictionary, Failure>;

impl SimDevice {
    /// Runs `command` on the device and builds its report (never `Idle`).
    pub fn respond(&mut self, command: &Command) -> CommandResult {
        let request_type = command.request_type.as_str();
        let uuid = Some(command.command_uuid.clone());
        if let Err(refused) = command_allowed_for(request_type, &self.target()) {
            let failure = Failure::new(
                MDM_DOMAIN,
                INVALID_REQUEST_TYPE,
                format!(
                    "Invalid request type: “{request_type}”. ({})",
                    refused.reason
                ),
            );
            return self.report_failure(uuid, failure);
        }
        if let Some(left) = self.injection.not_now.get_mut(request_type) {
            if *left > 0 {
                *left -= 1;
                return CommandResult::new(self.ids(), Status::NotNow, uuid);
            }
        }
        if self.injection.error.contains(request_type) {
            let failure = Failure::new(
                MDM_DOMAIN,
                12010,
                format!("Internal inconsistency error (injected for {request_type})."),
            );
            return self.report_failure(uuid, failure);
        }
        match self.dispatch(command) {
            Ok(keys) => {
                let mut report = CommandResult::new(self.ids(), Status::Acknowledged, uuid);
                report.raw = keys;
                report
            }
            Err(failure) => self.report_failure(uuid, failure),
        }
    }

    fn report_failure(&self, uuid: Option<String>, failure: Failure) -> CommandResult {
        let mut report = CommandResult::new(self.ids(), Status::Error, uuid);
        report.error_chain = failure.chain;
        report.rejection_reason = failure.rejection_reason;
        report.raw = failure.keys;
        report
    }

    fn dispatch(&mut self, command: &Command) -> Outcome {
        let p = &command.payload;
        match command.request_type.as_str() {
            "DeviceInformation" => Ok(self.device_information(p)),
            "InstalledApplicationList" => Ok(self.installed_application_list(p)),
            "ManagedApplicationList" => Ok(self.managed_application_list(p)),
            "ProfileList" => Ok(self.profile_list()),
            "InstallProfile" => self.install_profile(p),
            "RemoveProfile" => self.remove_profile(p),
            "InstallApplication" => self.install_application(p),
            "RemoveApplication" => self.remove_application(p),
            "DeviceLock" => Ok(self.device_lock(p)),
            "EraseDevice" => Ok(self.erase_device()),
            "DeviceConfigured" => Ok(self.device_configured()),
            "Settings" => Ok(self.apply_settings(p)),
            other => Err(Failure::new(
                MDM_DOMAIN,
                INVALID_REQUEST_TYPE,
                format!("Invalid request type: “{other}”."),
            )),
        }
    }

    /// Does a response key exist on this device? A key's own `supportedOS` overrides the
    /// command's for the platforms it lists.
    pub(crate) fn key_available(&self, key: &KeySchema) -> bool {
        let target = self.target();
        let Some(os) = key
            .supported_os
            .iter()
            .find(|o| o.platform == target.platform)
        else {
            return true;
        };
        if os.introduced == Some(Availability::NotAvailable) {
            return false;
        }
        if self.is_user_enrollment() && os.user_enrollment == Some(Mode::Forbidden) {
            return false;
        }
        if os.supervised == Some(true) && !self.enrollment.is_supervised() {
            return false;
        }
        true
    }
}
