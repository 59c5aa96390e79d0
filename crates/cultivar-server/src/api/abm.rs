//! `/api/v1/abm/servers`: ABM server entries and the token exchange with Apple Business Manager.

use axum::{
    body::Bytes,
    extract::State,
    http::{header, StatusCode},
    response::IntoResponse,
};
use cultivar_api_types::{
    abm::{AbmCertificate, AbmServerList, AbmServerView, CreateAbmServer},
    ErrorBody,
};
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};
use uuid::Uuid;

use super::{Access, AdminAccess, ApiMethod, ApiRoutes, ReadAccess};
use crate::{
    error::{ApiError, ApiJson, ApiPath, ApiQuery},
    AppState,
};

const SERVERS: &str = "/api/v1/abm/servers";
const SERVER: &str = "/api/v1/abm/servers/{id}";

pub fn routes() -> ApiRoutes {
    ApiRoutes::new()
        .route(ApiMethod::Get, SERVERS, Access::Read, list)
        .route(ApiMethod::Post, SERVERS, Access::Admin, create)
        .route(ApiMethod::Get, SERVER, Access::Read, show)
        .route(ApiMethod::Delete, SERVER, Access::Admin, delete)
        .route(
            ApiMethod::Get,
            "/api/v1/abm/servers/{id}/public-key",
            Access::Read,
            public_key,
        )
        .route(
            ApiMethod::Post,
            "/api/v1/abm/servers/{id}/renew",
            Access::Admin,
            renew,
        )
        .route(
            ApiMethod::Put,
            "/api/v1/abm/servers/{id}/token",
            Access::Admin,
            upload_token,
        )
        .route(
            ApiMethod::Post,
            "/api/v1/abm/servers/{id}/refresh",
            Access::Admin,
            refresh,
        )
}

#[derive(OpenApi)]
#[openapi(paths(list, create, show, delete, public_key, renew, upload_token, refresh))]
pub struct Doc;

/// Every ABM server entry with its status.
#[utoipa::path(get, path = "/api/v1/abm/servers", tag = "abm",
    responses((status = 200, body = AbmServerList), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
async fn list(
    _: ReadAccess,
    State(state): State<AppState>,
) -> Result<ApiJson<AbmServerList>, ApiError> {
    Ok(ApiJson(AbmServerList {
        servers: state.abm.list().await?,
    }))
}

/// "Generate Token": creates an entry with a new keypair and returns the certificate to upload
/// to Apple Business Manager.
#[utoipa::path(post, path = "/api/v1/abm/servers", tag = "abm", request_body = CreateAbmServer,
    responses((status = 201, body = AbmCertificate), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn create(
    AdminAccess(principal): AdminAccess,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<CreateAbmServer>,
) -> Result<(StatusCode, ApiJson<AbmCertificate>), ApiError> {
    let created = state
        .abm
        .create_server(&body.name, body.base_url.as_deref(), &principal.actor())
        .await?;
    Ok((StatusCode::CREATED, ApiJson(created)))
}

/// One entry: status, token expiry, and what Apple's `/account` said.
#[utoipa::path(get, path = "/api/v1/abm/servers/{id}", tag = "abm",
    params(("id" = Uuid, Path, description = "ABM server entry id")),
    responses((status = 200, body = AbmServerView), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn show(
    _: ReadAccess,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<ApiJson<AbmServerView>, ApiError> {
    Ok(ApiJson(state.abm.get(id).await?))
}

/// Deletes an entry and its token.
#[utoipa::path(delete, path = "/api/v1/abm/servers/{id}", tag = "abm",
    params(("id" = Uuid, Path, description = "ABM server entry id")),
    responses((status = 204), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn delete(
    AdminAccess(principal): AdminAccess,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    state.abm.delete(id, &principal.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The PEM certificate to upload to ABM (the renewal certificate while a renewal is pending).
#[utoipa::path(get, path = "/api/v1/abm/servers/{id}/public-key", tag = "abm",
    params(("id" = Uuid, Path, description = "ABM server entry id")),
    responses((status = 200, content_type = "application/x-pem-file", body = String),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn public_key(
    _: ReadAccess,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<impl IntoResponse, ApiError> {
    let pem = state.abm.public_key(id).await?;
    let disposition = format!("attachment; filename=\"cultivar-abm-{id}.pem\"");
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-pem-file".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        pem,
    ))
}

/// Starts a renewal: a new keypair whose certificate goes to ABM; the current token keeps
/// working until a token for the new certificate is uploaded.
#[utoipa::path(post, path = "/api/v1/abm/servers/{id}/renew", tag = "abm",
    params(("id" = Uuid, Path, description = "ABM server entry id")),
    responses((status = 200, body = AbmCertificate), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn renew(
    AdminAccess(principal): AdminAccess,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<ApiJson<AbmCertificate>, ApiError> {
    Ok(ApiJson(
        state.abm.start_renewal(id, &principal.actor()).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
struct UploadQuery {
    /// Replace a token that belongs to a different ABM MDM server.
    #[serde(default)]
    force: bool,
}

/// Uploads the server token (`.p7m`) downloaded from ABM, as the raw request body.
#[utoipa::path(put, path = "/api/v1/abm/servers/{id}/token", tag = "abm",
    params(("id" = Uuid, Path, description = "ABM server entry id"), UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/pkcs7-mime"),
    responses((status = 200, body = AbmServerView), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn upload_token(
    AdminAccess(principal): AdminAccess,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<UploadQuery>,
    body: Bytes,
) -> Result<ApiJson<AbmServerView>, ApiError> {
    let view = state
        .abm
        .upload_token(id, &body, query.force, &principal.actor())
        .await?;
    Ok(ApiJson(view))
}

/// Asks Apple's `/account` again and updates the status.
#[utoipa::path(post, path = "/api/v1/abm/servers/{id}/refresh", tag = "abm",
    params(("id" = Uuid, Path, description = "ABM server entry id")),
    responses((status = 200, body = AbmServerView), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn refresh(
    _: AdminAccess,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<ApiJson<AbmServerView>, ApiError> {
    Ok(ApiJson(state.abm.refresh(id).await?))
}
