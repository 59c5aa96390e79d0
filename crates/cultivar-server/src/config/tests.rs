#![allow(clippy::unwrap_used)]

use std::{collections::HashMap, path::Path};

use super::*;

const KEY_A: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
const KEY_B: &str = "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA=";

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn file(text: &str) -> Option<(&'static Path, &str)> {
    Some((Path::new("cultivar.toml"), text))
}

const FILE: &str = r#"
listen = "127.0.0.1:1001"
data_dir = "/file/data"
database_url = "postgres://file@db/cultivar"
public_url = "https://file.example.com"
secret_key = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
secret_key_file = "/file/secret.key"
log_format = "json"
log_level = "debug"
console_session_hours = 2
mdm_cert_header = "X-Client-Cert"
mdm_offline_after_hours = 24
"#;

fn full_env() -> HashMap<String, String> {
    env(&[
        ("CULTIVAR_LISTEN", "127.0.0.1:2002"),
        ("CULTIVAR_DATA_DIR", "/env/data"),
        ("CULTIVAR_DATABASE_URL", "postgres://env@db/cultivar"),
        ("CULTIVAR_PUBLIC_URL", "http://env.example.com/"),
        ("CULTIVAR_SECRET_KEY", KEY_B),
        ("CULTIVAR_SECRET_KEY_FILE", "/env/secret.key"),
        ("CULTIVAR_LOG_FORMAT", "text"),
        ("CULTIVAR_LOG_LEVEL", "warn"),
        ("CULTIVAR_CONSOLE_SESSION_HOURS", "3"),
        ("CULTIVAR_MDM_CERT_HEADER", "Client-Cert"),
        ("CULTIVAR_MDM_OFFLINE_AFTER_HOURS", "48"),
    ])
}

fn full_overrides() -> ConfigOverrides {
    ConfigOverrides {
        listen: Some("127.0.0.1:3003".parse().unwrap()),
        data_dir: Some("/cli/data".into()),
        database_url: Some("sqlite:///cli/db.sqlite3".into()),
        public_url: Some("https://cli.example.com".into()),
        secret_key_file: Some("/cli/secret.key".into()),
        log_format: Some(LogFormat::Json),
        log_level: Some("error".into()),
        console_session_hours: Some(4),
        ..ConfigOverrides::default()
    }
}

#[test]
fn defaults_apply_without_layers() {
    let config = Config::from_layers(None, &HashMap::new(), &ConfigOverrides::default()).unwrap();
    assert_eq!(config, Config::default());
    assert_eq!(config.listen.to_string(), "127.0.0.1:8420");
    assert_eq!(config.data_dir, Path::new("./cultivar-data"));
    assert_eq!(config.log_level, "info");
    assert_eq!(config.console_session_hours, 12);
    assert_eq!(config.mdm_cert_header, None);
    assert_eq!(config.mdm_offline_after_hours, 168);
    assert!(config.database_url.is_none());
    assert!(!config.cookies_secure());
}

#[test]
fn file_beats_defaults_for_every_key() {
    let c = Config::from_layers(file(FILE), &HashMap::new(), &ConfigOverrides::default()).unwrap();
    assert_eq!(c.listen.port(), 1001);
    assert_eq!(c.data_dir, Path::new("/file/data"));
    assert_eq!(
        c.database_url.as_deref(),
        Some("postgres://file@db/cultivar")
    );
    assert_eq!(c.public_url.as_deref(), Some("https://file.example.com"));
    assert_eq!(c.secret_key.as_deref(), Some(KEY_A));
    assert_eq!(
        c.secret_key_file.as_deref(),
        Some(Path::new("/file/secret.key"))
    );
    assert_eq!(c.log_format, LogFormat::Json);
    assert_eq!(c.log_level, "debug");
    assert_eq!(c.console_session_hours, 2);
    assert_eq!(c.mdm_cert_header.as_deref(), Some("x-client-cert"));
    assert_eq!(c.mdm_offline_after_hours, 24);
    assert!(c.cookies_secure());
}

#[test]
fn env_beats_file_for_every_key() {
    let c = Config::from_layers(file(FILE), &full_env(), &ConfigOverrides::default()).unwrap();
    assert_eq!(c.listen.port(), 2002);
    assert_eq!(c.data_dir, Path::new("/env/data"));
    assert_eq!(
        c.database_url.as_deref(),
        Some("postgres://env@db/cultivar")
    );
    // Trailing slash dropped so URLs can be joined with paths.
    assert_eq!(c.public_url.as_deref(), Some("http://env.example.com"));
    assert_eq!(c.secret_key.as_deref(), Some(KEY_B));
    assert_eq!(
        c.secret_key_file.as_deref(),
        Some(Path::new("/env/secret.key"))
    );
    assert_eq!(c.log_format, LogFormat::Text);
    assert_eq!(c.log_level, "warn");
    assert_eq!(c.console_session_hours, 3);
    assert_eq!(c.mdm_cert_header.as_deref(), Some("client-cert"));
    assert_eq!(c.mdm_offline_after_hours, 48);
    assert!(!c.cookies_secure());
}

