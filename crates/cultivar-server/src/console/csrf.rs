//! CSRF protection for console forms.
//!
//! Signed-in forms carry the session's CSRF token in a hidden `csrf_token` field, checked by
//! [`CsrfForm`]. The login form, which has no session yet, uses a double-submit cookie (see
//! `login.rs`). SameSite=Strict cookies already stop most cross-site posts; the tokens also cover
//! same-site attackers and old browsers.

use axum::{
    extract::{FromRequest, FromRequestParts, Request},
    http::StatusCode,
};
use serde::{de::DeserializeOwned, Deserialize};

use super::{ConsoleError, ConsoleSession};
use crate::{error::ApiError, AppState};

/// Forms are small; anything bigger is refused before parsing.
const MAX_FORM_BYTES: usize = 64 * 1024;

/// A form POST from a signed-in user whose `csrf_token` field matches the session's.
///
/// Rejections: no session → redirect to `/login`; missing or wrong token → 403; a form that
/// does not fit `T` → 400.
#[derive(Debug)]
pub struct CsrfForm<T = NoFields> {
    pub session: ConsoleSession,
    pub form: T,
}

/// For forms whose only field is the CSRF token (e.g. sign out).
#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub struct NoFields {}

#[derive(Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf_token: String,
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = ConsoleError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let session = ConsoleSession::from_request_parts(&mut parts, state).await?;
        let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
            .await
            .map_err(|_| {
                ConsoleError::Api(ApiError::BadRequest {
                    message: format!("form: larger than {MAX_FORM_BYTES} bytes"),
                })
            })?;
        let presented = serde_urlencoded::from_bytes::<CsrfField>(&bytes)
            .map(|f| f.csrf_token)
            .unwrap_or_default();
        if !constant_time_eq(presented.as_bytes(), session.session.csrf_token.as_bytes()) {
            return Err(csrf_failure());
        }
        let form = serde_urlencoded::from_bytes::<T>(&bytes).map_err(|e| {
            ConsoleError::Api(ApiError::BadRequest {
                message: format!("form: {e}"),
            })
        })?;
        Ok(CsrfForm { session, form })
    }
}

pub(crate) fn csrf_failure() -> ConsoleError {
    ConsoleError::Page {
        status: StatusCode::FORBIDDEN,
        message:
            "The form's security token is missing or out of date. Reload the page and try again."
                .into(),
    }
}

/// Compares two secrets in time that depends only on their lengths (hand-written: it is four
/// lines, and no dependency of ours exports one for plain byte slices).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() || a.is_empty() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::constant_time_eq;

    #[test]
    fn equal_only_when_same_and_non_empty() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(!constant_time_eq(b"", b""));
    }
}
