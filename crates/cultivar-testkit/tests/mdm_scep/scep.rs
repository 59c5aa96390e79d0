//! SCEP: issue, one-time and expiring challenges, 3DES by GET, unreadable messages.

use base64::{engine::general_purpose::STANDARD, Engine};
use cultivar_crypto::device_keys::{
    build_csr_for_key, generate_device_key, self_signed_certificate,
};
use cultivar_crypto::{build_pkcs_req, decode_cert_rep, ContentCipher, CryptoError};
use cultivar_device_sim::{scep, SimError};
use std::sync::Arc;

use cultivar_core::clock::ManualClock;
use cultivar_testkit::{both_backends, Backend, TestOptions, TestServer};
use reqwest::StatusCode;
use time::{Duration, OffsetDateTime};

use crate::{ca_pem, scep_payload, service};

async fn refusals(server: &TestServer) -> usize {
    let page = server.store().list_audit(1000, None).await.unwrap();
    page.iter().filter(|e| e.action == "scep.refused").count()
}

#[tokio::test]
async fn sim_client_gets_a_device_certificate_once_per_challenge() {
    both_backends(|server| async move {
        let mdm = service(&server);
        let challenge = mdm
            .create_scep_challenge("test", Duration::hours(1))
            .await
            .unwrap();
        let http = reqwest::Client::new();
        let issued = scep::enroll(&http, &scep_payload(&server, &challenge))
            .await
            .unwrap();
        assert!(issued.used_post, "POSTPKIOperation is offered");
        let ca = ca_pem(&server).await;
        cultivar_crypto::verify_issued_by(&issued.identity.cert_pem, ca.as_bytes()).unwrap();
        let info = cultivar_crypto::token_pki::certificate_info(&issued.identity.cert_pem).unwrap();
        let days = (info.not_after - info.not_before) / 86_400;
        assert!(
            (365..=366).contains(&days),
            "one-year certificate, got {days} days"
        );
        let row = server
            .store()
            .mdm_issued_cert(&info.serial_hex.to_ascii_lowercase())
            .await;
        assert!(
            row.unwrap().is_some(),
            "issued certificate recorded with its expiry"
        );

        let before = refusals(&server).await;
        let again = scep::enroll(&http, &scep_payload(&server, &challenge)).await;
        assert!(
            matches!(again, Err(SimError::Crypto { .. })),
            "the same challenge twice: second refused by CertRep, got {again:?}"
        );
        assert_eq!(
            refusals(&server).await,
            before + 1,
            "the refusal is audited"
        );
    })
    .await;
}

#[tokio::test]
async fn expired_or_unknown_challenges_are_refused_with_cert_rep_failure() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let clock = Arc::new(ManualClock::new(OffsetDateTime::now_utc()));
        let options = TestOptions {
            clock: clock.clone(),
            ..TestOptions::default()
        };
        let Some(server) = TestServer::start_custom(backend, options, |_| {}).await else {
            continue;
        };
        let mdm = service(&server);
        let short = mdm
            .create_scep_challenge("test", Duration::hours(1))
            .await
            .unwrap();
        clock.advance(Duration::hours(1) + Duration::seconds(1));
        let (status, reply) = pki_operation(&server, &short, ContentCipher::Aes128Cbc, false).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "a refused challenge is a CertRep, not an HTTP error"
        );
        assert_failure(reply, &server).await;
        let hash = cultivar_core::mdm::secret_hash(&short);
        let row = server.store().mdm_challenge(&hash).await.unwrap().unwrap();
        assert!(row.used_at.is_none(), "a refused request consumes nothing");
        let (status, reply) =
            pki_operation(&server, "never-issued", ContentCipher::Aes128Cbc, false).await;
        assert_eq!(status, StatusCode::OK);
        assert_failure(reply, &server).await;
        assert_eq!(refusals(&server).await, 2, "both refusals are audited");
    }
}

async fn assert_failure(reply: (Vec<u8>, String), server: &TestServer) {
    let (der, key) = reply;
    let ca = ca_pem(server).await;
    match decode_cert_rep(&der, key.as_bytes(), ca.as_bytes()) {
        Err(CryptoError::ScepRejected { status, fail_info }) => {
            assert_eq!(status, "FAILURE");
            assert!(fail_info.contains("badRequest"), "failInfo {fail_info}");
        }
        other => panic!("expected FAILURE badRequest, got {other:?}"),
    }
}

/// Sends a PKCSReq by hand; returns the HTTP status and (CertRep DER, the request's key).
async fn pki_operation(
    server: &TestServer,
    challenge: &str,
    cipher: ContentCipher,
    by_get: bool,
) -> (StatusCode, (Vec<u8>, String)) {
    let key = generate_device_key(2048).unwrap();
    let transient = self_signed_certificate(key.as_bytes(), "SCEP Transient", 1).unwrap();
    let subject = [("CN".to_string(), "Hand Made".to_string())];
    let csr = build_csr_for_key(key.as_bytes(), &subject, Some(challenge)).unwrap();
    let ca = ca_pem(server).await;
    let (message, _) = build_pkcs_req(
        &csr,
        key.as_bytes(),
        transient.as_bytes(),
        ca.as_bytes(),
        cipher,
        "tx-1",
    )
    .unwrap();
    let http = reqwest::Client::new();
    let response = if by_get {
        let url = reqwest::Url::parse_with_params(
            &server.url_for("/scep"),
            &[
                ("operation", "PKIOperation"),
                ("message", &STANDARD.encode(&message)),
            ],
        )
        .unwrap();
        http.get(url).send().await.unwrap()
    } else {
        let url = server.url_for("/scep?operation=PKIOperation");
        http.post(url).body(message).send().await.unwrap()
    };
    let status = response.status();
    (status, (response.bytes().await.unwrap().to_vec(), key))
}

#[tokio::test]
async fn three_des_by_get_issues_and_garbage_is_a_400() {
    both_backends(|server| async move {
        let mdm = service(&server);
        let challenge = mdm
            .create_scep_challenge("test", Duration::hours(1))
            .await
            .unwrap();
        let (status, (der, key)) =
            pki_operation(&server, &challenge, ContentCipher::Des3Cbc, true).await;
        assert_eq!(status, StatusCode::OK);
        let ca = ca_pem(&server).await;
        let rep = decode_cert_rep(&der, key.as_bytes(), ca.as_bytes()).unwrap();
        cultivar_crypto::verify_issued_by(&rep.certificate_der, ca.as_bytes()).unwrap();

        let http = reqwest::Client::new();
        let post = http
            .post(server.url_for("/scep?operation=PKIOperation"))
            .body("not a pkiMessage")
            .send()
            .await
            .unwrap();
        assert_eq!(post.status(), StatusCode::BAD_REQUEST);
        let get = http
            .get(server.url_for("/scep?operation=PKIOperation&message=%%%"))
            .send()
            .await
            .unwrap();
        assert_eq!(get.status(), StatusCode::BAD_REQUEST);
        let unknown = http
            .get(server.url_for("/scep?operation=Nope"))
            .send()
            .await
            .unwrap();
        assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
        let cacert = http
            .get(server.url_for("/scep?operation=GetCACert"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            cacert.headers()["content-type"],
            "application/x-x509-ca-cert"
        );
        let der = cacert.bytes().await.unwrap();
        let from_pem = server.state().mdm.device_ca().await.unwrap();
        assert_eq!(
            der.to_vec(),
            from_pem.authority().certificate_der().unwrap()
        );
    })
    .await;
}
