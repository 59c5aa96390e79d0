//! Walks the route registry: every `/api/v1` route must enforce its declared access.

use cultivar_server::api::{route_specs, Access, ApiMethod, RouteSpec};
use cultivar_testkit::{both_backends, TestServer};
use reqwest::StatusCode;

fn request(server: &TestServer, spec: &RouteSpec, key: Option<&str>) -> reqwest::RequestBuilder {
    // Path parameters get a syntactically valid id that names nothing.
    let path = spec
        .path
        .replace("{id}", "00000000-0000-4000-8000-000000000000");
    let url = server.url_for(&path);
    let http = server.http();
    let mut builder = match spec.method {
        ApiMethod::Get => http.get(url),
        ApiMethod::Post => http.post(url).json(&serde_json::json!({})),
        ApiMethod::Put => http.put(url).json(&serde_json::json!({})),
        ApiMethod::Patch => http.patch(url).json(&serde_json::json!({})),
        ApiMethod::Delete => http.delete(url),
    };
    if let Some(key) = key {
        builder = builder.bearer_auth(key);
    }
    builder
}

async fn status(server: &TestServer, spec: &RouteSpec, key: Option<&str>) -> StatusCode {
    request(server, spec, key).send().await.unwrap().status()
}

async fn check_route(server: &TestServer, spec: &RouteSpec, revoked: &str) {
    let name = format!("{} {}", spec.method.as_str(), spec.path);
    if spec.access == Access::Public {
        assert!(
            status(server, spec, None).await.is_success(),
            "{name} is public"
        );
        return;
    }
    let bogus = cultivar_core::auth::generate_api_key();
    for (label, key) in [
        ("no key", None),
        ("unknown key", Some(bogus.as_str())),
        ("malformed key", Some("cvk_nope")),
        ("revoked key", Some(revoked)),
    ] {
        let response = request(server, spec, key).send().await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{name} with {label}"
        );
        assert_eq!(
            response.headers()["www-authenticate"],
            "Bearer realm=\"cultivar\"",
            "{name}"
        );
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthorized", "{name}");
    }
    let read_only = status(server, spec, Some(server.read_only_key())).await;
    match spec.access {
        Access::Admin => assert_eq!(
            read_only,
            StatusCode::FORBIDDEN,
            "{name} refuses read-only keys"
        ),
        _ => assert!(
            read_only != StatusCode::FORBIDDEN && read_only != StatusCode::UNAUTHORIZED,
            "{name} allows read-only keys, got {read_only}"
        ),
    }
    let admin = status(server, spec, Some(server.admin_key())).await;
    assert!(
        admin != StatusCode::FORBIDDEN && admin != StatusCode::UNAUTHORIZED,
        "{name} allows admin keys, got {admin}"
    );
}

#[tokio::test]
async fn every_api_route_enforces_its_access() {
    both_backends(|server| async move {
        let (revoked, key) = cultivar_core::auth::create_api_key(
            &**server.store(),
            "revoked",
            cultivar_store::Role::Admin,
        )
        .await
        .unwrap();
        server
            .store()
            .revoke_api_key(key.id, server.state().now())
            .await
            .unwrap();
        let specs = route_specs();
        assert!(specs.len() >= 6, "registry lists the routes: {specs:?}");
        for spec in &specs {
            check_route(&server, spec, &revoked).await;
        }
        server.shutdown().await;
    })
    .await;
}

#[test]
fn read_only_keys_are_limited_to_get_routes() {
    for spec in route_specs() {
        if spec.access == Access::Read {
            assert_eq!(
                spec.method,
                ApiMethod::Get,
                "{} {} is Read but not GET",
                spec.method.as_str(),
                spec.path
            );
        }
    }
}

#[test]
fn every_route_is_in_the_openapi_document() {
    let doc = serde_json::to_value(cultivar_server::api::openapi::document()).unwrap();
    for spec in route_specs()
        .iter()
        .filter(|s| s.path != "/api/v1/openapi.json")
    {
        let method = spec.method.as_str().to_lowercase();
        assert!(
            doc["paths"][spec.path][&method].is_object(),
            "{method} {} missing from OpenAPI",
            spec.path
        );
    }
}