#[test]
fn flags_beat_env_for_every_flag() {
    let c = Config::from_layers(file(FILE), &full_env(), &full_overrides()).unwrap();
    assert_eq!(c.listen.port(), 3003);
    assert_eq!(c.data_dir, Path::new("/cli/data"));
    assert_eq!(c.database_url.as_deref(), Some("sqlite:///cli/db.sqlite3"));
    assert_eq!(c.public_url.as_deref(), Some("https://cli.example.com"));
    assert_eq!(
        c.secret_key_file.as_deref(),
        Some(Path::new("/cli/secret.key"))
    );
    assert_eq!(c.log_format, LogFormat::Json);
    assert_eq!(c.log_level, "error");
    assert_eq!(c.console_session_hours, 4);
    // No flag carries the key itself (it would show in `ps`): the env value stays.
    assert_eq!(c.secret_key.as_deref(), Some(KEY_B));
}

#[test]
fn empty_env_values_count_as_unset() {
    let c = Config::from_layers(
        file(FILE),
        &env(&[("CULTIVAR_LISTEN", "")]),
        &ConfigOverrides::default(),
    )
    .unwrap();
    assert_eq!(c.listen.port(), 1001);
}

#[test]
fn unknown_file_key_is_named() {
    let err = Config::from_layers(
        file("listen = \"127.0.0.1:1\"\nlisten_port = 9\n"),
        &HashMap::new(),
        &ConfigOverrides::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with("listen_port (in cultivar.toml): unknown setting"),
        "{err}"
    );
    assert!(
        err.contains("console_session_hours"),
        "lists the valid keys: {err}"
    );
}

#[test]
fn bad_values_name_key_and_rule() {
    let cases = [
        (file("listen = \"localhost\""), HashMap::new(), "listen (in cultivar.toml): \"localhost\" is not a socket address"),
        (file("log_format = \"xml\""), HashMap::new(), "log_format (in cultivar.toml): \"xml\" is not a log format"),
        (file("console_session_hours = 0"), HashMap::new(), "console_session_hours (in cultivar.toml): 0 is out of range"),
        (file("data_dir = [1]"), HashMap::new(), "data_dir (in cultivar.toml): must be a string or number"),
        (None, env(&[("CULTIVAR_PUBLIC_URL", "mdm.example.com")]), "CULTIVAR_PUBLIC_URL (in environment): \"mdm.example.com\" must start with http:// or https://"),
        (None, env(&[("CULTIVAR_SECRET_KEY", "c2hvcnQ=")]), "CULTIVAR_SECRET_KEY (in environment): must be base64 of 32 bytes"),
        (None, env(&[("CULTIVAR_CONSOLE_SESSION_HOURS", "soon")]), "CULTIVAR_CONSOLE_SESSION_HOURS (in environment): \"soon\" is not a whole number"),
        (None, env(&[("CULTIVAR_LOG_LEVEL", "cultivar=loud")]), "CULTIVAR_LOG_LEVEL (in environment): \"cultivar=loud\" is not a tracing filter"),
        (file("mdm_cert_header = \"X Client Cert\""), HashMap::new(), "mdm_cert_header (in cultivar.toml): \"X Client Cert\" is not an HTTP header name"),
        (file("mdm_offline_after_hours = 0"), HashMap::new(), "mdm_offline_after_hours (in cultivar.toml): 0 is out of range"),
        (None, env(&[("CULTIVAR_MDM_OFFLINE_AFTER_HOURS", "a week")]), "CULTIVAR_MDM_OFFLINE_AFTER_HOURS (in environment): \"a week\" is not a whole number"),
    ];
    for (file, env, want) in cases {
        let err = Config::from_layers(file, &env, &ConfigOverrides::default())
            .unwrap_err()
            .to_string();
        assert!(err.starts_with(want), "got {err:?}, want prefix {want:?}");
    }
}

#[test]
fn bad_database_url_error_does_not_echo_the_value() {
    let err = Config::from_layers(
        None,
        &env(&[("CULTIVAR_DATABASE_URL", "mysql://u:hunter2@db")]),
        &ConfigOverrides::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with("CULTIVAR_DATABASE_URL (in environment): must start with sqlite:"),
        "{err}"
    );
    assert!(!err.contains("hunter2"), "{err}");
}

#[test]
fn bad_flag_values_are_named() {
    let overrides = ConfigOverrides {
        console_session_hours: Some(1000),
        ..Default::default()
    };
    let err = Config::from_layers(None, &HashMap::new(), &overrides)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("--console-session-hours (in command line): 1000 is out of range"),
        "{err}"
    );
}

