//! Session handling: OAuth-signed /session, re-authentication, rotation, single flight.

use crate::mock::{client, fixture, Mock, Reply};
use cultivar_abm_client::{AbmError, DEFAULT_USER_AGENT};
use cultivar_abm_proto::oauth::{parse_authorization_header, verify};

fn account_ok(mock: &Mock) {
    mock.default(
        "GET /account",
        Reply::new(200, fixture("dep-api-json/account_response.json")),
    );
}

#[tokio::test]
async fn session_is_oauth_signed_and_calls_carry_apple_headers() {
    let mock = Mock::start().await;
    account_ok(&mock);
    let (client, _) = client(&mock);
    let account = client.account().await.expect("account");
    assert!(!account.server_uuid.is_empty());

    let session = &mock.requests("GET /session")[0];
    let auth = session.header("authorization").expect("Authorization");
    let parsed = parse_authorization_header(auth).expect("OAuth header");
    assert_eq!(parsed.realm.as_deref(), Some("ADM"));
    assert_eq!(parsed.get("oauth_consumer_key").expect("ck"), "CK_test");
    assert_eq!(parsed.get("oauth_token").expect("token"), "AT_test");
    let url = format!("{}/session", mock.base_url());
    assert!(verify("GET", &url, &parsed, "CS_test", "AS_test").expect("verify"));
    assert!(!verify("GET", &url, &parsed, "CS_test", "AS_other").expect("verify"));
    assert_eq!(
        session.header("content-type"),
        Some("application/json;charset=UTF8")
    );
    assert_eq!(session.header("user-agent"), Some(DEFAULT_USER_AGENT));
    assert!(DEFAULT_USER_AGENT.starts_with("cultivar/"));
    assert_eq!(session.header("x-server-protocol-version"), Some("10"));

    let call = &mock.requests("GET /account")[0];
    assert_eq!(call.header("x-adm-auth-session"), Some("session-1"));
    assert_eq!(call.header("x-server-protocol-version"), Some("10"));
    assert_eq!(call.header("user-agent"), Some(DEFAULT_USER_AGENT));
    assert_eq!(call.header("accept"), Some("application/json;charset=UTF8"));
    assert_eq!(call.header("content-type"), None, "GET has no body");
    assert_eq!(call.header("authorization"), None);
}

#[tokio::test]
async fn a_401_reauthenticates_once_and_replays() {
    let mock = Mock::start().await;
    mock.queue("GET /account", Reply::new(401, "UNAUTHORIZED"));
    account_ok(&mock);
    let (client, sleeper) = client(&mock);
    client.account().await.expect("account after re-auth");
    assert_eq!(mock.count("GET /session"), 2);
    let calls = mock.requests("GET /account");
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].header("x-adm-auth-session"), Some("session-1"));
    assert_eq!(calls[1].header("x-adm-auth-session"), Some("session-2"));
    assert!(sleeper.delays().is_empty(), "re-auth is not a retry");
    // The fresh session is kept for the next call.
    client.account().await.expect("account");
    assert_eq!(mock.count("GET /session"), 2);
}

#[tokio::test]
async fn a_persistent_401_is_unauthorized_after_exactly_one_reauth() {
    let mock = Mock::start().await;
    mock.default("GET /account", Reply::new(401, "UNAUTHORIZED"));
    let (client, sleeper) = client(&mock);
    let err = client.account().await.expect_err("401 twice");
    assert!(matches!(err, AbmError::Unauthorized { .. }), "{err:?}");
    assert!(err.is_auth_error() && !err.is_retryable());
    assert_eq!(mock.count("GET /session"), 2);
    assert_eq!(mock.count("GET /account"), 2);
    assert!(sleeper.delays().is_empty());
}

#[tokio::test]
async fn session_refused_is_unauthorized_without_calling_the_api() {
    let mock = Mock::start().await;
    mock.default("GET /session", Reply::new(401, "UNAUTHORIZED"));
    let (client, _) = client(&mock);
    let err = client.account().await.expect_err("bad token");
    assert!(matches!(err, AbmError::Unauthorized { .. }), "{err:?}");
    assert!(err.to_string().contains("/session"), "{err}");
    assert_eq!(mock.count("GET /account"), 0);
    assert_eq!(mock.count("GET /session"), 1);
}

