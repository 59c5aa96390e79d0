//! An assigned device: below the minimum OS it is told to update with Apple's exact 403; at
//! the minimum (or unable to update) it gets the signed enrollment profile, by POST or GET.

use cultivar_device_sim::EnrollmentProfile;
use cultivar_testkit::TestServer;
use reqwest::StatusCode;
use serde_json::json;

use crate::device::{audited, get, post, udid};
use crate::kit;
use crate::{each_backend, install_push_cert, MIN_IOS, TOPIC};

#[tokio::test]
async fn an_assigned_device_gets_a_signed_profile_or_is_told_to_update() {
    each_backend(|s| async move {
        let server = &s.w.server;
        install_push_cert(server).await;
        let f = kit::fleet(&s.w, "Main", 2, 0).await;
        let c = kit::client(&s.w);
        kit::profile(&c, "Standard", "iOS").await;
        c.ade_default_set("iOS", "Standard").await.unwrap();
        let (old, other) = (&f.ios[0], &f.ios[1]);

        let signed = s.apple.machine_info(old, "iPhone15,2", "17.1", true);
        let response = post(server, signed).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert_eq!(response.headers()["content-type"], "application/json");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["code"], "com.apple.softwareupdate.required");
        assert_eq!(body["details"], json!({"OSVersion": MIN_IOS}));
        let keys: Vec<&str> = body
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["code", "details", "message"]);
        let audit = audited(server, old).await;
        assert_eq!(
            audit,
            vec![(403, "com.apple.softwareupdate.required".into())]
        );

        // A device that cannot update on request (older Setup Assistant) still enrolls.
        let signed = s.apple.machine_info(old, "iPhone15,2", "17.1", false);
        check_profile(server, post(server, signed).await, old).await;
        let signed = s.apple.machine_info(other, "iPhone15,2", MIN_IOS, true);
        check_profile(server, post(server, signed.clone()).await, other).await;
        check_profile(server, get(server, &signed).await, other).await;
    })
    .await;
}

/// A signed profile that verifies against cultivar's device CA and carries the SCEP and MDM
/// payloads, its SCEP challenge bound to the device's UDID.
async fn check_profile(server: &TestServer, response: reqwest::Response, serial: &str) {
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "application/x-apple-aspen-config"
    );
    let signed = response.bytes().await.unwrap();
    let ca = server.state().mdm.device_ca().await.unwrap();
    let anchor = ca.certificate_pem().as_bytes();
    cultivar_crypto::verify_signed_profile(&signed, &[anchor]).unwrap();
    let profile = EnrollmentProfile::parse(&signed).unwrap();
    let base = server.state().mdm.settings().public_base.clone();
    assert_eq!(profile.mdm.topic, TOPIC);
    assert_eq!(profile.mdm.server_url, format!("{base}/mdm/connect"));
    assert_eq!(profile.mdm.check_in_url(), format!("{base}/mdm/checkin"));
    let scep = profile.scep.expect("the MDM payload names a SCEP identity");
    assert_eq!(scep.url, format!("{base}/scep"));
    let challenge = scep.challenge.expect("a one-time challenge");
    let hash = cultivar_core::mdm::secret_hash(&challenge);
    let row = server.store().mdm_challenge(&hash).await.unwrap().unwrap();
    assert_eq!(row.enrollment_ref, Some(udid(serial)));
    assert!(row.used_at.is_none());
}
