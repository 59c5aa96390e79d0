//! `/api/v1/mdm/push-cert`: the APNs push certificate. cultivar generates the key and CSR,
//! the administrator has it signed and uploads the certificate (PEM or DER body).

use axum::{body::Bytes, extract::State};
use cultivar_api_types::{
    push_cert::{PushCertUploadQuery, PushCertView, PushCsrView},
    ErrorBody,
};
use cultivar_core::mdm::PushCertView as CoreView;
use serde_json::json;
use utoipa::OpenApi;

use super::{Access, AdminAccess, ApiMethod, ApiRoutes, ReadAccess};
use crate::{
    error::{ApiError, ApiJson, ApiQuery},
    AppState,
};

pub fn routes() -> ApiRoutes {
    ApiRoutes::new()
        .route(ApiMethod::Get, "/api/v1/mdm/push-cert", Access::Read, show)
        .route(
            ApiMethod::Put,
            "/api/v1/mdm/push-cert",
            Access::Admin,
            upload,
        )
        .route(
            ApiMethod::Post,
            "/api/v1/mdm/push-cert/csr",
            Access::Admin,
            csr,
        )
}

#[derive(OpenApi)]
#[openapi(paths(show, csr, upload))]
pub struct Doc;

fn view(v: CoreView) -> PushCertView {
    PushCertView {
        status: v.status.as_str().to_owned(),
        topic: v.topic,
        not_before: v.not_before,
        not_after: v.not_after,
        uploaded_at: v.uploaded_at,
        csr_created_at: v.csr_created_at,
    }
}

/// The push certificate's status (`none`, `awaiting_certificate`, `active`, `expiring`,
/// `expired`), topic and validity.
#[utoipa::path(get, path = "/api/v1/mdm/push-cert", tag = "mdm",
    responses((status = 200, body = PushCertView), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
async fn show(
    _: ReadAccess,
    State(state): State<AppState>,
) -> Result<ApiJson<PushCertView>, ApiError> {
    Ok(ApiJson(view(state.mdm.push_cert().await?)))
}

/// Generates a new push key (kept sealed) and returns its CSR to have signed. The certificate
/// in force keeps working until the signed one is uploaded.
#[utoipa::path(post, path = "/api/v1/mdm/push-cert/csr", tag = "mdm",
    responses((status = 200, body = PushCsrView), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
async fn csr(
    AdminAccess(who): AdminAccess,
    State(state): State<AppState>,
) -> Result<ApiJson<PushCsrView>, ApiError> {
    let csr_pem = state.mdm.push_cert_csr().await?;
    state
        .audit(&who.actor(), "mdm.push_cert.csr", None, json!({}))
        .await?;
    Ok(ApiJson(PushCsrView { csr_pem }))
}

/// Uploads the signed push certificate (PEM or DER body). It must belong to cultivar's CSR
/// key (422 otherwise); a topic other than the one in force is refused (409) unless
/// `force=true`, because every enrolled device would stop receiving pushes.
#[utoipa::path(put, path = "/api/v1/mdm/push-cert", tag = "mdm",
    params(("force" = Option<bool>, Query, description = "accept a different topic")),
    request_body(content = String, content_type = "application/x-pem-file",
        description = "The certificate, PEM or DER"),
    responses((status = 200, body = PushCertView), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn upload(
    AdminAccess(who): AdminAccess,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<PushCertUploadQuery>,
    body: Bytes,
) -> Result<ApiJson<PushCertView>, ApiError> {
    if body.is_empty() {
        return Err(ApiError::Invalid {
            field: "certificate".into(),
            rule: "the request body must hold the signed certificate (PEM or DER)".into(),
        });
    }
    let before = state.mdm.push_cert().await?.topic;
    let after = state.mdm.upload_push_cert(&body, query.force).await?;
    state
        .audit(
            &who.actor(),
            "mdm.push_cert.upload",
            after.topic.clone(),
            json!({"previous_topic": before, "force": query.force, "not_after": after.not_after
                .map(|t| t.unix_timestamp())}),
        )
        .await?;
    Ok(ApiJson(view(after)))
}
