//! The field rules of [`super::validate_profile`], one function per group of fields.

use base64::{engine::general_purpose::STANDARD, Engine as _};
use cultivar_abm_proto::Profile;

use super::{
    iso,
    profile::{ProfileCode as Code, ProfileError, ProfileWarning},
    skipkeys::skip_key,
    AdeOs,
};

/// Every error of the profile, in field order.
pub(super) fn check(os: AdeOs, p: &Profile) -> Vec<ProfileError> {
    let mut errors = Vec::new();
    check_texts(p, &mut errors);
    check_flags(os, p, &mut errors);
    check_locale(p, &mut errors);
    check_certs("anchor_certs", &p.anchor_certs, &mut errors);
    check_certs(
        "supervising_host_certs",
        &p.supervising_host_certs,
        &mut errors,
    );
    check_managed(p, &mut errors);
    errors
}

fn too_long(value: &str, max: usize) -> bool {
    value.chars().count() > max
}

fn check_texts(p: &Profile, errors: &mut Vec<ProfileError>) {
    if p.profile_name.trim().is_empty() {
        errors.push(ProfileError::new(
            "profile_name",
            Code::ConfigNameRequired,
            "required",
        ));
    } else if too_long(&p.profile_name, 125) {
        errors.push(ProfileError::new(
            "profile_name",
            Code::ConfigNameInvalid,
            "at most 125 characters",
        ));
    }
    let limits = [
        ("department", &p.department, 125, Code::DepartmentInvalid),
        (
            "support_phone_number",
            &p.support_phone_number,
            50,
            Code::SupportPhoneInvalid,
        ),
        (
            "support_email_address",
            &p.support_email_address,
            250,
            Code::SupportEmailInvalid,
        ),
    ];
    for (field, value, max, code) in limits {
        if value.as_deref().is_some_and(|v| too_long(v, max)) {
            errors.push(ProfileError::new(
                field,
                code,
                format!("at most {max} characters"),
            ));
        }
    }
    if too_long(&p.org_magic, 256) {
        errors.push(ProfileError::new(
            "org_magic",
            Code::MagicInvalid,
            "at most 256 characters",
        ));
    }
    if let Some(email) = p.support_email_address.as_deref() {
        if !too_long(email, 250) && !email_shaped(email) {
            errors.push(ProfileError::new(
                "support_email_address",
                Code::SupportEmailInvalid,
                format!("not an email address (expected name@domain.tld, got {email:?})"),
            ));
        }
    }
}

/// `local@domain.tld` without spaces: Apple's check is stricter only in ways we cannot know.
fn email_shaped(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    let labels: Vec<&str> = domain.split('.').collect();
    !local.is_empty()
        && !email.chars().any(char::is_whitespace)
        && !domain.contains('@')
        && labels.len() >= 2
        && labels.iter().all(|l| !l.is_empty())
}

fn check_flags(os: AdeOs, p: &Profile, errors: &mut Vec<ProfileError>) {
    if !p.is_mdm_removable && p.is_supervised != Some(true) {
        errors.push(ProfileError::new(
            "is_mdm_removable",
            Code::FlagsInvalid,
            "false requires is_supervised = true",
        ));
    }
    if p.is_multi_user == Some(true) && os != AdeOs::IpadOs {
        errors.push(ProfileError::new(
            "is_multi_user",
            Code::NotForOs,
            format!("Shared iPad is iPadOS only (this profile is for {os})"),
        ));
    }
    if p.auto_advance_setup == Some(true) && !matches!(os, AdeOs::TvOs | AdeOs::MacOs) {
        errors.push(ProfileError::new(
            "auto_advance_setup",
            Code::NotForOs,
            format!("auto-advance is tvOS and macOS only (this profile is for {os})"),
        ));
    }
}

/// Apple's locale rule: `language` is ISO 639 (`en`), `region` ISO 3166-1 alpha-2 (`US`).
fn check_locale(p: &Profile, errors: &mut Vec<ProfileError>) {
    if let Some(lang) = p.language.as_deref() {
        if !iso::is_language(lang) {
            errors.push(ProfileError::new(
                "language",
                Code::LocaleInvalid,
                format!("must be an ISO 639 language code such as \"en\" (got {lang:?})"),
            ));
        }
    }
    if let Some(region) = p.region.as_deref() {
        if !iso::is_region(region) {
            errors.push(ProfileError::new(
                "region",
                Code::LocaleInvalid,
                format!("must be an ISO 3166-1 alpha-2 code such as \"US\" (got {region:?})"),
            ));
        }
    }
}

fn check_certs(field: &str, certs: &[String], errors: &mut Vec<ProfileError>) {
    for (i, cert) in certs.iter().enumerate() {
        let compact: String = cert.chars().filter(|c| !c.is_whitespace()).collect();
        let rule = match STANDARD.decode(compact.as_bytes()) {
            Err(e) => format!("not base64 ({e})"),
            Ok(der) => match cultivar_crypto::certificate_info(&der) {
                Ok(_) => continue,
                Err(e) => format!("not a DER certificate ({e})"),
            },
        };
        errors.push(ProfileError::new(
            format!("{field}[{i}]"),
            Code::CertificateInvalid,
            rule,
        ));
    }
}

fn check_managed(p: &Profile, errors: &mut Vec<ProfileError>) {
    let urls = [
        ("url", &p.url),
        ("configuration_web_url", &p.configuration_web_url),
    ];
    for (field, value) in urls {
        if value.is_some() {
            errors.push(ProfileError::new(
                field,
                Code::UrlManagedByCultivar,
                "cultivar sets this to its own enrollment URL; remove the key",
            ));
        }
    }
    if !p.devices.is_empty() {
        errors.push(ProfileError::new(
            "devices",
            Code::DevicesManagedByCultivar,
            "assign devices with device, group or OS-default profiles; remove the key",
        ));
    }
}

/// Warnings for skip keys Apple does not list, or lists for other OSes only.
pub(super) fn skip_item_warnings(os: AdeOs, items: &[String]) -> Vec<ProfileWarning> {
    let mut warnings = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let field = format!("skip_setup_items[{i}]");
        let message = match skip_key(item) {
            None => format!(
                "{item:?} is not in Apple's skip key list (skipkeys.yaml); kept as is, in \
                 case it is newer than the list"
            ),
            Some(key) if key.platform(os).is_some() => continue,
            Some(key) => {
                let oses: Vec<&str> = key.oses().iter().map(|o| o.as_str()).collect();
                let applies = if oses.is_empty() {
                    "no OS".to_owned()
                } else {
                    oses.join(", ")
                };
                format!(
                    "{item:?} applies to {applies}, not {os}; kept, but Setup Assistant ignores it"
                )
            }
        };
        warnings.push(ProfileWarning { field, message });
    }
    warnings
}
