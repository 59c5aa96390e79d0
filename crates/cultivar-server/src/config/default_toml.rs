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
"#,
        listen = config.listen,
        data_dir = config.data_dir.display(),
        log_level = config.log_level,
        hours = config.console_session_hours,
    )
}