#[tokio::test]
async fn a_403_forbidden_reauthenticates_and_a_second_one_is_typed() {
    let mock = Mock::start().await;
    mock.queue("GET /account", Reply::new(403, "\"FORBIDDEN\""));
    account_ok(&mock);
    let (client, _) = client(&mock);
    client.account().await.expect("account after re-auth");
    assert_eq!(mock.count("GET /session"), 2);

    let mock = Mock::start().await;
    mock.default("GET /account", Reply::new(403, "FORBIDDEN"));
    let (client, _) = crate::mock::client(&mock);
    let err = client.account().await.expect_err("403 twice");
    assert!(matches!(err, AbmError::Forbidden { .. }), "{err:?}");
    assert_eq!(err.code(), Some("FORBIDDEN"));
    assert_eq!(mock.count("GET /session"), 2);
    assert_eq!(mock.count("GET /account"), 2);
}

#[tokio::test]
async fn terms_not_signed_in_every_body_shape_without_reauth() {
    for body in [
        r#"{"code":"T_C_NOT_SIGNED"}"#,
        "T_C_NOT_SIGNED",
        "\"T_C_NOT_SIGNED\"",
    ] {
        let mock = Mock::start().await;
        mock.default("GET /account", Reply::new(403, body));
        let (client, _) = client(&mock);
        let err = client.account().await.expect_err(body);
        assert_eq!(err, AbmError::TermsNotSigned, "{body}");
        assert!(err.is_auth_error());
        assert!(err.to_string().contains("terms"), "{err}");
        assert_eq!(mock.count("GET /session"), 1, "{body}");
        assert_eq!(mock.count("GET /account"), 1, "{body}");
    }
}

#[tokio::test]
async fn access_denied_is_typed_without_reauth() {
    let mock = Mock::start().await;
    mock.default("GET /account", Reply::new(403, "ACCESS_DENIED"));
    let (client, _) = client(&mock);
    let err = client.account().await.expect_err("denied");
    assert!(matches!(err, AbmError::AccessDenied { .. }), "{err:?}");
    assert_eq!(mock.count("GET /session"), 1);
}

#[tokio::test]
async fn a_rotated_session_header_is_used_on_the_next_call() {
    let mock = Mock::start().await;
    let account = fixture("dep-api-json/account_response.json");
    mock.queue(
        "GET /account",
        Reply::new(200, account.clone()).header("X-ADM-Auth-Session", "rotated-1"),
    );
    account_ok(&mock);
    let (client, _) = client(&mock);
    client.account().await.expect("first");
    client.account().await.expect("second");
    let calls = mock.requests("GET /account");
    assert_eq!(calls[0].header("x-adm-auth-session"), Some("session-1"));
    assert_eq!(calls[1].header("x-adm-auth-session"), Some("rotated-1"));
    assert_eq!(client.current_session().as_deref(), Some("rotated-1"));
    assert_eq!(mock.count("GET /session"), 1);
}

/// On the current-thread test runtime every spawned call starts (and reaches the session lock or
/// the socket) before the mock answers the first `/session`, so without the single-flight lock
/// each would authenticate.
#[tokio::test]
async fn concurrent_calls_without_a_session_authenticate_once() {
    let mock = Mock::start().await;
    account_ok(&mock);
    let (client, _) = client(&mock);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let client = client.clone();
        tasks.spawn(async move { client.account().await });
    }
    while let Some(joined) = tasks.join_next().await {
        joined.expect("task").expect("account");
    }
    assert_eq!(mock.count("GET /session"), 1);
    let calls = mock.requests("GET /account");
    assert_eq!(calls.len(), 8);
    assert!(calls
        .iter()
        .all(|c| c.header("x-adm-auth-session") == Some("session-1")));
}
