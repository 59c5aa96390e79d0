//! The documented default configuration file printed by `cultivar admin print-config`.

use super::{Config, LogFormat};

/// Renders `config`'s values into the commented template; optional settings stay commented out.
pub(super) fn render(config: &Config) -> String {
    let log_format = match config.log_format {
        LogFormat::Text => "text",
        LogFormat::Json => "json",
    };
    format!(
        r#"# cultivar server configuration.
# Precedence: defaults < this file (--config FILE) < environment (CULTIVAR_*) < command-line flags.

# Address and port to listen on (CULTIVAR_LISTEN, --listen).
listen = "{listen}"

# Where the embedded SQLite database and the secret key live (CULTIVAR_DATA_DIR, --data-dir).
data_dir = "{data_dir}"

# PostgreSQL instead of SQLite (CULTIVAR_DATABASE_URL, --database-url).
# database_url = "postgres://cultivar:PASSWORD@localhost/cultivar"

# The URL devices and browsers use to reach this server; https:// makes cookies Secure
# (CULTIVAR_PUBLIC_URL, --public-url).
# public_url = "https://mdm.example.com"

# Key that encrypts secrets at rest: base64 of 32 bytes (CULTIVAR_SECRET_KEY). Prefer a file
# (CULTIVAR_SECRET_KEY_FILE, --secret-key-file). Default: DATA_DIR/secret.key, generated on
# first start with mode 0600.
# secret_key_file = "/etc/cultivar/secret.key"

# Log lines on stderr: "text" or "json" (CULTIVAR_LOG_FORMAT, --log-format).
log_format = "{log_format}"

# A tracing filter, e.g. "info" or "cultivar_server=debug,info" (CULTIVAR_LOG_LEVEL, --log-level).
log_level = "{log_level}"

# How long a web-console login lasts, in hours, 1 to 720 (CULTIVAR_CONSOLE_SESSION_HOURS).
console_session_hours = {hours}

# Devices: the header a TLS-terminating proxy forwards the device's client certificate in, as
# RFC 9440 (:base64-DER:) or nginx $ssl_client_escaped_cert (CULTIVAR_MDM_CERT_HEADER). Only set
# it when every request comes through that proxy; unset, devices sign with Mdm-Signature.
# mdm_cert_header = "X-Client-Cert"

# An enrolled device with no contact for this many hours is Offline, 1 to 8760
# (CULTIVAR_MDM_OFFLINE_AFTER_HOURS).
mdm_offline_after_hours = {offline}

# Validity of device identity certificates issued by the built-in SCEP CA, in days, 1 to 3650
# (CULTIVAR_MDM_DEVICE_CERT_DAYS).
mdm_device_cert_days = {cert_days}

# MDM pushes: the APNs base URL (CULTIVAR_APNS_URL), https only, and a PEM file of extra roots to
# trust for it (CULTIVAR_APNS_CA_FILE), for a local APNs stand-in. Apple's is the default.
apns_url = "{apns_url}"
# apns_ca_file = "/path/to/apns-standin.pem"

# ADE enrollment: a PEM file of the roots a device's signed MachineInfo must chain to
# (CULTIVAR_MDM_MACHINE_INFO_ANCHORS): Apple's root in production. Unset: ADE enrollment is
# refused. A minimum OS per platform (CULTIVAR_MDM_MIN_OS_IOS, CULTIVAR_MDM_MIN_OS_MACOS): older
# devices that can update are sent Apple's com.apple.softwareupdate.required.
# mdm_machine_info_anchors = "/etc/cultivar/apple-root.pem"
# mdm_min_os_ios = "17.2"
# mdm_min_os_macos = "14.4"

# Serve HTTPS directly (rustls): a PEM certificate chain and its PEM private key, both or neither
# (CULTIVAR_TLS_CERT, --tls-cert; CULTIVAR_TLS_KEY, --tls-key). Unset: plain HTTP, e.g. behind a
# TLS-terminating proxy. Without public_url the derived default becomes https://LISTEN.
# tls_cert = "/etc/cultivar/tls/fullchain.pem"
# tls_key = "/etc/cultivar/tls/privkey.pem"
"#,
        listen = config.listen,
        data_dir = config.data_dir.display(),
        log_level = config.log_level,
        hours = config.console_session_hours,
        offline = config.mdm_offline_after_hours,
        cert_days = config.mdm_device_cert_days,
        apns_url = config.apns_url,
    )
}
