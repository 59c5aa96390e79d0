//! `/healthz`, `/metrics`, the OpenAPI document, security headers and shutdown.

use cultivar_testkit::{Backend, TestServer};
use reqwest::StatusCode;

#[tokio::test]
async fn healthz_reports_the_database() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let response = server
        .http()
        .get(server.url_for("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body, serde_json::json!({"status": "ok", "database": "ok"}));

    // With the pool closed the ping fails and the answer turns 503.
    server.store().close().await;
    let response = server
        .http()
        .get(server.url_for("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["database"], "unavailable");
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    // A second server in the same process shares the recorder instead of panicking.
    let other = TestServer::start(Backend::Sqlite).await.unwrap();
    server
        .http()
        .get(server.url_for("/api/v1/whoami"))
        .send()
        .await
        .unwrap();
    other
        .http()
        .get(other.url_for("/healthz"))
        .send()
        .await
        .unwrap();
    let text = server
        .http()
        .get(server.url_for("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("cultivar_build_info{version=\""), "{text}");
    let counter = text.lines().find(|l| {
        l.starts_with("http_requests_total{")
            && l.contains("route=\"/api/v1/whoami\"")
            && l.contains("status=\"401\"")
    });
    assert!(counter.is_some(), "{text}");
    assert!(
        text.contains("http_request_duration_seconds_bucket{"),
        "{text}"
    );
}

#[tokio::test]
async fn openapi_document_is_public_and_describes_bearer_auth() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let doc: serde_json::Value = server
        .http()
        .get(server.url_for("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert!(
        doc["components"]["schemas"]["ApiKeyView"].is_object(),
        "{doc}"
    );
}

#[tokio::test]
async fn responses_carry_security_headers() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    for path in ["/login", "/healthz", "/api/v1/whoami"] {
        let response = server
            .http()
            .get(server.url_for(path))
            .send()
            .await
            .unwrap();
        let headers = response.headers();
        assert!(
            headers["content-security-policy"]
                .to_str()
                .unwrap()
                .starts_with("default-src 'self'"),
            "{path}"
        );
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert!(headers.contains_key("referrer-policy"), "{path}");
    }
}

#[tokio::test]
async fn shutdown_completes_and_frees_the_port() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let addr = server.addr();
    server.shutdown().await;
    assert!(reqwest::get(format!("http://{addr}/healthz"))
        .await
        .is_err());
}
