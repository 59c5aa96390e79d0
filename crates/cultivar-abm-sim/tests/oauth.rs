//! `/session` OAuth verification, session lifetime and rotation, and the token file.

mod common;

use common::*;
use cultivar_abm_sim::SessionConfig;
use reqwest::Method;

#[tokio::test]
async fn good_signature_opens_a_session_with_apple_content_type() {
    let h = Harness::start(options()).await;
    let m = register(&h, "Main").await;
    let (status, body, headers) =
        session_with(&h, &signed_header(&h, &m.token, now_secs(), &nonce())).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(headers["content-type"], "application/json;charset=UTF8");
    let s = body["auth_session_token"].as_str().expect("token");
    let acct = api(&h, Method::GET, "/account", s, None).await;
    assert_eq!(acct.status, 200, "{}", acct.body);
    assert_eq!(acct.body["server_uuid"], m.server_uuid.as_str());
    assert_eq!(acct.body["server_name"], "Main");
    assert_eq!(acct.body["admin_id"], "abm-admin@example.com");
    let fetch = acct.body["urls"]
        .as_array()
        .expect("urls")
        .iter()
        .find(|u| u["uri"] == "/server/devices")
        .expect("fetch url")
        .clone();
    assert_eq!(
        fetch["limit"],
        serde_json::json!({"default": 100, "maximum": 1000})
    );
    h.stop().await;
}

#[tokio::test]
async fn bad_signature_unknown_key_and_skewed_timestamp_are_401() {
    let h = Harness::start(options()).await;
    let m = register(&h, "Main").await;
    let mut wrong = m.token.clone();
    wrong.access_secret.push('x');
    let (status, body, _) =
        session_with(&h, &signed_header(&h, &wrong, now_secs(), &nonce())).await;
    assert_eq!((status, body.as_str()), (401, Some("UNAUTHORIZED")));

    let mut unknown = m.token.clone();
    unknown.consumer_key = "CK_unknown".into();
    let (status, _, _) = session_with(&h, &signed_header(&h, &unknown, now_secs(), &nonce())).await;
    assert_eq!(status, 401);

    let (status, _, _) =
        session_with(&h, &signed_header(&h, &m.token, now_secs() - 600, &nonce())).await;
    assert_eq!(status, 401, "timestamp ten minutes off");

    let (status, _, _) = session_with(&h, "OAuth realm=\"ADM\", oauth_consumer_key=\"x\"").await;
    assert_eq!(status, 400, "missing OAuth parameters");
    h.stop().await;
}

#[tokio::test]
async fn replayed_nonce_is_refused() {
    let h = Harness::start(options()).await;
    let m = register(&h, "Main").await;
    let header = signed_header(&h, &m.token, now_secs(), "same-nonce");
    assert_eq!(session_with(&h, &header).await.0, 200);
    assert_eq!(session_with(&h, &header).await.0, 401);
    h.stop().await;
}

#[tokio::test]
async fn redownload_makes_the_old_token_and_its_sessions_stale() {
    let h = Harness::start(options()).await;
    let m = register(&h, "Main").await;
    let old_session = session(&h, &m.token).await;
    let file = h
        .admin
        .download_token(&m.server_uuid, Some(30), Some("other@example.com"))
        .await
        .expect("token");
    let fresh = decrypt(&file.bytes, &m.key_pem, &m.cert_pem);
    assert_eq!(
        fresh.consumer_key, m.token.consumer_key,
        "consumer key is stable per server"
    );
    assert_ne!(fresh.access_token, m.token.access_token);

    let (status, _, _) = session_with(&h, &signed_header(&h, &m.token, now_secs(), &nonce())).await;
    assert_eq!(status, 401, "old access token");
    assert_error(
        &api(&h, Method::GET, "/account", &old_session, None).await,
        401,
        "UNAUTHORIZED",
    );
    let s = session(&h, &fresh).await;
    let acct = api(&h, Method::GET, "/account", &s, None).await;
    assert_eq!(acct.body["admin_id"], "other@example.com");
    h.stop().await;
}

#[tokio::test]
async fn expired_and_revoked_tokens_are_401() {
    let h = Harness::start(options()).await;
    let m = register(&h, "Main").await;
    let file = h
        .admin
        .download_token(&m.server_uuid, Some(1), None)
        .await
        .expect("token");
    let short = decrypt(&file.bytes, &m.key_pem, &m.cert_pem);
    let s = session(&h, &short).await;
    h.admin.advance_clock(86_400 + 1).await.expect("advance");
    let (status, _, _) = session_with(&h, &signed_header(&h, &short, now_secs(), &nonce())).await;
    assert_eq!(status, 401, "expired token");
    assert_eq!(api(&h, Method::GET, "/account", &s, None).await.status, 401);

    let file = h
        .admin
        .download_token(&m.server_uuid, None, None)
        .await
        .expect("token");
    let renewed = decrypt(&file.bytes, &m.key_pem, &m.cert_pem);
    let s = session(&h, &renewed).await;
    let info = h.admin.expire_token(&m.server_uuid).await.expect("expire");
    assert!(info.token_expired);
    assert_eq!(api(&h, Method::GET, "/account", &s, None).await.status, 401);
    let (status, _, _) = session_with(&h, &signed_header(&h, &renewed, now_secs(), &nonce())).await;
    assert_eq!(status, 401, "revoked token");
    h.stop().await;
}

