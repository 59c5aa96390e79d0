//! Step 4 refused: every bad upload names the field and the rule, and the token in use stays.

use cultivar_crypto::ContentCipher;
use reqwest::StatusCode;

use super::{by_id, connected, escape, signed_in, Console, TestSim};

/// A well-formed token for `certificate_pem` that expired on 2020-01-01.
fn expired_token(certificate_pem: &str) -> Vec<u8> {
    let json = r#"{"consumer_key":"CK_expired","consumer_secret":"CS_x","access_token":"AT_x","access_secret":"AS_x","access_token_expiry":"2020-01-01T00:00:00Z"}"#;
    let plaintext = format!(
        "Content-Type: text/plain;charset=UTF-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n\
         -----BEGIN MESSAGE-----\n{json}\n-----END MESSAGE-----\n"
    );
    cultivar_crypto::encrypt_server_token(
        plaintext.as_bytes(),
        certificate_pem.as_bytes(),
        ContentCipher::Aes128Cbc,
    )
    .unwrap()
}

async fn consumer_key(console: &Console) -> String {
    let servers = console.server.state().abm.list().await.unwrap();
    servers[0].token.as_ref().unwrap().consumer_key.clone()
}

#[tokio::test]
async fn bad_uploads_show_the_rule_and_keep_the_token() {
    let sim = TestSim::start(0).await;
    let console = signed_in().await;
    let (entry, _) = connected(&console, &sim, "Keep").await;
    let in_use = consumer_key(&console).await;
    let pem = console.public_key(&entry).await;
    // A token of an ABM server registered with another key pair.
    let other = cultivar_crypto::generate_token_keypair("other").unwrap();
    let other = sim
        .admin()
        .register_server("Other", &other.certificate_pem)
        .await
        .unwrap();
    let other = sim
        .admin()
        .download_token(&other.server_uuid, None, None)
        .await
        .unwrap();
    // A second ABM server given this entry's key: decrypts, but has another consumer key.
    let twin = sim.admin().register_server("Twin", &pem).await.unwrap();
    let twin = sim
        .admin()
        .download_token(&twin.server_uuid, None, None)
        .await
        .unwrap();

    let cases = [
        (
            "empty",
            Vec::new(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "token: the file is empty",
        ),
        (
            "not a p7m",
            b"hello, not a token".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "not an S/MIME enveloped-data file",
        ),
        (
            "another key",
            other.bytes,
            StatusCode::UNPROCESSABLE_ENTITY,
            "encrypted for another certificate",
        ),
        (
            "expired",
            expired_token(&pem),
            StatusCode::UNPROCESSABLE_ENTITY,
            "token: this server token expired on 2020-01-01",
        ),
        (
            "another server",
            twin.bytes.clone(),
            StatusCode::CONFLICT,
            "belongs to a different ABM MDM server",
        ),
        (
            "over core's limit",
            vec![b'x'; 70 * 1024],
            StatusCode::UNPROCESSABLE_ENTITY,
            "token: the file is larger than 64 KiB",
        ),
        (
            "over the body limit",
            vec![b'x'; 600 * 1024],
            StatusCode::PAYLOAD_TOO_LARGE,
            "token: the file is larger than 64 KiB",
        ),
    ];
    for (label, bytes, status, rule) in cases {
        let response = console.upload(&entry, &console.csrf, bytes, false).await;
        assert_eq!(response.status(), status, "{label}");
        let html = response.text().await.unwrap();
        let shown = by_id(&html, "abm-upload-error");
        assert!(shown.contains(&escape(rule)), "{label}: {shown}");
        assert_eq!(by_id(&html, "abm-status"), "Active", "{label}");
        assert_eq!(
            consumer_key(&console).await,
            in_use,
            "{label}: the token in use stays"
        );
    }

    let forced = console
        .upload(&entry, &console.csrf, twin.bytes, true)
        .await;
    assert_eq!(forced.status(), StatusCode::SEE_OTHER, "force replaces it");
    let html = console.get(&entry).await.1;
    assert_eq!(by_id(&html, "abm-server-name"), "Twin");
    assert_ne!(consumer_key(&console).await, in_use);
}

#[tokio::test]
async fn checking_before_any_token_says_what_is_missing() {
    let console = signed_in().await;
    let entry = console.create("Fresh", "").await;
    let html = console.get(&format!("{entry}?done=created")).await.1;
    assert!(html.contains("ABM server entry created."), "{html}");
    assert_eq!(by_id(&html, "abm-status"), "Awaiting server token");
    assert!(
        html.contains("Settings &gt; MDM Server"),
        "step 2 says where to go"
    );
    let response = console
        .post(
            &format!("{entry}/refresh"),
            &[("csrf_token", &console.csrf)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("token: no server token has been uploaded"),
        "{html}"
    );
}
