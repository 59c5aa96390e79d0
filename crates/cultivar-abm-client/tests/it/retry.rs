//! Retries: Retry-After, exponential backoff with a cap, giving up, what never retries.

use crate::mock::{client, client_for, exact_policy, fixture, Mock, Reply};
use cultivar_abm_client::backoff::MIN_RETRY_AFTER;
use cultivar_abm_client::{AbmError, RetryPolicy};
use std::time::{Duration, SystemTime};

fn ms(v: &[u64]) -> Vec<Duration> {
    v.iter().map(|&m| Duration::from_millis(m)).collect()
}

fn account_ok(mock: &Mock) {
    mock.default(
        "GET /account",
        Reply::new(200, fixture("dep-api-json/account_response.json")),
    );
}

fn long_cap_policy() -> RetryPolicy {
    RetryPolicy {
        max_delay: Duration::from_secs(60),
        ..exact_policy(3)
    }
}

#[tokio::test]
async fn a_429_with_retry_after_seconds_waits_that_long_then_succeeds() {
    let mock = Mock::start().await;
    mock.queue(
        "GET /account",
        Reply::new(429, "TOO_MANY_REQUESTS").header("Retry-After", "7"),
    );
    account_ok(&mock);
    let (client, sleeper) = client_for(&mock.base_url(), long_cap_policy());
    client.account().await.expect("account after waiting");
    assert_eq!(sleeper.delays(), vec![Duration::from_secs(7)]);
    assert_eq!(mock.count("GET /account"), 2);
    assert_eq!(mock.count("GET /session"), 1);
}

#[tokio::test]
async fn a_503_with_an_http_date_is_honoured_with_a_floor_and_a_cap() {
    let mock = Mock::start().await;
    let past = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(3600));
    let far = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(86_400));
    mock.queue(
        "GET /account",
        Reply::new(503, "").header("Retry-After", &past),
    );
    mock.queue(
        "GET /account",
        Reply::new(503, "").header("Retry-After", &far),
    );
    account_ok(&mock);
    let policy = long_cap_policy();
    let (client, sleeper) = client_for(&mock.base_url(), policy);
    client.account().await.expect("account after two waits");
    // A date in the past means "now", but never a zero-delay loop; a day ahead is capped.
    assert_eq!(sleeper.delays(), vec![MIN_RETRY_AFTER, policy.max_delay]);
}

#[tokio::test]
async fn a_persistent_429_gives_up_with_apples_uncapped_retry_after() {
    let mock = Mock::start().await;
    mock.default(
        "GET /account",
        Reply::new(429, "TOO_MANY_REQUESTS").header("Retry-After", "100000"),
    );
    let (client, sleeper) = client_for(&mock.base_url(), long_cap_policy());
    let err = client.account().await.expect_err("rate limited");
    assert_eq!(
        err,
        AbmError::RateLimited {
            retry_after: Some(Duration::from_secs(100_000))
        }
    );
    assert!(err.is_retryable());
    assert_eq!(mock.count("GET /account"), 3);
    assert_eq!(sleeper.delays(), vec![Duration::from_secs(60); 2]);
}

#[tokio::test]
async fn server_errors_back_off_exponentially_up_to_the_cap_then_give_up() {
    let mock = Mock::start().await;
    mock.default("GET /account", Reply::new(500, "<html>Internal</html>"));
    let (client, sleeper) = client_for(&mock.base_url(), exact_policy(5));
    let err = client.account().await.expect_err("500 forever");
    match &err {
        AbmError::Server { status, body, .. } => {
            assert_eq!(*status, 500);
            assert!(body.contains("Internal"));
        }
        other => panic!("expected Server, got {other:?}"),
    }
    assert_eq!(mock.count("GET /account"), 5);
    assert_eq!(sleeper.delays(), ms(&[100, 200, 300, 300]));
}

#[tokio::test]
async fn jittered_backoff_stays_within_base_and_cap() {
    let mock = Mock::start().await;
    mock.default("GET /account", Reply::new(502, ""));
    let policy = RetryPolicy {
        jitter: true,
        ..exact_policy(6)
    };
    let (client, sleeper) = client_for(&mock.base_url(), policy);
    client.account().await.expect_err("502 forever");
    let delays = sleeper.delays();
    assert_eq!(delays.len(), 5);
    for d in delays {
        assert!(d >= policy.base_delay && d <= policy.max_delay, "{d:?}");
    }
}

#[tokio::test]
async fn a_503_without_retry_after_uses_backoff_and_recovers() {
    let mock = Mock::start().await;
    mock.queue("GET /account", Reply::new(503, "SERVICE_UNAVAILABLE"));
    mock.queue("GET /account", Reply::new(503, "SERVICE_UNAVAILABLE"));
    account_ok(&mock);
    let (client, sleeper) = client(&mock);
    client.account().await.expect("recovered");
    assert_eq!(sleeper.delays(), ms(&[100, 200]));
}

#[tokio::test]
async fn session_failures_are_retried_too() {
    let mock = Mock::start().await;
    mock.queue(
        "GET /session",
        Reply::new(429, "TOO_MANY_REQUESTS").header("Retry-After", "2"),
    );
    account_ok(&mock);
    let (client, sleeper) = client_for(&mock.base_url(), long_cap_policy());
    client.account().await.expect("account");
    assert_eq!(sleeper.delays(), vec![Duration::from_secs(2)]);
    assert_eq!(mock.count("GET /session"), 2);
    assert_eq!(mock.count("GET /account"), 1);
}

#[tokio::test]
async fn client_errors_never_retry() {
    let mock = Mock::start().await;
    mock.default("GET /account", Reply::new(400, "USER_AGENT_INVALID"));
    mock.default("GET /profile", Reply::new(404, "PROFILE_NOT_FOUND"));
    let (client, sleeper) = client(&mock);
    let err = client.account().await.expect_err("400");
    assert_eq!(err.code(), Some("USER_AGENT_INVALID"));
    assert!(matches!(err, AbmError::BadRequest { status: 400, .. }));
    let err = client.get_profile("P1").await.expect_err("404");
    assert!(
        matches!(err, AbmError::BadRequest { status: 404, .. }),
        "{err:?}"
    );
    assert_eq!(err.code(), Some("PROFILE_NOT_FOUND"));
    assert!(!err.is_retryable());
    assert_eq!(mock.count("GET /account"), 1);
    assert_eq!(mock.count("GET /profile"), 1);
    assert!(sleeper.delays().is_empty());
}

#[tokio::test]
async fn connection_failures_retry_with_backoff_then_report_transport() {
    // Bind and drop: nothing listens on that port any more.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let (client, sleeper) = client_for(&format!("http://{addr}"), exact_policy(3));
    let err = client.account().await.expect_err("nothing listening");
    assert!(matches!(err, AbmError::Transport(_)), "{err:?}");
    assert!(err.is_retryable());
    assert!(err.to_string().contains("/session"), "{err}");
    assert_eq!(sleeper.delays(), ms(&[100, 200]));
}

#[tokio::test]
async fn an_unparseable_success_body_is_malformed_and_not_retried() {
    let mock = Mock::start().await;
    mock.default("GET /account", Reply::new(200, "<html>maintenance</html>"));
    let (client, sleeper) = client(&mock);
    let err = client.account().await.expect_err("html");
    match err {
        AbmError::Malformed { endpoint, .. } => assert_eq!(endpoint, "/account"),
        other => panic!("expected Malformed, got {other:?}"),
    }
    assert!(sleeper.delays().is_empty());
}
