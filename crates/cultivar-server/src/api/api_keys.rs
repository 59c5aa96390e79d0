//! `/api/v1/api-keys`: list, create (plaintext shown once), revoke.

use axum::http::StatusCode;
use cultivar_api_types::{ApiKeyView, CreateApiKey, CreatedApiKey, ErrorBody};
use serde_json::json;
use utoipa::OpenApi;
use uuid::Uuid;

use super::{
    convert::{api_key_view, role_from_api},
    Access, AdminAccess, ApiMethod, ApiRoutes, ReadAccess,
};
use crate::{
    error::{ApiError, ApiJson, ApiPath},
    AppState,
};
use axum::extract::State;

pub fn routes() -> ApiRoutes {
    ApiRoutes::new()
        .route(ApiMethod::Get, "/api/v1/api-keys", Access::Read, list)
        .route(ApiMethod::Post, "/api/v1/api-keys", Access::Admin, create)
        .route(
            ApiMethod::Delete,
            "/api/v1/api-keys/{id}",
            Access::Admin,
            revoke,
        )
}

#[derive(OpenApi)]
#[openapi(paths(list, create, revoke))]
pub struct Doc;

/// All API keys, revoked ones included (secrets are never returned).
#[utoipa::path(get, path = "/api/v1/api-keys", tag = "auth",
    responses((status = 200, body = [ApiKeyView]), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
async fn list(
    _: ReadAccess,
    State(state): State<AppState>,
) -> Result<ApiJson<Vec<ApiKeyView>>, ApiError> {
    let keys = state.store.list_api_keys().await?;
    Ok(ApiJson(keys.iter().map(api_key_view).collect()))
}

/// Creates a key. The answer is the only place the plaintext key ever appears.
#[utoipa::path(post, path = "/api/v1/api-keys", tag = "auth", request_body = CreateApiKey,
    responses((status = 201, body = CreatedApiKey), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn create(
    AdminAccess(principal): AdminAccess,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<CreateApiKey>,
) -> Result<(StatusCode, ApiJson<CreatedApiKey>), ApiError> {
    let role = role_from_api(body.role);
    let (plaintext, key) =
        cultivar_core::auth::create_api_key(&*state.store, &body.name, role).await?;
    state
        .audit(
            &principal.actor(),
            "api_key.create",
            Some(key.id.to_string()),
            json!({"name": key.name, "role": key.role.as_str()}),
        )
        .await?;
    let created = CreatedApiKey {
        key: plaintext,
        api_key: api_key_view(&key),
    };
    Ok((StatusCode::CREATED, ApiJson(created)))
}

/// Revokes a key; revoking an already revoked key succeeds again without a new audit entry.
#[utoipa::path(delete, path = "/api/v1/api-keys/{id}", tag = "auth",
    params(("id" = Uuid, Path, description = "API key id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn revoke(
    AdminAccess(principal): AdminAccess,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    if state.store.revoke_api_key(id, state.now()).await? {
        state
            .audit(
                &principal.actor(),
                "api_key.revoke",
                Some(id.to_string()),
                json!({}),
            )
            .await?;
        return Ok(StatusCode::NO_CONTENT);
    }
    let exists = state
        .store
        .list_api_keys()
        .await?
        .iter()
        .any(|k| k.id == id);
    if exists {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!("api key {id}")))
    }
}
