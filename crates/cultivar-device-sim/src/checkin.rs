//! Check-in messages as a device sends them, built with cultivar-mdm-proto's typed views, and
//! the device identity that signs every request (`Mdm-Signature`) or, behind a TLS-terminating
//! proxy, is forwarded in a header.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use cultivar_crypto::SignatureDigest;
use cultivar_mdm_proto::checkin::{
    Authenticate, CheckOut, GetBootstrapToken, SetBootstrapToken, TokenUpdate,
};
use cultivar_mdm_proto::{CheckinMessage, EnrollmentKind, Platform};

use crate::device::SimDevice;
use crate::error::SimError;

/// The device's identity certificate and key (from SCEP, or given by the caller).
#[derive(Clone)]
pub struct Identity {
    /// Private key, PEM or DER.
    pub key_pem: Vec<u8>,
    /// Certificate, PEM or DER.
    pub cert_pem: Vec<u8>,
}

impl std::fmt::Debug for Identity {
    // Never print the private key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity").finish_non_exhaustive()
    }
}

impl Identity {
    /// The `Mdm-Signature` header value for `body`: base64 of a detached CMS SignedData over
    /// the exact bytes, SHA-256, embedding the certificate (what `verify_mdm_signature` reads).
    pub fn sign(&self, body: &[u8]) -> Result<String, SimError> {
        cultivar_crypto::sign_detached(body, &self.key_pem, &self.cert_pem, SignatureDigest::Sha256)
            .map_err(SimError::crypto("Mdm-Signature"))
    }

    /// The certificate as an RFC 9440 `Client-Cert` value (`:base64-DER:`): what a proxy that
    /// terminated the device's TLS connection forwards to cultivar.
    pub fn client_cert_header(&self) -> Result<String, SimError> {
        let der = cultivar_crypto::certificate_to_der("identity certificate", &self.cert_pem)
            .map_err(SimError::crypto("client certificate"))?;
        Ok(format!(":{}:", STANDARD.encode(der)))
    }
}

impl SimDevice {
    /// `Authenticate`. Model, ModelName and DeviceName are macOS-only keys; User Enrollment
    /// sends no serial number.
    pub fn authenticate(&self, topic: &str) -> CheckinMessage {
        let mac = self.family().platform() == Platform::MacOs;
        let ue = self.is_user_enrollment();
        CheckinMessage::Authenticate(Authenticate {
            ids: self.ids(),
            topic: topic.to_string(),
            serial_number: (!ue).then(|| self.serial_number.clone()),
            model: mac.then(|| self.model.model.to_string()),
            model_name: mac.then(|| self.model.model_name.to_string()),
            device_name: mac.then(|| self.device_name.clone()),
            product_name: Some(self.model.product_name.to_string()),
            os_version: Some(self.os_version.clone()),
            build_version: Some(self.build_version.clone()),
            ..Authenticate::default()
        })
    }

    /// `TokenUpdate`: push token and magic, the iOS unlock token, and `AwaitingConfiguration`
    /// for an ADE device still in Setup Assistant.
    pub fn token_update(&self, topic: &str) -> CheckinMessage {
        let ade = self.enrollment == EnrollmentKind::Ade;
        CheckinMessage::TokenUpdate(TokenUpdate {
            ids: self.ids(),
            topic: topic.to_string(),
            token: self.push_token.clone(),
            push_magic: self.push_magic.clone(),
            unlock_token: self.unlock_token.clone(),
            awaiting_configuration: ade.then_some(self.awaiting_configuration),
            ..TokenUpdate::default()
        })
    }

    /// `CheckOut` (sent when the MDM profile is removed, if `CheckOutWhenRemoved`).
    pub fn check_out(&self, topic: &str) -> CheckinMessage {
        CheckinMessage::CheckOut(CheckOut {
            ids: self.ids(),
            topic: topic.to_string(),
            ..CheckOut::default()
        })
    }

    /// `SetBootstrapToken`; `None` asks the server to delete the escrowed token.
    pub fn set_bootstrap_token(&self, token: Option<Vec<u8>>) -> CheckinMessage {
        CheckinMessage::SetBootstrapToken(SetBootstrapToken {
            ids: self.ids(),
            bootstrap_token: token,
            awaiting_configuration: Some(self.awaiting_configuration),
            ..SetBootstrapToken::default()
        })
    }

    /// `GetBootstrapToken`.
    pub fn get_bootstrap_token(&self) -> CheckinMessage {
        CheckinMessage::GetBootstrapToken(GetBootstrapToken {
            ids: self.ids(),
            awaiting_configuration: Some(self.awaiting_configuration),
            ..GetBootstrapToken::default()
        })
    }
}
