//! `/mdm/ade/enroll`, the `url` of every ADE profile cultivar defines: a device in Setup
//! Assistant POSTs its CMS-signed MachineInfo (`application/pkcs7-signature`), or a web view
//! GETs with the same message base64 in `x-apple-aspen-deviceinfo`. The answer is the signed
//! enrollment profile, Apple's 403 `com.apple.softwareupdate.required`, or a 400/403 JSON
//! refusal naming the reason — never 401.

use axum::{
    body::Bytes,
    extract::State,
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use base64::Engine as _;
use cultivar_core::mdm::{AdeEnrollPolicy, AdeEnrollReply, MdmError, ADE_ENROLL_PATH};

use super::enroll::mobileconfig;
use crate::AppState;

/// The header a web view sends MachineInfo in (base64 of the signed message).
pub const DEVICE_INFO_HEADER: &str = "x-apple-aspen-deviceinfo";
/// The JSON `code` of cultivar's own refusals (Apple's client logs it; people read `message`).
const REFUSED_CODE: &str = "com.cultivar.enrollment.refused";

/// The ADE enrollment route.
pub fn router() -> Router<AppState> {
    Router::new().route(ADE_ENROLL_PATH, get(by_header).post(by_body))
}

async fn by_body(State(state): State<AppState>, body: Bytes) -> Response {
    answer(&state, &body).await
}

async fn by_header(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(value) = headers.get(DEVICE_INFO_HEADER) else {
        let e = MdmError::BadRequest(format!(
            "{DEVICE_INFO_HEADER}: required (base64 of the signed MachineInfo)"
        ));
        return refusal(e);
    };
    // Some clients fold long headers; whitespace is not part of the base64.
    let text: Vec<u8> = value
        .as_bytes()
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    match base64::engine::general_purpose::STANDARD.decode(text) {
        Ok(signed) => answer(&state, &signed).await,
        Err(e) => refusal(MdmError::BadRequest(format!(
            "{DEVICE_INFO_HEADER}: not base64 ({e})"
        ))),
    }
}

async fn answer(state: &AppState, signed: &[u8]) -> Response {
    let policy = match policy(state).await {
        Ok(p) => p,
        Err(e) => {
            tracing::error!(error = %e, "ADE enrollment: cannot read the MachineInfo anchors");
            return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
        }
    };
    match state.mdm.ade_enroll(&state.ade, signed, &policy).await {
        Ok(AdeEnrollReply::Profile(profile)) => mobileconfig(profile),
        Ok(AdeEnrollReply::SoftwareUpdateRequired(body)) => {
            tracing::info!("ADE enrollment: software update required");
            json(StatusCode::FORBIDDEN, body)
        }
        Err(e) => refusal(e),
    }
}

/// The anchors file is read per request so a replaced file takes effect without a restart;
/// ADE enrollments are rare enough for this to cost nothing.
async fn policy(state: &AppState) -> Result<AdeEnrollPolicy, String> {
    let config = &state.config;
    let anchors = match &config.mdm_machine_info_anchors {
        Some(path) => {
            let pem = tokio::fs::read(path)
                .await
                .map_err(|e| format!("mdm_machine_info_anchors {}: {e}", path.display()))?;
            split_pem_certificates(&pem)
        }
        None => Vec::new(),
    };
    Ok(AdeEnrollPolicy {
        anchors,
        min_os_ios: config.mdm_min_os_ios.clone(),
        min_os_macos: config.mdm_min_os_macos.clone(),
    })
}

/// Each `CERTIFICATE` block of a PEM bundle on its own (the verifier takes one per anchor).
pub fn split_pem_certificates(pem: &[u8]) -> Vec<Vec<u8>> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let text = String::from_utf8_lossy(pem);
    let mut out = Vec::new();
    let mut rest = text.as_ref();
    while let Some(start) = rest.find(BEGIN) {
        let Some(len) = rest[start..].find(END) else {
            break;
        };
        let end = start + len + END.len();
        out.push(format!("{}\n", &rest[start..end]).into_bytes());
        rest = &rest[end..];
    }
    out
}

fn refusal(e: MdmError) -> Response {
    let status = match &e {
        MdmError::BadRequest(_) => StatusCode::BAD_REQUEST,
        MdmError::Forbidden(_) => StatusCode::FORBIDDEN,
        MdmError::Store(_) | MdmError::Internal(_) => {
            tracing::error!(path = ADE_ENROLL_PATH, error = %e, "ADE enrollment failed");
            return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
        }
    };
    tracing::info!(path = ADE_ENROLL_PATH, %status, reason = %e, "ADE enrollment refused");
    let body = serde_json::json!({"code": REFUSED_CODE, "message": e.to_string()});
    json(status, body.to_string().into_bytes())
}

fn json(status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::split_pem_certificates;

    #[test]
    fn a_bundle_splits_into_certificates() {
        let one = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----";
        let bundle = format!("# Apple\n{one}\n\n{one}\ntrailing");
        let certs = split_pem_certificates(bundle.as_bytes());
        assert_eq!(certs.len(), 2);
        assert_eq!(certs[0], format!("{one}\n").into_bytes());
        assert!(split_pem_certificates(b"no pem here").is_empty());
    }
}
