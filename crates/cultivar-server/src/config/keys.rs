//! The configuration keys, their spellings per layer, and how a raw string becomes a value.
//!
//! Every layer (TOML file, environment) goes through the same parser so a value means the same
//! thing wherever it is written, and every error names the key and the rule.

use std::{net::SocketAddr, path::PathBuf};

use super::{Config, LogFormat};

/// One settable configuration key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Setting {
    Listen,
    DataDir,
    DatabaseUrl,
    PublicUrl,
    SecretKey,
    SecretKeyFile,
    LogFormat,
    LogLevel,
    ConsoleSessionHours,
    MdmCertHeader,
    MdmOfflineAfterHours,
    MdmDeviceCertDays,
    ApnsUrl,
    ApnsCaFile,
    MdmMachineInfoAnchors,
    MdmMinOsIos,
    MdmMinOsMacos,
    TlsCert,
    TlsKey,
}

impl Setting {
    pub(crate) const ALL: [Setting; 19] = [
        Setting::Listen,
        Setting::DataDir,
        Setting::DatabaseUrl,
        Setting::PublicUrl,
        Setting::SecretKey,
        Setting::SecretKeyFile,
        Setting::LogFormat,
        Setting::LogLevel,
        Setting::ConsoleSessionHours,
        Setting::MdmCertHeader,
        Setting::MdmOfflineAfterHours,
        Setting::MdmDeviceCertDays,
        Setting::ApnsUrl,
        Setting::ApnsCaFile,
        Setting::MdmMachineInfoAnchors,
        Setting::MdmMinOsIos,
        Setting::MdmMinOsMacos,
        Setting::TlsCert,
        Setting::TlsKey,
    ];

