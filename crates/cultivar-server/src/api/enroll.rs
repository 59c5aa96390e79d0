//! Profile-based (non-ADE) enrollment for administrators: a signed enrollment profile to hand
//! out (`cultivar enroll profile --out FILE`), or a one-time download link for it.

use axum::{extract::State, http::StatusCode, response::Response};
use cultivar_api_types::{
    enroll::{CreateEnrollLink, EnrollLinkView},
    ErrorBody,
};
use utoipa::OpenApi;

use super::{ade::audit, Access, AdminAccess, ApiMethod, ApiRoutes};
use crate::{
    error::{ApiError, ApiJson},
    mdm::enroll::mobileconfig,
    AppState,
};

/// Link lifetime when the request names none.
const DEFAULT_LINK_HOURS: u32 = 24;

pub fn routes() -> ApiRoutes {
    ApiRoutes::new()
        .route(
            ApiMethod::Post,
            "/api/v1/enroll/profile",
            Access::Admin,
            profile,
        )
        .route(ApiMethod::Post, "/api/v1/enroll/links", Access::Admin, link)
}

#[derive(OpenApi)]
#[openapi(paths(profile, link))]
pub struct Doc;

/// A freshly signed enrollment profile (`.mobileconfig`, CMS-signed) with a new one-time SCEP
/// challenge. 409 until an APNs push certificate is uploaded.
#[utoipa::path(post, path = "/api/v1/enroll/profile", tag = "enroll",
    responses((status = 200, content_type = "application/x-apple-aspen-config",
        description = "The signed profile"), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn profile(
    AdminAccess(who): AdminAccess,
    State(state): State<AppState>,
) -> Result<Response, ApiError> {
    let reference = format!("admin:{}", who.actor());
    let signed = state.mdm.enrollment_profile(&reference).await?;
    audit(
        &state,
        &who,
        "enroll.profile",
        reference,
        serde_json::json!({}),
    )
    .await?;
    Ok(mobileconfig(signed))
}

/// A one-time download link (`GET`, no credentials) for a signed enrollment profile.
#[utoipa::path(post, path = "/api/v1/enroll/links", tag = "enroll",
    request_body = CreateEnrollLink,
    responses((status = 201, body = EnrollLinkView), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn link(
    AdminAccess(who): AdminAccess,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<CreateEnrollLink>,
) -> Result<(StatusCode, ApiJson<EnrollLinkView>), ApiError> {
    let hours = body.expires_hours.unwrap_or(DEFAULT_LINK_HOURS);
    let link = state.mdm.create_enroll_link(hours).await?;
    let detail = serde_json::json!({ "expires_hours": hours });
    audit(&state, &who, "enroll.link", "enroll_link".into(), detail).await?;
    Ok((
        StatusCode::CREATED,
        ApiJson(EnrollLinkView {
            url: link.url,
            expires_at: link.expires_at,
        }),
    ))
}
