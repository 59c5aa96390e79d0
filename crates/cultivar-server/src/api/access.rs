//! Bearer API-key authentication and role checks, as extractors.
//!
//! Handlers take [`ReadAccess`] or [`AdminAccess`] as their *first* argument so that
//! authentication runs before any other extractor can reject the request.

use axum::{
    extract::FromRequestParts,
    http::{header, request::Parts, Method},
};
use cultivar_store::{ApiKey, Role};

use crate::{error::ApiError, AppState};

/// The authenticated caller of an API request.
#[derive(Debug, Clone)]
pub struct Principal {
    pub key: ApiKey,
}

impl Principal {
    /// How the caller appears in the audit log.
    pub fn actor(&self) -> String {
        format!("api_key:{}", self.key.id)
    }
}

/// Any valid key; read-only keys are limited to `GET`/`HEAD` whatever the route declares.
#[derive(Debug, Clone)]
pub struct ReadAccess(pub Principal);

/// A valid key with the admin role.
#[derive(Debug, Clone)]
pub struct AdminAccess(pub Principal);

fn bearer_token(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

async fn authenticate(parts: &Parts, state: &AppState) -> Result<Principal, ApiError> {
    let token = bearer_token(parts).ok_or(ApiError::Unauthorized)?;
    let key = cultivar_core::auth::authenticate_api_key(&*state.store, token, state.now())
        .await?
        .ok_or(ApiError::Unauthorized)?;
    tracing::Span::current().record("api_key", tracing::field::display(key.id));
    Ok(Principal { key })
}

impl FromRequestParts<AppState> for ReadAccess {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let principal = authenticate(parts, state).await?;
        let safe = parts.method == Method::GET || parts.method == Method::HEAD;
        if principal.key.role == Role::ReadOnly && !safe {
            return Err(ApiError::Forbidden("this API key is read-only".into()));
        }
        Ok(ReadAccess(principal))
    }
}

impl FromRequestParts<AppState> for AdminAccess {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let principal = authenticate(parts, state).await?;
        if principal.key.role != Role::Admin {
            return Err(ApiError::Forbidden(
                "this action needs an admin API key".into(),
            ));
        }
        Ok(AdminAccess(principal))
    }
}