#[test]
fn syntax_errors_name_the_file() {
    let err = Config::from_layers(
        file("listen = "),
        &HashMap::new(),
        &ConfigOverrides::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with("config file cultivar.toml: not valid TOML"),
        "{err}"
    );
}

#[test]
fn load_reads_the_file_and_reports_a_missing_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cultivar.toml");
    std::fs::write(&path, "listen = \"127.0.0.1:4004\"\n").unwrap();
    let c = Config::load(Some(&path), &HashMap::new(), &ConfigOverrides::default()).unwrap();
    assert_eq!(c.listen.port(), 4004);
    let missing = dir.path().join("nope.toml");
    let err =
        Config::load(Some(&missing), &HashMap::new(), &ConfigOverrides::default()).unwrap_err();
    assert!(
        err.to_string().contains("nope.toml: cannot be read"),
        "{err}"
    );
}

#[test]
fn default_toml_parses_back_to_the_defaults() {
    let text = Config::default_toml();
    let c = Config::from_layers(file(&text), &HashMap::new(), &ConfigOverrides::default()).unwrap();
    assert_eq!(c, Config::default());
    for key in keys::Setting::ALL {
        assert!(
            text.contains(key.file_name()),
            "default file documents {}",
            key.file_name()
        );
        assert!(
            text.contains(key.env_name()),
            "default file names {}",
            key.env_name()
        );
    }
}

#[test]
fn debug_redacts_secret_key_and_database_password() {
    let c = Config {
        secret_key: Some(KEY_A.into()),
        database_url: Some("postgres://cultivar:hunter2@db:5432/cultivar".into()),
        ..Config::default()
    };
    let shown = format!("{c:?}");
    assert!(!shown.contains(KEY_A), "{shown}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(
        shown.contains("postgres://cultivar:<redacted>@db:5432/cultivar"),
        "{shown}"
    );
}

#[test]
fn redaction_leaves_passwordless_urls_alone() {
    for url in [
        "sqlite:///tmp/x.sqlite3?mode=rwc",
        "postgres://db/cultivar",
        "postgres://user@db/x",
    ] {
        assert_eq!(redact_database_url(url), url);
    }
    assert_eq!(
        redact_database_url("postgres://u:p@ss@db/x"),
        "postgres://u:<redacted>@db/x"
    );
}

#[test]
fn sqlite_in_data_dir_is_the_default_database() {
    let c = Config {
        data_dir: "/srv/cultivar".into(),
        ..Config::default()
    };
    assert_eq!(
        c.database_url(),
        cultivar_store::sqlite_url_for_data_dir(Path::new("/srv/cultivar"))
    );
    let pg = Config {
        database_url: Some("postgres://db/x".into()),
        ..c
    };
    assert_eq!(pg.database_url(), "postgres://db/x");
}

#[test]
fn apns_url_and_ca_file() {
    let none = ConfigOverrides::default();
    let d = Config::from_layers(None, &HashMap::new(), &none).unwrap();
    assert_eq!(d.apns_url, "https://api.push.apple.com");
    assert_eq!(d.apns_ca_file, None);
    let layers = file("apns_url = \"https://127.0.0.1:9443/\"\napns_ca_file = \"/f/ca.pem\"");
    let c = Config::from_layers(
        layers,
        &env(&[("CULTIVAR_APNS_CA_FILE", "/e/ca.pem")]),
        &none,
    )
    .unwrap();
    assert_eq!(c.apns_url, "https://127.0.0.1:9443");
    assert_eq!(c.apns_ca_file.as_deref(), Some(Path::new("/e/ca.pem")));
    let err = Config::from_layers(file("apns_url = \"http://x\""), &HashMap::new(), &none)
        .unwrap_err()
        .to_string();
    let want = "apns_url (in cultivar.toml): \"http://x\" must start with https://";
    assert!(err.starts_with(want), "{err}");
}

#[test]
fn mdm_device_cert_days_defaults_to_a_year_and_is_bounded() {
    let none = ConfigOverrides::default();
    let d = Config::from_layers(None, &HashMap::new(), &none).unwrap();
    assert_eq!(d.mdm_device_cert_days, 365);
    let env = env(&[("CULTIVAR_MDM_DEVICE_CERT_DAYS", "90")]);
    let c = Config::from_layers(file("mdm_device_cert_days = 30"), &env, &none).unwrap();
    assert_eq!(
        c.mdm_device_cert_days, 90,
        "the environment wins over the file"
    );
    let err = Config::from_layers(file("mdm_device_cert_days = 0"), &HashMap::new(), &none)
        .unwrap_err()
        .to_string();
    let want = "mdm_device_cert_days (in cultivar.toml): 0 is out of range (1 to 3650 days)";
    assert_eq!(err, want);
}
