//! Extractor rejections and unknown routes use the API error envelope.

use cultivar_testkit::{Backend, TestServer};
use reqwest::StatusCode;

#[tokio::test]
async fn bad_json_uses_the_error_envelope() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let post = || {
        server
            .http()
            .post(server.url_for("/api/v1/api-keys"))
            .bearer_auth(server.admin_key())
    };

    let syntax = post()
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(syntax.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = syntax.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("body: "),
        "{body}"
    );

    let shape = post()
        .json(&serde_json::json!({"name": "x", "role": "root"}))
        .send()
        .await
        .unwrap();
    assert_eq!(shape.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = shape.json().await.unwrap();
    assert_eq!(body["error"]["field"], "body");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("role"),
        "{body}"
    );

    let no_type = post().body("{}").send().await.unwrap();
    assert_eq!(no_type.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = no_type.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid");
}

#[tokio::test]
async fn bad_path_parameter_is_invalid_after_authentication() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let url = server.url_for("/api/v1/api-keys/not-a-uuid");
    assert_eq!(
        server.http().delete(&url).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let response = server
        .http()
        .delete(&url)
        .bearer_auth(server.admin_key())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["field"], "path");
}

#[tokio::test]
async fn unknown_routes_are_404_in_the_right_format() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let api = server
        .http()
        .get(server.url_for("/api/v1/nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), StatusCode::NOT_FOUND);
    let body: serde_json::Value = api.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    let page = server
        .http()
        .get(server.url_for("/nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
}
