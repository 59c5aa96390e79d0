//! ADE profiles as administrators write them: Apple's profile JSON plus `"os"`, validated
//! before anything is sent to Apple. Each error names the field and Apple's validation code
//! (or cultivar's own, for rules Apple does not check up front).

use std::fmt;

use cultivar_abm_proto::Profile;
use serde::{Deserialize, Serialize};

use super::{profile_rules, AdeOs};

/// A profile as submitted: Apple's profile JSON (every field, unknown keys kept in
/// `profile.extra`) plus the one key cultivar adds, `"os"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdeProfileInput {
    pub os: AdeOs,
    #[serde(flatten)]
    pub profile: Profile,
}

impl AdeProfileInput {
    /// Parses the JSON document of `cultivar ade profiles create --file`.
    pub fn from_json(text: &str) -> Result<Self, InvalidProfile> {
        serde_json::from_str(text).map_err(|e| {
            InvalidProfile::one(ProfileError::new(
                "profile",
                ProfileCode::MalformedRequestBody,
                format!("not Apple's profile JSON with an \"os\" key: {e}"),
            ))
        })
    }
}

/// Why a profile field is refused: Apple's codes (`dep-server-interpreting-error-codes`)
/// plus cultivar's, for rules Apple only enforces at enrollment or not at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProfileCode {
    MalformedRequestBody,
    ConfigNameRequired,
    ConfigNameInvalid,
    DepartmentInvalid,
    MagicInvalid,
    SupportEmailInvalid,
    SupportPhoneInvalid,
    FlagsInvalid,
    LocaleInvalid,
    /// cultivar: an anchor or supervising-host certificate is not base64 DER.
    CertificateInvalid,
    /// cultivar: `url` / `configuration_web_url` are cultivar's to fill in.
    UrlManagedByCultivar,
    /// cultivar: `devices` — assignment goes through cultivar's rules, not the profile.
    DevicesManagedByCultivar,
    /// cultivar: a flag that only works on another OS (multi-user, auto-advance).
    NotForOs,
}

impl ProfileCode {
    /// Apple's spelling for Apple's codes; cultivar's own in the same style.
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileCode::MalformedRequestBody => "MALFORMED_REQUEST_BODY",
            ProfileCode::ConfigNameRequired => "CONFIG_NAME_REQUIRED",
            ProfileCode::ConfigNameInvalid => "CONFIG_NAME_INVALID",
            ProfileCode::DepartmentInvalid => "DEPARTMENT_INVALID",
            ProfileCode::MagicInvalid => "MAGIC_INVALID",
            ProfileCode::SupportEmailInvalid => "SUPPORT_EMAIL_INVALID",
            ProfileCode::SupportPhoneInvalid => "SUPPORT_PHONE_INVALID",
            ProfileCode::FlagsInvalid => "FLAGS_INVALID",
            ProfileCode::LocaleInvalid => "LOCALE_INVALID",
            ProfileCode::CertificateInvalid => "CERTIFICATE_INVALID",
            ProfileCode::UrlManagedByCultivar => "URL_MANAGED_BY_CULTIVAR",
            ProfileCode::DevicesManagedByCultivar => "DEVICES_MANAGED_BY_CULTIVAR",
            ProfileCode::NotForOs => "NOT_FOR_OS",
        }
    }
}

impl fmt::Display for ProfileCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One refused field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {rule} ({code})")]
pub struct ProfileError {
    /// The JSON key, with an index for list items (`anchor_certs[1]`).
    pub field: String,
    pub code: ProfileCode,
    pub rule: String,
}

impl ProfileError {
    pub(crate) fn new(
        field: impl Into<String>,
        code: ProfileCode,
        rule: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            code,
            rule: rule.into(),
        }
    }
}

/// Every refused field of a profile (all are reported at once, not just the first).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid ADE profile: {}", join(.errors))]
pub struct InvalidProfile {
    pub errors: Vec<ProfileError>,
}

impl InvalidProfile {
    fn one(e: ProfileError) -> Self {
        Self { errors: vec![e] }
    }

    /// The codes of the errors, in order (tests and API responses).
    pub fn codes(&self) -> Vec<ProfileCode> {
        self.errors.iter().map(|e| e.code).collect()
    }
}

fn join(errors: &[ProfileError]) -> String {
    let parts: Vec<String> = errors.iter().map(ToString::to_string).collect();
    parts.join("; ")
}

/// Something kept but worth the administrator's attention (an unknown skip key, a key for
/// another OS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileWarning {
    pub field: String,
    pub message: String,
}

impl fmt::Display for ProfileWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// A profile that passed validation, with the warnings to show alongside it.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidatedProfile {
    pub os: AdeOs,
    pub profile: Profile,
    pub warnings: Vec<ProfileWarning>,
}

impl ValidatedProfile {
    /// The JSON to store (`cultivar_store::AdeProfile::body`): Apple's fields and unknown
    /// keys, without `url`/`configuration_web_url` (cultivar fills them in at definition),
    /// `profile_uuid` (Apple's, per ABM server) and `os` (stored in its own column).
    pub fn body(&self) -> Result<String, serde_json::Error> {
        let mut profile = self.profile.clone();
        profile.url = None;
        profile.configuration_web_url = None;
        profile.profile_uuid = None;
        serde_json::to_string(&profile)
    }
}

/// Checks a profile against Apple's limits and cultivar's rules.
///
/// `url` and `configuration_web_url` are **rejected** (`URL_MANAGED_BY_CULTIVAR`): cultivar
/// sets both to its own enrollment URL when it defines the profile, and silently dropping an
/// administrator's value would hide that. `devices` is rejected likewise. Skip items are
/// checked against Apple's list for the profile's OS: an unknown key is kept with a
/// warning (Apple adds keys every release); a key of another OS is kept with a warning
/// naming the OSes it applies to.
pub fn validate_profile(input: AdeProfileInput) -> Result<ValidatedProfile, InvalidProfile> {
    let errors = profile_rules::check(input.os, &input.profile);
    if !errors.is_empty() {
        return Err(InvalidProfile { errors });
    }
    let warnings = profile_rules::skip_item_warnings(input.os, &input.profile.skip_setup_items);
    Ok(ValidatedProfile {
        os: input.os,
        profile: input.profile,
        warnings,
    })
}
