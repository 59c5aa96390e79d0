//! `GET|POST /scep?operation=…`: the built-in SCEP CA (RFC 8894). `PKIOperation` comes as a
//! POST body (DER) or as `GET …&message=<base64>`; a refused challenge is a signed CertRep
//! FAILURE (HTTP 200), only an unreadable message is a 400.

use std::collections::HashMap;

use axum::{
    body::Bytes,
    extract::{Query, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use base64::{engine::general_purpose::STANDARD, Engine};
use cultivar_core::mdm::{MdmError, ScepReply, SCEP_PATH};

use crate::AppState;

/// The SCEP route.
pub fn router() -> Router<AppState> {
    Router::new().route(SCEP_PATH, get(scep_get).post(scep_post))
}

async fn scep_get(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let message = match query.get("message") {
        // Form decoding turns an unescaped `+` into a space; put it back.
        Some(m) if operation(&query) == "PKIOperation" => {
            match STANDARD.decode(m.replace(' ', "+").trim()) {
                Ok(der) => der,
                Err(e) => {
                    let e = MdmError::BadRequest(format!("message: not base64 ({e})"));
                    return super::refusal(SCEP_PATH, e);
                }
            }
        }
        _ => Vec::new(),
    };
    answer(&state, operation(&query), &message).await
}

async fn scep_post(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    answer(&state, operation(&query), &body).await
}

fn operation(query: &HashMap<String, String>) -> &str {
    query.get("operation").map(String::as_str).unwrap_or("")
}

async fn answer(state: &AppState, operation: &str, message: &[u8]) -> Response {
    match state.mdm.scep(operation, message).await {
        Ok(ScepReply::Caps(caps)) => typed(caps.as_bytes().to_vec(), "text/plain"),
        Ok(ScepReply::CaCert(der)) => typed(der, "application/x-x509-ca-cert"),
        Ok(ScepReply::PkiMessage(der)) => typed(der, "application/x-pki-message"),
        Err(e) => super::refusal(SCEP_PATH, e),
    }
}

fn typed(body: Vec<u8>, content_type: &'static str) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}