#[tokio::test]
async fn sessions_expire_on_the_sim_clock_and_can_be_invalidated() {
    let h = Harness::start(options()).await;
    let m = register(&h, "Main").await;
    let s = session(&h, &m.token).await;
    assert_eq!(api(&h, Method::GET, "/account", &s, None).await.status, 200);
    h.admin.advance_clock(29 * 60).await.expect("advance");
    assert_eq!(api(&h, Method::GET, "/account", &s, None).await.status, 200);
    h.admin.advance_clock(2 * 60).await.expect("advance");
    assert_error(
        &api(&h, Method::GET, "/account", &s, None).await,
        401,
        "UNAUTHORIZED",
    );

    let s = session(&h, &m.token).await;
    assert_eq!(
        h.admin
            .invalidate_sessions()
            .await
            .expect("invalidate")
            .removed,
        1
    );
    assert_eq!(api(&h, Method::GET, "/account", &s, None).await.status, 401);
    let missing = h
        .http
        .get(format!("{}/account", h.base))
        .send()
        .await
        .expect("send");
    assert_eq!(missing.status().as_u16(), 401, "no X-ADM-Auth-Session");
    h.stop().await;
}

#[tokio::test]
async fn rotation_hands_out_a_new_session_and_keeps_the_old_one_briefly() {
    let h = Harness::start(options()).await;
    let m = register(&h, "Main").await;
    let config = SessionConfig {
        ttl_secs: 1800,
        rotate_every: Some(2),
        grace_secs: 30,
    };
    h.admin.set_session_config(&config).await.expect("config");
    let s = session(&h, &m.token).await;
    let first = api(&h, Method::GET, "/account", &s, None).await;
    assert!(first.headers.get("x-adm-auth-session").is_none());
    let second = api(&h, Method::GET, "/account", &s, None).await;
    let rotated = second.headers["x-adm-auth-session"]
        .to_str()
        .expect("ascii")
        .to_string();
    assert_ne!(rotated, s);
    assert_eq!(
        api(&h, Method::GET, "/account", &s, None).await.status,
        200,
        "grace"
    );
    h.admin.advance_clock(31).await.expect("advance");
    assert_eq!(api(&h, Method::GET, "/account", &s, None).await.status, 401);
    assert_eq!(
        api(&h, Method::GET, "/account", &rotated, None)
            .await
            .status,
        200
    );
    h.stop().await;
}

#[tokio::test]
async fn token_file_is_an_apple_style_smime_download() {
    let h = Harness::start(options()).await;
    let kp = cultivar_crypto::generate_token_keypair("cultivar-test").expect("keypair");
    let info = h
        .admin
        .register_server("Dept Server", &kp.certificate_pem)
        .await
        .expect("register");
    assert_eq!(info.server_uuid.len(), 32);
    assert!(info
        .server_uuid
        .chars()
        .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()));
    let url = format!(
        "{}/_sim/servers/{}/token?valid_days=10",
        h.base, info.server_uuid
    );
    let resp = h.http.post(url).send().await.expect("send");
    assert_eq!(resp.headers()["content-type"], "application/pkcs7-mime");
    let disposition = resp.headers()["content-disposition"]
        .to_str()
        .expect("ascii")
        .to_string();
    assert!(
        disposition.contains("filename=\"Dept_Server_Token_"),
        "{disposition}"
    );
    assert!(disposition.ends_with("_smime.p7m\""), "{disposition}");
    let bytes = resp.bytes().await.expect("bytes");
    assert!(String::from_utf8_lossy(&bytes).contains("application/pkcs7-mime"));
    let token = decrypt(&bytes, &kp.private_key_pem, &kp.certificate_pem);
    assert!(token.consumer_key.starts_with("CK_") && token.access_token.starts_with("AT_O"));
    let now_ms = h.admin.clock().await.expect("clock").now_ms;
    let now = time::OffsetDateTime::from_unix_timestamp(now_ms / 1000).expect("time");
    let days = (token.access_token_expiry - now).whole_days();
    assert!((9..=10).contains(&days), "valid_days=10 gives {days} days");
    h.stop().await;
}
