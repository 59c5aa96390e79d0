//! Admin mutations are audited, and the audit log pages.

use cultivar_api_types::{AuditPage, CreatedApiKey};
use cultivar_testkit::{Backend, TestServer};
use reqwest::StatusCode;
use serde_json::json;

async fn create_key(server: &TestServer, name: &str) -> CreatedApiKey {
    server
        .http()
        .post(server.url_for("/api/v1/api-keys"))
        .bearer_auth(server.admin_key())
        .json(&json!({"name": name, "role": "admin"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn audit(server: &TestServer, query: &str) -> reqwest::Response {
    server
        .http()
        .get(server.url_for(&format!("/api/v1/audit{query}")))
        .bearer_auth(server.read_only_key())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn mutations_are_recorded_with_the_acting_key() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let created = create_key(&server, "ops").await;
    let url = server.url_for(&format!("/api/v1/api-keys/{}", created.api_key.id));
    server
        .http()
        .delete(url)
        .bearer_auth(server.admin_key())
        .send()
        .await
        .unwrap();

    let page: AuditPage = audit(&server, "").await.json().await.unwrap();
    let actions: Vec<&str> = page.entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["api_key.revoke", "api_key.create"],
        "newest first"
    );
    let admin_id = server
        .store()
        .list_api_keys()
        .await
        .unwrap()
        .into_iter()
        .find(|k| k.name == "testkit-admin")
        .unwrap()
        .id;
    assert_eq!(page.entries[1].actor, format!("api_key:{admin_id}"));
    assert_eq!(
        page.entries[1].target.as_deref(),
        Some(created.api_key.id.to_string().as_str())
    );
    assert_eq!(
        page.entries[1].detail,
        json!({"name": "ops", "role": "admin"})
    );
    assert!(
        !serde_json::to_string(&page).unwrap().contains(&created.key),
        "no secrets in the audit log"
    );
}

#[tokio::test]
async fn pages_follow_next_before() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    for i in 0..3 {
        create_key(&server, &format!("k{i}")).await;
    }
    let first: AuditPage = audit(&server, "?limit=2").await.json().await.unwrap();
    assert_eq!(first.entries.len(), 2);
    let before = first.next_before.unwrap();
    let second: AuditPage = audit(&server, &format!("?limit=2&before={before}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second.entries.len(), 1);
    assert_eq!(second.next_before, None);
    assert!(second.entries[0].id < before);
}

#[tokio::test]
async fn bad_paging_values_name_the_parameter() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let response = audit(&server, "?limit=0").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["field"], "limit");
    let response = audit(&server, "?limit=lots").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["field"], "query");
}
