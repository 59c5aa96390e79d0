//! Errors: the library's own ([`SimError`]), Apple-style API errors (a JSON-quoted code such as
//! `"EXPIRED_CURSOR"`, as depsim sends) and admin errors (`{"error": "…"}`).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use cultivar_abm_proto::{ErrorBody, JSON_CONTENT_TYPE};

/// Errors of the simulator library.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("state_file {path}: {reason}")]
    StateFile { path: String, reason: String },
    #[error("serve: {0}")]
    Serve(String),
    #[error("internal: {0}")]
    Internal(String),
}

/// An error answered the way Apple answers: status plus a JSON-quoted code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: &str) -> Self {
        ApiError {
            status,
            code: code.to_string(),
            retry_after: None,
        }
    }

    pub(crate) fn bad_request(code: &str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code)
    }

    pub(crate) fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            cultivar_abm_proto::error::codes::UNAUTHORIZED,
        )
    }

    pub(crate) fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_SERVER_ERROR")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (self.status, ErrorBody::json_string(&self.code)).into_response();
        let headers = resp.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(JSON_CONTENT_TYPE),
        );
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}

impl From<SimError> for ApiError {
    fn from(e: SimError) -> Self {
        tracing::error!(error = %e, "simulator failure");
        ApiError::internal()
    }
}

/// An admin API error: `{"error": "<field>: <rule>"}` with 400, 404 or 500.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AdminError {
    pub status: StatusCode,
    pub message: String,
}

impl AdminError {
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        AdminError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        AdminError {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
        }
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.message });
        (self.status, axum::Json(body)).into_response()
    }
}

impl From<SimError> for AdminError {
    fn from(e: SimError) -> Self {
        AdminError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: e.to_string(),
        }
    }
}
