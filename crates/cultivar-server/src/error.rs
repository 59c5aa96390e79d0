//! The one mapping from failures to HTTP responses for the JSON API.
//!
//! Policy: client mistakes (401/403/404/409/400/422) carry a message meant for the caller and are
//! not logged as errors; server faults (500/503) are logged once here, with their cause, and the
//! caller only sees a generic sentence. Extractor rejections (bad JSON, bad query, bad path) go
//! through [`ApiJson`], [`ApiQuery`] and [`ApiPath`] so they use the same envelope.

use axum::{
    extract::{
        rejection::{JsonRejection, PathRejection, QueryRejection},
        FromRequest, FromRequestParts,
    },
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use cultivar_api_types::{ErrorBody, ErrorDetail, FieldError};
use cultivar_core::{auth::AuthError, secrets::SecretsError, CoreError};
use cultivar_store::StoreError;
use serde::Serialize;

/// Every way an API request can fail.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No credentials, or credentials that are unknown, malformed or revoked.
    #[error("authentication required: send Authorization: Bearer <API key>")]
    Unauthorized,
    /// Valid credentials without the needed role.
    #[error("{0}")]
    Forbidden(String),
    /// The full sentence, e.g. `api key 1234: not found`.
    #[error("{0}")]
    NotFound(String),
    /// Well-formed request whose content breaks a rule (422).
    #[error("{field}: {rule}")]
    Invalid { field: String, rule: String },
    /// Several fields broke rules at once (422); `message` sums them up.
    #[error("{message}")]
    InvalidFields {
        message: String,
        errors: Vec<FieldError>,
    },
    /// A request that could not be parsed at all (400).
    #[error("{message}")]
    BadRequest { message: String },
    /// The full sentence, e.g. `api key name "ci": already exists`.
    #[error("{0}")]
    Conflict(String),
    /// A dependency (the database, Apple) cannot serve the request now; `public` is shown,
    /// `cause` is logged.
    #[error("{public}")]
    Unavailable { public: String, cause: String },
    /// A bug or an unexpected fault; `cause` is logged, not shown.
    #[error("internal error")]
    Internal { cause: String },
}

impl ApiError {
    pub fn invalid(field: impl Into<String>, rule: impl Into<String>) -> Self {
        ApiError::Invalid {
            field: field.into(),
            rule: rule.into(),
        }
    }

    /// `what: not found`.
    pub fn not_found(what: impl std::fmt::Display) -> Self {
        ApiError::NotFound(format!("{what}: not found"))
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        ApiError::Internal {
            cause: cause.to_string(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Invalid { .. } | ApiError::InvalidFields { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable machine-readable code of the envelope.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthorized => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::Invalid { .. }
            | ApiError::InvalidFields { .. }
            | ApiError::BadRequest { .. } => "invalid",
            ApiError::Conflict(_) => "conflict",
            ApiError::Unavailable { .. } => "unavailable",
            ApiError::Internal { .. } => "internal",
        }
    }

    /// The envelope shown to the caller; logs server faults (once, here).
    pub fn to_body(&self) -> ErrorBody {
        match self {
            ApiError::Internal { cause } => tracing::error!(cause = %cause, "request failed"),
            ApiError::Unavailable { cause, .. } => {
                tracing::warn!(cause = %cause, "dependency unavailable")
            }
            _ => {}
        }
        let (field, errors) = match self {
            ApiError::Invalid { field, .. } => (Some(field.clone()), Vec::new()),
            ApiError::InvalidFields { errors, .. } => {
                (errors.first().map(|e| e.field.clone()), errors.clone())
            }
            _ => (None, Vec::new()),
        };
        ErrorBody {
            error: ErrorDetail {
                code: self.code().to_owned(),
                message: self.to_string(),
                field,
                errors,
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut response = (status, Json(self.to_body())).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"cultivar\""),
            );
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound { .. } => ApiError::NotFound(err.to_string()),
            StoreError::Conflict { .. } => ApiError::Conflict(err.to_string()),
            StoreError::Invalid { field, rule } => ApiError::Invalid { field, rule },
            StoreError::Backend(_) => ApiError::Unavailable {
                public: "the database is unavailable; try again shortly".into(),
                cause: err.to_string(),
            },
            StoreError::Config(_) | StoreError::Migration(_) => ApiError::internal(err),
        }
    }
}

impl From<CoreError> for ApiError {
    fn from(err: CoreError) -> Self {
        match err {
            CoreError::Invalid { field, rule } => ApiError::Invalid { field, rule },
            CoreError::NotFound { .. } => ApiError::NotFound(err.to_string()),
            CoreError::Conflict { what } => ApiError::Conflict(what),
            // Core words these for administrators (e.g. which Apple endpoint failed).
            CoreError::Unavailable(message) => ApiError::Unavailable {
                public: message.clone(),
                cause: message,
            },
            CoreError::Store(e) => e.into(),
            CoreError::Secrets(e) => e.into(),
            CoreError::Internal(cause) => ApiError::Internal { cause },
            CoreError::InvalidProfile(invalid) => ApiError::InvalidFields {
                message: invalid.to_string(),
                errors: invalid
                    .errors
                    .iter()
                    .map(|e| FieldError {
                        field: e.field.clone(),
                        code: e.code.as_str().to_owned(),
                        message: e.rule.clone(),
                    })
                    .collect(),
            },
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::Invalid { field, rule } => ApiError::invalid(field, rule),
            AuthError::Store(e) => e.into(),
            AuthError::Hashing(_) => ApiError::internal(err),
        }
    }
}

impl From<SecretsError> for ApiError {
    fn from(err: SecretsError) -> Self {
        ApiError::internal(err)
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            // The body parsed as JSON but does not fit the type: a content rule was broken.
            JsonRejection::JsonDataError(e) => ApiError::invalid("body", e.body_text()),
            other => ApiError::BadRequest {
                message: format!("body: {}", other.body_text()),
            },
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::invalid("query", rejection.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::invalid("path", rejection.body_text())
    }
}

/// `axum::Json` whose rejections use the API error envelope; also a JSON response.
#[derive(Debug, Clone, Copy, Default, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

impl<T: Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        Json(self.0).into_response()
    }
}

/// `axum::extract::Query` with the API error envelope.
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// `axum::extract::Path` with the API error envelope.
#[derive(Debug, Clone, Copy, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

#[cfg(test)]
#[path = "error_tests.rs"]
mod tests;