    /// The key as written in the TOML file.
    pub(crate) fn file_name(self) -> &'static str {
        match self {
            Setting::Listen => "listen",
            Setting::DataDir => "data_dir",
            Setting::DatabaseUrl => "database_url",
            Setting::PublicUrl => "public_url",
            Setting::SecretKey => "secret_key",
            Setting::SecretKeyFile => "secret_key_file",
            Setting::LogFormat => "log_format",
            Setting::LogLevel => "log_level",
            Setting::ConsoleSessionHours => "console_session_hours",
            Setting::MdmCertHeader => "mdm_cert_header",
            Setting::MdmOfflineAfterHours => "mdm_offline_after_hours",
            Setting::MdmDeviceCertDays => "mdm_device_cert_days",
            Setting::ApnsUrl => "apns_url",
            Setting::ApnsCaFile => "apns_ca_file",
            Setting::MdmMachineInfoAnchors => "mdm_machine_info_anchors",
            Setting::MdmMinOsIos => "mdm_min_os_ios",
            Setting::MdmMinOsMacos => "mdm_min_os_macos",
            Setting::TlsCert => "tls_cert",
            Setting::TlsKey => "tls_key",
        }
    }

    /// The environment variable that sets the key.
    pub(crate) fn env_name(self) -> &'static str {
        match self {
            Setting::Listen => "CULTIVAR_LISTEN",
            Setting::DataDir => "CULTIVAR_DATA_DIR",
            Setting::DatabaseUrl => "CULTIVAR_DATABASE_URL",
            Setting::PublicUrl => "CULTIVAR_PUBLIC_URL",
            Setting::SecretKey => "CULTIVAR_SECRET_KEY",
            Setting::SecretKeyFile => "CULTIVAR_SECRET_KEY_FILE",
            Setting::LogFormat => "CULTIVAR_LOG_FORMAT",
            Setting::LogLevel => "CULTIVAR_LOG_LEVEL",
            Setting::ConsoleSessionHours => "CULTIVAR_CONSOLE_SESSION_HOURS",
            Setting::MdmCertHeader => "CULTIVAR_MDM_CERT_HEADER",
            Setting::MdmOfflineAfterHours => "CULTIVAR_MDM_OFFLINE_AFTER_HOURS",
            Setting::MdmDeviceCertDays => "CULTIVAR_MDM_DEVICE_CERT_DAYS",
            Setting::ApnsUrl => "CULTIVAR_APNS_URL",
            Setting::ApnsCaFile => "CULTIVAR_APNS_CA_FILE",
            Setting::MdmMachineInfoAnchors => "CULTIVAR_MDM_MACHINE_INFO_ANCHORS",
            Setting::MdmMinOsIos => "CULTIVAR_MDM_MIN_OS_IOS",
            Setting::MdmMinOsMacos => "CULTIVAR_MDM_MIN_OS_MACOS",
            Setting::TlsCert => "CULTIVAR_TLS_CERT",
            Setting::TlsKey => "CULTIVAR_TLS_KEY",
        }
    }

    pub(crate) fn from_file_name(name: &str) -> Option<Setting> {
        Setting::ALL.into_iter().find(|k| k.file_name() == name)
    }

    /// Parses `raw` and stores it in `config`; the error is the broken rule.
    pub(crate) fn apply(self, config: &mut Config, raw: &str) -> Result<(), String> {
        match self {
            Setting::Listen => config.listen = parse_listen(raw)?,
            Setting::DataDir => config.data_dir = parse_path(raw)?,
            Setting::DatabaseUrl => config.database_url = Some(parse_database_url(raw)?),
            Setting::PublicUrl => config.public_url = Some(parse_public_url(raw)?),
            Setting::SecretKey => config.secret_key = Some(parse_secret_key(raw)?),
            Setting::SecretKeyFile => config.secret_key_file = Some(parse_path(raw)?),
            Setting::LogFormat => config.log_format = parse_log_format(raw)?,
            Setting::LogLevel => config.log_level = parse_log_level(raw)?,
            Setting::ConsoleSessionHours => {
                config.console_session_hours = parse_session_hours(raw)?
            }
            Setting::MdmCertHeader => config.mdm_cert_header = Some(parse_header_name(raw)?),
            Setting::MdmOfflineAfterHours => {
                config.mdm_offline_after_hours = parse_offline_after_hours(raw)?
            }
            Setting::MdmDeviceCertDays => {
                config.mdm_device_cert_days = parse_device_cert_days(raw)?
            }
            Setting::ApnsUrl => config.apns_url = parse_apns_url(raw)?,
            Setting::ApnsCaFile => config.apns_ca_file = Some(parse_path(raw)?),
            Setting::MdmMachineInfoAnchors => {
                config.mdm_machine_info_anchors = Some(parse_path(raw)?)
            }
            Setting::MdmMinOsIos => config.mdm_min_os_ios = Some(parse_os_version(raw)?),
            Setting::MdmMinOsMacos => config.mdm_min_os_macos = Some(parse_os_version(raw)?),
            Setting::TlsCert => config.tls_cert = Some(parse_path(raw)?),
            Setting::TlsKey => config.tls_key = Some(parse_path(raw)?),
        }
        Ok(())
    }
}

pub(crate) fn parse_listen(raw: &str) -> Result<SocketAddr, String> {
    raw.trim().parse().map_err(|_| {
        format!("{raw:?} is not a socket address (expected IP:PORT, e.g. 127.0.0.1:8420)")
    })
}

pub(crate) fn parse_path(raw: &str) -> Result<PathBuf, String> {
    if raw.trim().is_empty() {
        return Err("must not be empty".into());
    }
    Ok(PathBuf::from(raw))
}

pub(crate) fn parse_database_url(raw: &str) -> Result<String, String> {
    let ok = ["sqlite:", "postgres://", "postgresql://"]
        .iter()
        .any(|scheme| raw.starts_with(scheme));
    if !ok {
        // Never echo the value: it may carry a password.
        return Err("must start with sqlite:, postgres:// or postgresql://".into());
    }
    Ok(raw.to_owned())
}

pub(crate) fn parse_public_url(raw: &str) -> Result<String, String> {
    let rest = raw
        .strip_prefix("https://")
        .or_else(|| raw.strip_prefix("http://"))
        .ok_or_else(|| format!("{raw:?} must start with http:// or https://"))?;
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() || raw.contains(char::is_whitespace) {
        return Err(format!("{raw:?} must be an absolute URL with a host"));
    }
    Ok(raw.trim_end_matches('/').to_owned())
}

