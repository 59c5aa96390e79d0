//! The device endpoints of the Apple MDM protocol: the check-in URL and the command channel
//! (the ServerURL). Devices are not API clients: they identify with their certificate
//! (`Mdm-Signature`, or a trusted proxy's header) and every failure answers 400 or 403, never
//! 401 — a 401 makes a device remove its MDM profile.

use axum::{
    body::Bytes,
    extract::{DefaultBodyLimit, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::put,
    Router,
};
use cultivar_core::mdm::{DeviceRequest, MdmError, MdmReply};

use crate::AppState;

mod ade_enroll;
pub mod enroll;
mod scep;

/// Where devices send check-ins (the profile's `CheckInURL`).
pub const CHECKIN_PATH: &str = "/mdm/checkin";
/// Where devices poll for commands and report on them (the profile's `ServerURL`).
pub const CONNECT_PATH: &str = "/mdm/connect";
/// Reports with large lists (every installed app) exceed axum's 2 MiB default.
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// The device routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(CHECKIN_PATH, put(checkin))
        .route(CONNECT_PATH, put(connect))
        .merge(scep::router())
        .merge(enroll::router())
        .merge(ade_enroll::router())
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

async fn checkin(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let result = match device_request(&state, &headers, &body) {
        Ok(req) => state.mdm.checkin(req).await,
        Err(e) => Err(e),
    };
    reply(CHECKIN_PATH, result)
}

async fn connect(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let result = match device_request(&state, &headers, &body) {
        Ok(req) => state.mdm.connect(req).await,
        Err(e) => Err(e),
    };
    reply(CONNECT_PATH, result)
}

/// The body and the identity headers. The proxy header is read only when configured: without
/// a proxy in front, anyone could send it.
fn device_request<'a>(
    state: &'a AppState,
    headers: &'a HeaderMap,
    body: &'a [u8],
) -> Result<DeviceRequest<'a>, MdmError> {
    let text = |name: &str| -> Result<Option<&'a str>, MdmError> {
        headers
            .get(name)
            .map(|v| {
                v.to_str()
                    .map_err(|_| MdmError::BadRequest(format!("{name}: not ASCII text")))
            })
            .transpose()
    };
    let forwarded_cert = match state.config.mdm_cert_header.as_deref() {
        Some(name) => text(name)?,
        None => None,
    };
    Ok(DeviceRequest {
        body,
        mdm_signature: text("mdm-signature")?,
        forwarded_cert,
    })
}

fn reply(path: &str, result: Result<MdmReply, MdmError>) -> Response {
    match result {
        Ok(MdmReply::Empty) => StatusCode::OK.into_response(),
        Ok(MdmReply::Plist(body)) => with_type(body, "application/xml"),
        Ok(MdmReply::Json(body)) => with_type(body, "application/json"),
        Ok(MdmReply::Gone) => StatusCode::GONE.into_response(),
        Err(e) => refusal(path, e),
    }
}

fn with_type(body: Vec<u8>, content_type: &'static str) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// 400/403 with the reason as text (devices ignore it; operators reading traces do not).
fn refusal(path: &str, e: MdmError) -> Response {
    let status = match &e {
        MdmError::BadRequest(_) => StatusCode::BAD_REQUEST,
        MdmError::Forbidden(_) => StatusCode::FORBIDDEN,
        MdmError::Store(_) | MdmError::Internal(_) => {
            tracing::error!(path, error = %e, "device request failed");
            return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
        }
    };
    tracing::info!(path, %status, reason = %e, "device request refused");
    (status, e.to_string()).into_response()
}
