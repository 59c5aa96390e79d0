//! Server configuration: defaults < TOML file (`--config FILE`) < environment (`CULTIVAR_*`) <
//! command-line flags.
//!
//! Loading is pure: the environment comes in as a map and nothing is created on disk, so tests can
//! build any number of configurations in one process. Creating the data directory and the secret
//! key happens later, when the server starts.

#[cfg(test)]
mod ade_tests;
mod default_toml;
mod keys;
mod redact;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tls_tests;

use std::{collections::HashMap, net::SocketAddr, path::Path, path::PathBuf};

use keys::Setting;
pub use redact::redact_database_url;

/// How log lines are written (to stderr).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// The resolved configuration of `cultivar serve`.
#[derive(Clone, PartialEq, Eq)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// `None` means SQLite at `DATA_DIR/cultivar.sqlite3`; see [`Config::database_url`].
    pub database_url: Option<String>,
    /// The URL devices and browsers use to reach this server; `https://` turns on `Secure` cookies.
    pub public_url: Option<String>,
    /// Base64 of the 32-byte key that encrypts secrets at rest.
    pub secret_key: Option<String>,
    pub secret_key_file: Option<PathBuf>,
    pub log_format: LogFormat,
    /// A `tracing` filter, e.g. `info` or `cultivar_server=debug,info`.
    pub log_level: String,
    pub console_session_hours: u32,
    /// The request header a TLS-terminating proxy puts the device's client certificate in
    /// (RFC 9440 `:base64-DER:` or nginx `$ssl_client_escaped_cert`). `None`: only
    /// `Mdm-Signature` identifies devices (a header is trusted only when named here).
    pub mdm_cert_header: Option<String>,
    /// An enrolled device with no contact for this many hours counts as Offline.
    pub mdm_offline_after_hours: u32,
    /// Validity of device identity certificates the built-in SCEP CA issues, in days.
    pub mdm_device_cert_days: u32,
    /// Where MDM pushes go: Apple's production APNs, or a stand-in (tests, `demo`).
    pub apns_url: String,
    /// Extra PEM root(s) trusted for `apns_url` (a stand-in's self-signed certificate).
    pub apns_ca_file: Option<PathBuf>,
    /// PEM file of the roots a device's signed MachineInfo must chain to at the ADE enrollment
    /// URL: Apple's root in production, the simulator's device CA in tests and `demo`. Unset:
    /// ADE enrollment is refused (nothing is trusted).
    pub mdm_machine_info_anchors: Option<PathBuf>,
    /// Minimum iOS/iPadOS version at ADE enrollment; older devices that can update are told to
    /// (Apple's `com.apple.softwareupdate.required`).
    pub mdm_min_os_ios: Option<String>,
    /// Minimum macOS version at ADE enrollment.
    pub mdm_min_os_macos: Option<String>,
    /// PEM certificate chain for serving HTTPS directly; set together with `tls_key` or not at
    /// all (unset: plain HTTP, e.g. behind a TLS-terminating proxy).
    pub tls_cert: Option<PathBuf>,
    /// PEM private key matching `tls_cert`.
    pub tls_key: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8420)),
            data_dir: PathBuf::from("./cultivar-data"),
            database_url: None,
            public_url: None,
            secret_key: None,
            secret_key_file: None,
            log_format: LogFormat::Text,
            log_level: "info".to_owned(),
            console_session_hours: 12,
            mdm_cert_header: None,
            mdm_offline_after_hours: 168,
            mdm_device_cert_days: 365,
            apns_url: "https://api.push.apple.com".to_owned(),
            apns_ca_file: None,
            mdm_machine_info_anchors: None,
            mdm_min_os_ios: None,
            mdm_min_os_macos: None,
            tls_cert: None,
            tls_key: None,
        }
    }
}

/// Values given as command-line flags; `None` leaves the lower layers' value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigOverrides {
    pub listen: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub public_url: Option<String>,
    pub secret_key_file: Option<PathBuf>,
    pub log_format: Option<LogFormat>,
    pub log_level: Option<String>,
    pub console_session_hours: Option<u32>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
}

