//! `cultivar enroll profile --out FILE` and `cultivar enroll link` through the built binary
//! against `cultivar serve`: refused (naming the push-cert upload) until a push certificate is
//! in the store, then a signed profile that verifies against the device CA, and a link.
#![allow(clippy::unwrap_used)]

mod common;

use common::{
    dir_arg,
    served::{Served, TEST_TOPIC},
};

#[tokio::test]
async fn enroll_profile_writes_a_signed_profile() {
    let w = Served::start("e").await;
    let out_path = w.dir.path().join("enroll.mobileconfig");
    let out_arg = dir_arg(&out_path);
    let refused = w.cli(&["enroll", "profile", "--out", &out_arg]).await;
    assert!(!refused.ok, "no push certificate yet");
    assert!(
        refused.stderr.contains("cultivar mdm push-cert upload"),
        "{}",
        refused.stderr
    );
    assert!(!out_path.exists(), "nothing written on refusal");

    w.install_test_push_cert().await;
    let wrote = w
        .cli(&["enroll", "profile", "--out", &out_arg, "--json"])
        .await;
    assert!(wrote.ok, "{}", wrote.stderr);
    let doc: serde_json::Value = serde_json::from_str(&wrote.stdout).unwrap();
    let signed = std::fs::read(&out_path).unwrap();
    assert_eq!(doc["bytes"].as_u64(), Some(signed.len() as u64));
    let ca = w.store.mdm_device_ca().await.unwrap().unwrap();
    let xml =
        cultivar_crypto::verify_signed_profile(&signed, &[ca.certificate_pem.as_bytes()]).unwrap();
    let text = String::from_utf8(xml).unwrap();
    assert!(
        text.contains("com.apple.mdm") && text.contains(TEST_TOPIC),
        "{text}"
    );
}

#[tokio::test]
async fn enroll_link_prints_a_one_time_url() {
    let w = Served::start("e").await;
    w.install_test_push_cert().await;
    let link = w
        .cli(&["enroll", "link", "--expires-hours", "3", "--json"])
        .await;
    assert!(link.ok, "{}", link.stderr);
    let doc: serde_json::Value = serde_json::from_str(&link.stdout).unwrap();
    let url = doc["url"].as_str().unwrap();
    // serve listens on port 0: the link names the port it really bound, not ":0".
    assert!(
        url.starts_with(&format!("{}/mdm/enroll?token=", w.url)),
        "{url} (server {})",
        w.url
    );
    assert!(doc["expires_at"].is_string());
    let bad = w.cli(&["enroll", "link", "--expires-hours", "0"]).await;
    assert!(
        !bad.ok && bad.stderr.contains("expires_hours"),
        "{}",
        bad.stderr
    );
}
