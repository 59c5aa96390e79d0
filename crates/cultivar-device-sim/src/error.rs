//! Errors of the simulator: each names the field or step and the rule that failed.

use cultivar_crypto::CryptoError;
use cultivar_mdm_proto::ProtoError;

/// Why a simulated device could not do something.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A caller-supplied value breaks a rule.
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    /// A configuration profile cannot be read.
    #[error("profile: {reason}")]
    Profile { reason: String },
    /// Building or reading a protocol message failed.
    #[error("{context}: {source}")]
    Proto {
        context: &'static str,
        #[source]
        source: ProtoError,
    },
    /// Signing, key generation or SCEP message handling failed.
    #[error("{context}: {source}")]
    Crypto {
        context: &'static str,
        #[source]
        source: CryptoError,
    },
    /// The request did not reach the server or its answer could not be read.
    #[error("{step}: HTTP request to {url} failed: {source}")]
    Http {
        step: &'static str,
        url: String,
        #[source]
        source: reqwest::Error,
    },
    /// The server answered with a status the protocol does not expect here.
    #[error("{step}: {url} answered HTTP {status}: {body}")]
    Status {
        step: &'static str,
        url: String,
        status: u16,
        body: String,
    },
    /// The server's answer is not what the protocol says it must be.
    #[error("{step}: unexpected answer: {reason}")]
    Protocol { step: &'static str, reason: String },
    /// Apple's activation service has no ADE profile for the device (`code` says why:
    /// `DEVICE_NOT_FOUND`, `DEVICE_NOT_ASSIGNED` or `PROFILE_NOT_ASSIGNED`).
    #[error("activation refused for {serial} ({code}): {reason}")]
    ActivationRefused {
        serial: String,
        code: String,
        reason: String,
    },
    /// The MDM server answered Apple's 403 `com.apple.softwareupdate.required`: the device must
    /// update to `os_version` (or `build_version`) before it may enroll.
    #[error("enrollment needs a software update first: OSVersion {os_version}{}{}",
        build_version.as_deref().map(|b| format!(" (BuildVersion {b})")).unwrap_or_default(),
        message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
    SoftwareUpdateRequired {
        os_version: String,
        build_version: Option<String>,
        message: Option<String>,
    },
    /// The device was erased or unenrolled and cannot talk to the server any more.
    #[error("device {udid} is not enrolled (erased or MDM profile removed); enroll it again")]
    NotEnrolled { udid: String },
}

impl SimError {
    pub(crate) fn crypto(context: &'static str) -> impl FnOnce(CryptoError) -> Self {
        move |source| Self::Crypto { context, source }
    }

    pub(crate) fn proto(context: &'static str) -> impl FnOnce(ProtoError) -> Self {
        move |source| Self::Proto { context, source }
    }

    pub(crate) fn http(step: &'static str, url: &str) -> impl FnOnce(reqwest::Error) -> Self {
        let url = url.to_string();
        move |source| Self::Http { step, url, source }
    }
}
