//! `tls_cert`/`tls_key`: every layer, both or neither, and the derived https default.
#![allow(clippy::unwrap_used)]

use std::{collections::HashMap, path::Path};

use super::*;

fn load(
    file: Option<&str>,
    env: &[(&str, &str)],
    overrides: &ConfigOverrides,
) -> Result<Config, ConfigError> {
    let env: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let file = file.map(|text| (Path::new("cultivar.toml"), text));
    Config::from_layers(file, &env, overrides)
}

fn flags(cert: Option<&str>, key: Option<&str>) -> ConfigOverrides {
    ConfigOverrides {
        tls_cert: cert.map(Into::into),
        tls_key: key.map(Into::into),
        ..ConfigOverrides::default()
    }
}

#[test]
fn tls_is_off_by_default_and_the_default_url_is_http() {
    let c = load(None, &[], &ConfigOverrides::default()).unwrap();
    assert_eq!((c.tls_cert.as_deref(), c.tls_key.as_deref()), (None, None));
    assert!(!c.tls_enabled());
    assert_eq!(c.public_base_url(), "http://127.0.0.1:8420");
    assert!(!c.cookies_secure());
}

#[test]
fn each_layer_sets_the_pair_and_flags_win() {
    let file = "tls_cert = \"/f/cert.pem\"\ntls_key = \"/f/key.pem\"";
    let c = load(Some(file), &[], &ConfigOverrides::default()).unwrap();
    assert_eq!(c.tls_cert.as_deref(), Some(Path::new("/f/cert.pem")));
    assert_eq!(c.tls_key.as_deref(), Some(Path::new("/f/key.pem")));
    let env = [
        ("CULTIVAR_TLS_CERT", "/e/cert.pem"),
        ("CULTIVAR_TLS_KEY", "/e/key.pem"),
    ];
    let c = load(Some(file), &env, &ConfigOverrides::default()).unwrap();
    assert_eq!(c.tls_cert.as_deref(), Some(Path::new("/e/cert.pem")));
    assert_eq!(c.tls_key.as_deref(), Some(Path::new("/e/key.pem")));
    let c = load(Some(file), &env, &flags(Some("/c/cert.pem"), None)).unwrap();
    assert_eq!(c.tls_cert.as_deref(), Some(Path::new("/c/cert.pem")));
    assert_eq!(c.tls_key.as_deref(), Some(Path::new("/e/key.pem")));
}

#[test]
fn tls_without_public_url_derives_https_and_secure_cookies() {
    let listen = ConfigOverrides {
        listen: Some("0.0.0.0:8443".parse().unwrap()),
        ..flags(Some("/c.pem"), Some("/k.pem"))
    };
    let c = load(None, &[], &listen).unwrap();
    assert!(c.tls_enabled());
    assert_eq!(c.public_base_url(), "https://0.0.0.0:8443");
    assert!(c.cookies_secure());
    // A proxy in front may still publish another URL: an explicit one always wins.
    let c = load(None, &[("CULTIVAR_PUBLIC_URL", "http://mdm.lan")], &listen).unwrap();
    assert_eq!(c.public_base_url(), "http://mdm.lan");
    assert!(!c.cookies_secure());
}

#[test]
fn one_of_the_pair_alone_is_refused_naming_the_missing_flag() {
    let err = load(None, &[], &flags(Some("/c.pem"), None))
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(
            "--tls-key (tls_key, CULTIVAR_TLS_KEY) (in configuration): missing: --tls-cert is set"
        ),
        "{err}"
    );
    let err = load(
        Some("tls_key = \"/k.pem\""),
        &[],
        &ConfigOverrides::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with("--tls-cert (tls_cert, CULTIVAR_TLS_CERT) (in configuration): missing: --tls-key is set"),
        "{err}"
    );
}

#[test]
fn empty_paths_are_refused_naming_the_key() {
    let err = load(None, &[], &flags(Some(" "), Some("/k.pem")))
        .unwrap_err()
        .to_string();
    assert_eq!(err, "--tls-cert (in command line): must not be empty");
    let err = load(Some("tls_cert = \"\""), &[], &ConfigOverrides::default())
        .unwrap_err()
        .to_string();
    assert_eq!(err, "tls_cert (in cultivar.toml): must not be empty");
}

#[test]
fn default_toml_documents_the_pair() {
    let text = Config::default_toml();
    assert!(text.contains("# tls_cert = "), "{text}");
    assert!(text.contains("# tls_key = "), "{text}");
    assert!(text.contains("CULTIVAR_TLS_CERT, --tls-cert"), "{text}");
}
