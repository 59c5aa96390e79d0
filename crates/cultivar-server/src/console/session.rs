//! The signed-in console user, as an extractor.

use axum::{
    extract::FromRequestParts,
    http::{request::Parts, HeaderMap},
};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use cultivar_store::{AdminUser, ConsoleSession as StoredSession};
use time::Duration;

use super::{Chrome, ConsoleError, NAV};
use crate::{error::ApiError, AppState};

/// Name of the session cookie (HttpOnly, SameSite=Strict, Secure behind https).
pub const SESSION_COOKIE: &str = "cultivar_session";

/// A request from a signed-in console user; without one, handlers redirect to `/login`.
#[derive(Debug, Clone)]
pub struct ConsoleSession {
    pub user: AdminUser,
    pub session: StoredSession,
}

impl ConsoleSession {
    /// How the user appears in the audit log.
    pub fn actor(&self) -> String {
        format!("user:{}", self.user.email)
    }

    /// The page frame for a page in section `active` (an `href` of [`NAV`]).
    pub fn chrome(&self, active: &'static str) -> Chrome {
        Chrome {
            nav: NAV,
            active,
            user_email: self.user.email.clone(),
            csrf_token: self.session.csrf_token.clone(),
        }
    }

    /// The session from the request's cookie, if it names a live session of an existing user.
    pub async fn from_headers(
        headers: &HeaderMap,
        state: &AppState,
    ) -> Result<Option<Self>, ApiError> {
        let jar = CookieJar::from_headers(headers);
        let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()) else {
            return Ok(None);
        };
        let Some(session) =
            cultivar_core::auth::session_for_token(&*state.store, &token, state.now()).await?
        else {
            return Ok(None);
        };
        let user = state.store.admin_user_by_id(session.user_id).await?;
        Ok(user.map(|user| ConsoleSession { user, session }))
    }
}

impl FromRequestParts<AppState> for ConsoleSession {
    type Rejection = ConsoleError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        ConsoleSession::from_headers(&parts.headers, state)
            .await?
            .ok_or(ConsoleError::LoginRequired)
    }
}

/// The session cookie for `token`, living as long as the session.
pub(crate) fn session_cookie(token: String, hours: u32, secure: bool) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .max_age(Duration::hours(i64::from(hours)))
        .build()
}

/// A cookie that removes the session cookie (same name and path).
pub(crate) fn session_cookie_removal() -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, "")).path("/").build()
}
