//! The enrollment profile from the admin API and from one-time download links.

use cultivar_device_sim::EnrollmentProfile;
use cultivar_testkit::{both_backends, TestServer};
use reqwest::StatusCode;

use crate::{ca_pem, install_push_cert, TOPIC};

async fn post(server: &TestServer, path: &str, body: serde_json::Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(server.url_for(path))
        .bearer_auth(server.admin_key())
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn profile_is_refused_until_a_push_certificate_is_uploaded() {
    both_backends(|server| async move {
        let refused = post(&server, "/api/v1/enroll/profile", serde_json::json!({})).await;
        assert_eq!(refused.status(), StatusCode::CONFLICT);
        let text = refused.text().await.unwrap();
        assert!(text.contains("cultivar mdm push-cert upload"), "{text}");
    })
    .await;
}

#[tokio::test]
async fn api_profile_parses_and_verifies_against_the_device_ca() {
    both_backends(|server| async move {
        install_push_cert(&server).await;
        let response = post(&server, "/api/v1/enroll/profile", serde_json::json!({})).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()["content-type"],
            "application/x-apple-aspen-config"
        );
        let signed = response.bytes().await.unwrap();
        let ca = ca_pem(&server).await;
        let xml = cultivar_crypto::verify_signed_profile(&signed, &[ca.as_bytes()]).unwrap();
        assert!(!xml.is_empty());
        let profile = EnrollmentProfile::parse(&signed).unwrap();
        let base = server.state().mdm.settings().public_base.clone();
        assert_eq!(profile.mdm.topic, TOPIC);
        assert_eq!(profile.mdm.server_url, format!("{base}/mdm/connect"));
        assert_eq!(profile.mdm.check_in_url(), format!("{base}/mdm/checkin"));
        assert!(profile.mdm.sign_message && profile.mdm.check_out_when_removed);
        assert_eq!(profile.mdm.access_rights, Some(8191));
        assert_eq!(
            profile.mdm.server_capabilities,
            [
                "com.apple.mdm.per-user-connections",
                "com.apple.mdm.bootstraptoken"
            ]
        );
        let scep = profile
            .scep
            .expect("IdentityCertificateUUID names the SCEP payload");
        assert_eq!(scep.url, format!("{base}/scep"));
        assert_eq!(scep.keysize, 2048);
        let challenge = scep.challenge.expect("a challenge");
        let hash = cultivar_core::mdm::secret_hash(&challenge);
        let row = server.store().mdm_challenge(&hash).await.unwrap();
        assert!(row.is_some(), "the challenge is stored by its hash");
        let roots: Vec<_> = profile
            .profile
            .payloads_of("com.apple.security.root")
            .collect();
        assert_eq!(roots.len(), 1, "the device CA is a trusted root payload");
        let again = post(&server, "/api/v1/enroll/profile", serde_json::json!({})).await;
        let other = EnrollmentProfile::parse(&again.bytes().await.unwrap()).unwrap();
        assert_ne!(
            other.scep.unwrap().challenge,
            Some(challenge),
            "fresh challenge each time"
        );
    })
    .await;
}

#[tokio::test]
async fn download_links_are_one_time_and_bounded() {
    both_backends(|server| async move {
        install_push_cert(&server).await;
        let bad = post(
            &server,
            "/api/v1/enroll/links",
            serde_json::json!({"expires_hours": 0}),
        )
        .await;
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.text().await.unwrap().contains("expires_hours"));
        let created = post(
            &server,
            "/api/v1/enroll/links",
            serde_json::json!({"expires_hours": 2}),
        )
        .await;
        assert_eq!(created.status(), StatusCode::CREATED);
        let link: serde_json::Value = created.json().await.unwrap();
        let url = link["url"].as_str().unwrap();
        let token = url.split("token=").nth(1).unwrap();
        let local = server.url_for(&format!("/mdm/enroll?token={token}"));
        let http = reqwest::Client::new();
        let first = http.get(&local).send().await.unwrap();
        assert_eq!(first.status(), StatusCode::OK);
        assert_eq!(
            first.headers()["content-type"],
            "application/x-apple-aspen-config"
        );
        EnrollmentProfile::parse(&first.bytes().await.unwrap()).unwrap();
        let second = http.get(&local).send().await.unwrap();
        assert_eq!(second.status(), StatusCode::FORBIDDEN, "a link works once");
        let unknown = http
            .get(server.url_for("/mdm/enroll?token=nope"))
            .send()
            .await
            .unwrap();
        assert_eq!(unknown.status(), StatusCode::FORBIDDEN);
        let no_auth = reqwest::Client::new()
            .post(server.url_for("/api/v1/enroll/links"))
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(no_auth.status(), StatusCode::UNAUTHORIZED);
    })
    .await;
}
