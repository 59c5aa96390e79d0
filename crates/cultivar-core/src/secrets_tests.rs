#![allow(clippy::unwrap_used)]

use super::*;

const KEY: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

fn settings<'a>(value: Option<&'a str>, file: Option<&'a Path>, dir: &'a Path) -> KeySettings<'a> {
    KeySettings {
        value,
        file,
        data_dir: dir,
    }
}

#[test]
fn configured_value_wins_over_files() {
    let dir = tempfile::tempdir().unwrap();
    let (key, source) = resolve_secret_key(settings(Some(KEY), None, dir.path())).unwrap();
    assert_eq!(key.to_base64(), KEY);
    assert_eq!(source, KeySource::Configured);
    assert!(
        !dir.path().join(SECRET_KEY_FILE_NAME).exists(),
        "nothing generated"
    );
}

#[test]
fn key_file_is_read_and_must_exist() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("given.key");
    std::fs::write(&file, format!("{KEY}\n")).unwrap();
    let (key, source) = resolve_secret_key(settings(None, Some(&file), dir.path())).unwrap();
    assert_eq!(key.to_base64(), KEY);
    assert_eq!(source, KeySource::File(file.clone()));

    let missing = dir.path().join("missing.key");
    let err = resolve_secret_key(settings(None, Some(&missing), dir.path())).unwrap_err();
    assert!(
        err.to_string().starts_with(&format!(
            "secret_key_file {}: reading failed",
            missing.display()
        )),
        "{err}"
    );
    assert!(
        !dir.path().join(SECRET_KEY_FILE_NAME).exists(),
        "a missing given file is not replaced"
    );
}

#[test]
fn bad_key_values_name_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let err = resolve_secret_key(settings(Some("short"), None, dir.path())).unwrap_err();
    assert!(
        err.to_string().starts_with("secret_key: not a valid key"),
        "{err}"
    );
    let file = dir.path().join("bad.key");
    std::fs::write(&file, "not base64!").unwrap();
    let err = resolve_secret_key(settings(None, Some(&file), dir.path())).unwrap_err();
    assert!(
        err.to_string().contains("bad.key: not a valid key"),
        "{err}"
    );
}

#[test]
fn generated_once_private_and_reused() {
    let dir = tempfile::tempdir().unwrap();
    let (first, source) = resolve_secret_key(settings(None, None, dir.path())).unwrap();
    let path = dir.path().join(SECRET_KEY_FILE_NAME);
    assert_eq!(source, KeySource::Generated(path.clone()));
    assert_eq!(shared_mode(&path), None, "generated file is 0600");
    let (second, source) = resolve_secret_key(settings(None, None, dir.path())).unwrap();
    assert_eq!(first.to_base64(), second.to_base64());
    assert_eq!(source, KeySource::File(path));
    let litter: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(litter.len(), 1, "temporary files are removed");
}

#[test]
fn concurrent_generation_agrees_on_one_key() {
    let dir = tempfile::tempdir().unwrap();
    let keys: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| {
                    resolve_secret_key(settings(None, None, dir.path()))
                        .unwrap()
                        .0
                        .to_base64()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(keys.iter().all(|k| k == &keys[0]), "{keys:?}");
}

#[cfg(unix)]
#[test]
fn group_readable_key_file_is_detected() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("shared.key");
    std::fs::write(&file, KEY).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    assert_eq!(shared_mode(&file), Some(0o640));
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(shared_mode(&file), None);
}

#[test]
fn seal_open_round_trip_bound_to_aad() {
    let secrets = Secrets::new(SecretKey::from_base64(KEY).unwrap());
    let sealed = secrets
        .seal("abm_server:1:private_key", b"hunter2")
        .unwrap();
    assert_ne!(sealed, b"hunter2");
    assert_eq!(
        secrets.open("abm_server:1:private_key", &sealed).unwrap(),
        b"hunter2"
    );
    let err = secrets
        .open("abm_server:2:private_key", &sealed)
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("secret (abm_server:2:private_key):"),
        "{err}"
    );
    assert_eq!(format!("{secrets:?}"), "Secrets(<redacted>)");
}