/// APNs needs TLS client authentication, so only `https://` URLs.
pub(crate) fn parse_apns_url(raw: &str) -> Result<String, String> {
    let rest = raw
        .strip_prefix("https://")
        .ok_or_else(|| format!("{raw:?} must start with https:// (APNs needs TLS)"))?;
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() || raw.contains(char::is_whitespace) {
        return Err(format!("{raw:?} must be an absolute URL with a host"));
    }
    Ok(raw.trim_end_matches('/').to_owned())
}

fn parse_secret_key(raw: &str) -> Result<String, String> {
    cultivar_crypto::SecretKey::from_base64(raw.trim())
        .map(|_| raw.trim().to_owned())
        // The crypto error names the rule without quoting the key.
        .map_err(|e| format!("must be base64 of 32 bytes ({e})"))
}

pub(crate) fn parse_log_format(raw: &str) -> Result<LogFormat, String> {
    match raw.trim() {
        "text" => Ok(LogFormat::Text),
        "json" => Ok(LogFormat::Json),
        other => Err(format!(
            "{other:?} is not a log format (expected text or json)"
        )),
    }
}

pub(crate) fn parse_log_level(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("must not be empty (e.g. info, or cultivar_server=debug,info)".into());
    }
    tracing_subscriber::EnvFilter::try_new(raw)
        .map(|_| raw.to_owned())
        .map_err(|e| format!("{raw:?} is not a tracing filter ({e})"))
}

pub(crate) fn parse_session_hours(raw: &str) -> Result<u32, String> {
    let hours: u32 = raw
        .trim()
        .parse()
        .map_err(|_| format!("{raw:?} is not a whole number of hours"))?;
    check_session_hours(hours)
}

pub(crate) fn check_session_hours(hours: u32) -> Result<u32, String> {
    if (1..=720).contains(&hours) {
        Ok(hours)
    } else {
        Err(format!("{hours} is out of range (1 to 720 hours)"))
    }
}

/// A header name as HTTP allows it (token characters), kept lower-case.
pub(crate) fn parse_header_name(raw: &str) -> Result<String, String> {
    let name = raw.trim();
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty() || !name.chars().all(token) {
        return Err(format!(
            "{raw:?} is not an HTTP header name (e.g. X-Client-Cert or Client-Cert)"
        ));
    }
    Ok(name.to_ascii_lowercase())
}

pub(crate) fn parse_offline_after_hours(raw: &str) -> Result<u32, String> {
    let hours: u32 = raw
        .trim()
        .parse()
        .map_err(|_| format!("{raw:?} is not a whole number of hours"))?;
    if (1..=8760).contains(&hours) {
        Ok(hours)
    } else {
        Err(format!("{hours} is out of range (1 to 8760 hours)"))
    }
}

/// Validity of SCEP-issued device certificates: a day to ten years (the device CA's own life).
pub(crate) fn parse_device_cert_days(raw: &str) -> Result<u32, String> {
    let days: u32 = raw
        .trim()
        .parse()
        .map_err(|_| format!("{raw:?} is not a whole number of days"))?;
    if (1..=3650).contains(&days) {
        Ok(days)
    } else {
        Err(format!("{days} is out of range (1 to 3650 days)"))
    }
}

/// A minimum OS version as Apple's `OSVersion` takes it: `17`, `17.2`, `14.4.1`, optionally
/// with a supplemental identifier (`17.1 (a)`).
pub(crate) fn parse_os_version(raw: &str) -> Result<String, String> {
    let v = raw.trim();
    let (numeric, extra) = match v.split_once(' ') {
        Some((n, e)) => (n, Some(e)),
        None => (v, None),
    };
    let parts: Vec<&str> = numeric.split('.').collect();
    let numeric_ok = parts.len() <= 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 4 && p.chars().all(|c| c.is_ascii_digit()));
    let extra_ok = extra.is_none_or(|e| {
        e.len() >= 3
            && e.starts_with('(')
            && e.ends_with(')')
            && e[1..e.len() - 1].chars().all(|c| c.is_ascii_alphanumeric())
    });
    if numeric_ok && extra_ok {
        Ok(v.to_owned())
    } else {
        Err(format!(
            "{raw:?} is not an OS version (expected e.g. 17.2, 14.4.1 or 17.1 (a))"
        ))
    }
}
