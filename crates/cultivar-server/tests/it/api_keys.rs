//! `/api/v1/api-keys` and `/api/v1/whoami` over HTTP.

use cultivar_api_types::{ApiKeyView, ApiRole, CreatedApiKey, WhoAmI};
use cultivar_testkit::{Backend, TestServer};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn whoami_names_the_key() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let me: WhoAmI = server
        .http()
        .get(server.url_for("/api/v1/whoami"))
        .bearer_auth(server.read_only_key())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me.kind, "api_key");
    assert_eq!(me.name, "testkit-read-only");
    assert_eq!(me.role, ApiRole::ReadOnly);
}

#[tokio::test]
async fn create_list_use_and_revoke_a_key() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let http = server.http();
    let response = http
        .post(server.url_for("/api/v1/api-keys"))
        .bearer_auth(server.admin_key())
        .json(&json!({"name": "deploy", "role": "read-only"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: CreatedApiKey = response.json().await.unwrap();
    assert!(
        created.key.starts_with(&created.api_key.prefix),
        "{created:?}"
    );
    assert_eq!(created.api_key.role, ApiRole::ReadOnly);

    let me = http
        .get(server.url_for("/api/v1/whoami"))
        .bearer_auth(&created.key)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);

    let listed: Vec<ApiKeyView> = http
        .get(server.url_for("/api/v1/api-keys"))
        .bearer_auth(&created.key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed.len(), 3);
    let text = serde_json::to_string(&listed).unwrap();
    assert!(!text.contains(&created.key), "listing never shows a key");

    let revoke = server.url_for(&format!("/api/v1/api-keys/{}", created.api_key.id));
    assert_eq!(
        http.delete(&revoke)
            .bearer_auth(server.admin_key())
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        http.delete(&revoke)
            .bearer_auth(server.admin_key())
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NO_CONTENT,
        "idempotent"
    );
    let after = http
        .get(server.url_for("/api/v1/whoami"))
        .bearer_auth(&created.key)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn duplicate_names_conflict_and_bad_names_are_invalid() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let post = |body: serde_json::Value| {
        server
            .http()
            .post(server.url_for("/api/v1/api-keys"))
            .bearer_auth(server.admin_key())
            .json(&body)
            .send()
    };
    let dup = post(json!({"name": "testkit-admin", "role": "admin"}))
        .await
        .unwrap();
    assert_eq!(dup.status(), StatusCode::CONFLICT);
    let body: serde_json::Value = dup.json().await.unwrap();
    assert_eq!(body["error"]["code"], "conflict");

    let blank = post(json!({"name": "  ", "role": "admin"})).await.unwrap();
    assert_eq!(blank.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = blank.json().await.unwrap();
    assert_eq!(body["error"]["field"], "name");
    assert_eq!(
        body["error"]["message"],
        "name: must be 1 to 100 characters"
    );
}

#[tokio::test]
async fn revoking_an_unknown_key_is_not_found() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let url = server.url_for(&format!("/api/v1/api-keys/{}", uuid::Uuid::new_v4()));
    let response = server
        .http()
        .delete(url)
        .bearer_auth(server.admin_key())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
}
