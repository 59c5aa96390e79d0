//! `mdm_machine_info_anchors`, `mdm_min_os_ios`, `mdm_min_os_macos`: unset by default, set by
//! the file and the environment (environment wins), versions checked naming the key.
#![allow(clippy::unwrap_used)]

use std::{collections::HashMap, path::Path};

use super::*;

fn load(file: Option<&str>, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let env: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let file = file.map(|text| (Path::new("cultivar.toml"), text));
    Config::from_layers(file, &env, &ConfigOverrides::default())
}

#[test]
fn ade_enrollment_keys_are_unset_by_default() {
    let c = load(None, &[]).unwrap();
    assert_eq!(c.mdm_machine_info_anchors, None);
    assert_eq!((c.mdm_min_os_ios, c.mdm_min_os_macos), (None, None));
}

#[test]
fn file_and_env_set_the_ade_enrollment_keys() {
    let file = "mdm_machine_info_anchors = \"/f/apple.pem\"\nmdm_min_os_ios = \"17.2\"\n\
                mdm_min_os_macos = \"14.4.1\"";
    let c = load(Some(file), &[]).unwrap();
    assert_eq!(
        c.mdm_machine_info_anchors.as_deref(),
        Some(Path::new("/f/apple.pem"))
    );
    assert_eq!(c.mdm_min_os_ios.as_deref(), Some("17.2"));
    assert_eq!(c.mdm_min_os_macos.as_deref(), Some("14.4.1"));
    let env = [
        ("CULTIVAR_MDM_MACHINE_INFO_ANCHORS", "/e/ca.pem"),
        ("CULTIVAR_MDM_MIN_OS_IOS", "17.1 (a)"),
        ("CULTIVAR_MDM_MIN_OS_MACOS", "15"),
    ];
    let c = load(Some(file), &env).unwrap();
    assert_eq!(
        c.mdm_machine_info_anchors.as_deref(),
        Some(Path::new("/e/ca.pem"))
    );
    assert_eq!(c.mdm_min_os_ios.as_deref(), Some("17.1 (a)"));
    assert_eq!(c.mdm_min_os_macos.as_deref(), Some("15"));
}

#[test]
fn a_bad_minimum_os_is_refused_naming_the_key() {
    for bad in ["seventeen", "17.", "17.2.1.4", "17.1 a", "17.1 ()", "-17"] {
        let err = load(None, &[("CULTIVAR_MDM_MIN_OS_IOS", bad)])
            .unwrap_err()
            .to_string();
        assert!(err.contains("CULTIVAR_MDM_MIN_OS_IOS"), "{bad}: {err}");
        assert!(err.contains("is not an OS version"), "{bad}: {err}");
    }
    let err = load(Some("mdm_min_os_macos = \"x\""), &[])
        .unwrap_err()
        .to_string();
    assert!(err.contains("mdm_min_os_macos"), "{err}");
}

#[test]
fn default_toml_documents_the_ade_enrollment_keys() {
    let text = Config::default_toml();
    for key in [
        "mdm_machine_info_anchors",
        "mdm_min_os_ios",
        "mdm_min_os_macos",
        "CULTIVAR_MDM_MACHINE_INFO_ANCHORS",
    ] {
        assert!(text.contains(key), "{key}");
    }
}
