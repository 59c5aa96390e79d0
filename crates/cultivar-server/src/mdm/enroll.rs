//! `GET /mdm/enroll?token=…`: a one-time download link for the signed enrollment profile
//! (profile-based, non-ADE enrollment). Needs no credentials: the token is the credential,
//! consumed by the first download; an unknown, used or expired link is a 403.

use std::collections::HashMap;

use axum::{
    extract::{Query, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use cultivar_core::{mdm::ENROLL_PATH, CoreError};

use crate::AppState;

/// Content type devices install a configuration profile from.
pub const MOBILECONFIG_TYPE: &str = "application/x-apple-aspen-config";

/// The download-link route.
pub fn router() -> Router<AppState> {
    Router::new().route(ENROLL_PATH, get(download))
}

async fn download(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let Some(token) = query.get("token").filter(|t| !t.is_empty()) else {
        return (StatusCode::BAD_REQUEST, "token: required").into_response();
    };
    match state.mdm.redeem_enroll_link(token).await {
        Ok(profile) => mobileconfig(profile),
        Err(CoreError::NotFound { what }) => (StatusCode::FORBIDDEN, what).into_response(),
        Err(CoreError::Conflict { what }) => (StatusCode::CONFLICT, what).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "enrollment link download failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// A signed profile as a download devices offer to install.
pub fn mobileconfig(profile: Vec<u8>) -> Response {
    let mut response = (StatusCode::OK, profile).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(MOBILECONFIG_TYPE),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"enroll.mobileconfig\""),
    );
    response
}
