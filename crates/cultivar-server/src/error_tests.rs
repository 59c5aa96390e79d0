#![allow(clippy::unwrap_used)]

use axum::{body::to_bytes, http::StatusCode, response::IntoResponse};
use cultivar_core::CoreError;
use cultivar_store::StoreError;

use super::ApiError;

async fn render(err: ApiError) -> (StatusCode, Option<String>, serde_json::Value) {
    let response = err.into_response();
    let status = response.status();
    let auth = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = to_bytes(response.into_body(), 1 << 16).await.unwrap();
    (status, auth, serde_json::from_slice(&body).unwrap())
}

#[tokio::test]
async fn every_variant_has_its_status_and_code() {
    let cases = [
        (ApiError::Unauthorized, 401, "unauthorized"),
        (ApiError::Forbidden("no".into()), 403, "forbidden"),
        (ApiError::not_found("api key 1"), 404, "not_found"),
        (
            ApiError::invalid("name", "must not be empty"),
            422,
            "invalid",
        ),
        (
            ApiError::BadRequest {
                message: "body: bad".into(),
            },
            400,
            "invalid",
        ),
        (
            ApiError::Conflict("name: already exists".into()),
            409,
            "conflict",
        ),
        (
            ApiError::Unavailable {
                public: "db down".into(),
                cause: "x".into(),
            },
            503,
            "unavailable",
        ),
        (ApiError::internal("boom"), 500, "internal"),
    ];
    for (err, status, code) in cases {
        let (got, auth, body) = render(err).await;
        assert_eq!(got.as_u16(), status, "{body}");
        assert_eq!(body["error"]["code"], code);
        assert_eq!(
            auth.is_some(),
            status == 401,
            "WWW-Authenticate only on 401"
        );
    }
}

#[tokio::test]
async fn invalid_names_the_field_and_rule() {
    let (_, _, body) = render(ApiError::invalid("name", "must not be empty")).await;
    assert_eq!(
        body,
        serde_json::json!({"error": {"code": "invalid", "message": "name: must not be empty", "field": "name"}})
    );
}

#[tokio::test]
async fn server_faults_hide_their_cause() {
    let (_, _, body) = render(ApiError::internal("password=hunter2 in query")).await;
    assert_eq!(body["error"]["message"], "internal error");
    let (_, _, body) =
        render(StoreError::Backend("pool timed out at 10.0.0.5".into()).into()).await;
    assert_eq!(
        body["error"]["message"],
        "the database is unavailable; try again shortly"
    );
    let (status, _, body) = render(StoreError::Migration("0002 failed".into()).into()).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!body.to_string().contains("0002"));
}

#[tokio::test]
async fn store_and_core_errors_map_to_client_statuses() {
    let conflict: ApiError = StoreError::Conflict {
        what: "api key name \"ci\"".into(),
    }
    .into();
    let (status, _, body) = render(conflict).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        body["error"]["message"],
        "api key name \"ci\": already exists"
    );

    let (status, _, _) = render(
        StoreError::NotFound {
            what: "user".into(),
        }
        .into(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, _, body) = render(CoreError::invalid("token", "expired").into()).await;
    assert_eq!(
        (status, body["error"]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, "token".into())
    );
    let (status, _, body) =
        render(CoreError::Unavailable("Apple did not answer".into()).into()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["error"]["message"], "Apple did not answer");
    let (status, _, body) = render(
        CoreError::Conflict {
            what: "token of another server".into(),
        }
        .into(),
    )
    .await;
    assert_eq!(
        (status, body["error"]["message"].clone()),
        (StatusCode::CONFLICT, "token of another server".into())
    );
}