/// Why the configuration could not be loaded. Messages name the key and the rule.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {path}: cannot be read ({source})")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("config file {path}: not valid TOML ({message})")]
    Syntax { path: PathBuf, message: String },
    #[error("{key} (in {source_name}): unknown setting (expected one of: {expected})")]
    UnknownKey {
        key: String,
        source_name: String,
        expected: String,
    },
    #[error("{key} (in {source_name}): {rule}")]
    Invalid {
        key: String,
        source_name: String,
        rule: String,
    },
}

impl Config {
    /// Loads the layers: defaults, then `file` (if given), then `env`, then `overrides`.
    /// Reads the file; creates nothing.
    pub fn load(
        file: Option<&Path>,
        env: &HashMap<String, String>,
        overrides: &ConfigOverrides,
    ) -> Result<Config, ConfigError> {
        let text = match file {
            Some(path) => Some((
                path,
                std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_owned(),
                    source,
                })?,
            )),
            None => None,
        };
        let file_layer = text.as_ref().map(|(path, text)| (*path, text.as_str()));
        Config::from_layers(file_layer, env, overrides)
    }

    /// Like [`Config::load`] with the file's contents already read (`(path, contents)`).
    pub fn from_layers(
        file: Option<(&Path, &str)>,
        env: &HashMap<String, String>,
        overrides: &ConfigOverrides,
    ) -> Result<Config, ConfigError> {
        let mut config = Config::default();
        if let Some((path, text)) = file {
            config.apply_file(path, text)?;
        }
        config.apply_env(env)?;
        config.apply_overrides(overrides)?;
        config.check_tls_pair()?;
        Ok(config)
    }

    /// The database to open: the configured URL, else SQLite inside the data directory.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => cultivar_store::sqlite_url_for_data_dir(&self.data_dir),
        }
    }

    /// Whether cookies must carry `Secure` (the public URL is https).
    pub fn cookies_secure(&self) -> bool {
        self.public_base_url().starts_with("https://")
    }

    /// Whether the server speaks HTTPS itself (`tls_cert` and `tls_key` set).
    pub fn tls_enabled(&self) -> bool {
        self.tls_cert.is_some() && self.tls_key.is_some()
    }

    /// The base URL written into profiles and links: `public_url`, else derived from `listen`
    /// (`https://` when serving TLS directly).
    pub fn public_base_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.clone(),
            None if self.tls_enabled() => format!("https://{}", self.listen),
            None => format!("http://{}", self.listen),
        }
    }

    /// A certificate without its key (or the reverse) cannot serve anything: refuse it here
    /// rather than silently serving plain HTTP.
    fn check_tls_pair(&self) -> Result<(), ConfigError> {
        let (missing, given) = match (&self.tls_cert, &self.tls_key) {
            (Some(_), None) => ("--tls-key", "--tls-cert"),
            (None, Some(_)) => ("--tls-cert", "--tls-key"),
            _ => return Ok(()),
        };
        let file_key = |flag: &str| flag.trim_start_matches("--").replace('-', "_");
        let env_key = |flag: &str| format!("CULTIVAR_{}", file_key(flag).to_ascii_uppercase());
        Err(ConfigError::Invalid {
            key: format!("{missing} ({}, {})", file_key(missing), env_key(missing)),
            source_name: "configuration".to_owned(),
            rule: format!("missing: {given} is set, and HTTPS needs both the certificate and its key (or neither, for plain HTTP)"),
        })
    }

    /// A documented TOML file with every setting at its default, for `cultivar admin print-config`.
    pub fn default_toml() -> String {
        default_toml::render(&Config::default())
    }

    fn apply_file(&mut self, path: &Path, text: &str) -> Result<(), ConfigError> {
        let table: toml::Table =
            text.parse()
                .map_err(|e: toml::de::Error| ConfigError::Syntax {
                    path: path.to_owned(),
                    message: e.message().to_owned(),
                })?;
        let source_name = path.display().to_string();
        for (name, value) in &table {
            let key = Setting::from_file_name(name).ok_or_else(|| ConfigError::UnknownKey {
                key: name.clone(),
                source_name: source_name.clone(),
                expected: Setting::ALL.map(Setting::file_name).join(", "),
            })?;
            let invalid = |rule: String| ConfigError::Invalid {
                key: name.clone(),
                source_name: source_name.clone(),
                rule,
            };
            let raw = match value {
                toml::Value::String(s) => s.clone(),
                toml::Value::Integer(i) => i.to_string(),
                other => {
                    return Err(invalid(format!(
                        "must be a string or number, not a {}",
                        other.type_str()
                    )))
                }
            };
            key.apply(self, &raw).map_err(invalid)?;
        }
        Ok(())
    }

    fn apply_env(&mut self, env: &HashMap<String, String>) -> Result<(), ConfigError> {
        for key in Setting::ALL {
            // An empty variable counts as unset, as shells make `VAR=` easy to leave behind.
            let Some(raw) = env.get(key.env_name()).filter(|v| !v.is_empty()) else {
                continue;
            };
            key.apply(self, raw).map_err(|rule| ConfigError::Invalid {
                key: key.env_name().to_owned(),
                source_name: "environment".to_owned(),
                rule,
            })?;
        }
        Ok(())
    }

    fn apply_overrides(&mut self, o: &ConfigOverrides) -> Result<(), ConfigError> {
        let invalid = |flag: &str, rule: String| ConfigError::Invalid {
            key: flag.to_owned(),
            source_name: "command line".to_owned(),
            rule,
        };
        if let Some(listen) = o.listen {
            self.listen = listen;
        }
        if let Some(dir) = &o.data_dir {
            self.data_dir = dir.clone();
        }
        if let Some(url) = &o.database_url {
            let url = keys::parse_database_url(url).map_err(|r| invalid("--database-url", r))?;
            self.database_url = Some(url);
        }
        if let Some(url) = &o.public_url {
            let url = keys::parse_public_url(url).map_err(|r| invalid("--public-url", r))?;
            self.public_url = Some(url);
        }
        if let Some(file) = &o.secret_key_file {
            self.secret_key_file = Some(file.clone());
        }
        if let Some(format) = o.log_format {
            self.log_format = format;
        }
        if let Some(level) = &o.log_level {
            self.log_level = keys::parse_log_level(level).map_err(|r| invalid("--log-level", r))?;
        }
        if let Some(file) = &o.tls_cert {
            self.tls_cert = Some(
                keys::parse_path(&file.to_string_lossy()).map_err(|r| invalid("--tls-cert", r))?,
            );
        }
        if let Some(file) = &o.tls_key {
            self.tls_key = Some(
                keys::parse_path(&file.to_string_lossy()).map_err(|r| invalid("--tls-key", r))?,
            );
        }
        if let Some(hours) = o.console_session_hours {
            self.console_session_hours = keys::check_session_hours(hours)
                .map_err(|r| invalid("--console-session-hours", r))?;
        }
        Ok(())
    }
}

impl std::str::FromStr for LogFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        keys::parse_log_format(s)
    }
}

impl std::fmt::Debug for Config {
    // Hand-written so that the secret key and a database password never reach a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field(
                "database_url",
                &self.database_url.as_deref().map(redact_database_url),
            )
            .field("public_url", &self.public_url)
            .field(
                "secret_key",
                &self.secret_key.as_ref().map(|_| "<redacted>"),
            )
            .field("secret_key_file", &self.secret_key_file)
            .field("log_format", &self.log_format)
            .field("log_level", &self.log_level)
            .field("console_session_hours", &self.console_session_hours)
            .field("mdm_cert_header", &self.mdm_cert_header)
            .field("mdm_offline_after_hours", &self.mdm_offline_after_hours)
            .field("apns_url", &self.apns_url)
            .field("apns_ca_file", &self.apns_ca_file)
            .field("mdm_machine_info_anchors", &self.mdm_machine_info_anchors)
            .field("mdm_min_os_ios", &self.mdm_min_os_ios)
            .field("mdm_min_os_macos", &self.mdm_min_os_macos)
            .field("tls_cert", &self.tls_cert)
            .field("tls_key", &self.tls_key)
            .finish()
    }
}
