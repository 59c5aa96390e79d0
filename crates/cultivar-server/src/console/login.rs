//! `GET/POST /login` and `POST /logout`.
//!
//! The login form has no session to bind a CSRF token to, so it uses a double-submit cookie: a
//! random token in an HttpOnly, SameSite=Strict cookie scoped to `/login` and the same token in a
//! hidden field; a POST must present both, equal.

use askama::Template;
use axum::{
    extract::{rejection::FormRejection, State},
    http::HeaderMap,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
    Form, Router,
};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::Deserialize;
use serde_json::json;
use time::Duration;

use super::{
    csrf::{constant_time_eq, csrf_failure},
    error::render,
    session::{session_cookie, session_cookie_removal},
    ConsoleError, ConsoleSession, CsrfForm, NoFields,
};
use crate::AppState;

const LOGIN_CSRF_COOKIE: &str = "cultivar_login_csrf";
const WRONG_CREDENTIALS: &str = "Wrong email or password.";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(show).post(submit))
        .route("/logout", post(logout))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    csrf_token: String,
    email: String,
    error: Option<&'static str>,
    no_admins: bool,
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf_token: String,
}

fn login_csrf_cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build((LOGIN_CSRF_COOKIE, token))
        .path("/login")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .max_age(Duration::hours(1))
        .build()
}

/// Renders the form with a fresh double-submit token.
async fn login_page(
    state: &AppState,
    jar: CookieJar,
    email: String,
    error: Option<&'static str>,
) -> Result<Response, ConsoleError> {
    let csrf_token = cultivar_crypto::random_token(32);
    let no_admins = state.store.count_admin_users().await? == 0;
    let page = LoginPage {
        csrf_token: csrf_token.clone(),
        email,
        error,
        no_admins,
    };
    let jar = jar.add(login_csrf_cookie(csrf_token, state.config.cookies_secure()));
    Ok((jar, render(&page)?).into_response())
}

async fn show(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ConsoleError> {
    if ConsoleSession::from_headers(&headers, &state)
        .await?
        .is_some()
    {
        return Ok(Redirect::to("/").into_response());
    }
    login_page(
        &state,
        CookieJar::from_headers(&headers),
        String::new(),
        None,
    )
    .await
}

async fn submit(
    State(state): State<AppState>,
    jar: CookieJar,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Result<Response, ConsoleError> {
    let Ok(Form(form)) = form else {
        return Err(csrf_failure());
    };
    let expected = jar
        .get(LOGIN_CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    if !constant_time_eq(form.csrf_token.as_bytes(), expected.as_bytes()) {
        return Err(csrf_failure());
    }
    let ttl = Duration::hours(i64::from(state.config.console_session_hours));
    let outcome =
        cultivar_core::auth::login(&*state.store, &form.email, &form.password, state.now(), ttl)
            .await?;
    let Some((user, grant)) = outcome else {
        let target: String = form.email.trim().chars().take(254).collect();
        state
            .audit("anonymous", "console.login_failed", Some(target), json!({}))
            .await?;
        return login_page(&state, jar, form.email, Some(WRONG_CREDENTIALS)).await;
    };
    state
        .audit(
            &format!("user:{}", user.email),
            "console.login",
            None,
            json!({}),
        )
        .await?;
    let secure = state.config.cookies_secure();
    let jar = jar
        .add(session_cookie(
            grant.token,
            state.config.console_session_hours,
            secure,
        ))
        .remove(
            Cookie::build((LOGIN_CSRF_COOKIE, ""))
                .path("/login")
                .build(),
        );
    Ok((jar, Redirect::to("/")).into_response())
}

async fn logout(
    State(state): State<AppState>,
    jar: CookieJar,
    CsrfForm { session, .. }: CsrfForm<NoFields>,
) -> Result<Response, ConsoleError> {
    state
        .store
        .delete_console_session(&session.session.token_hash)
        .await?;
    state
        .audit(&session.actor(), "console.logout", None, json!({}))
        .await?;
    Ok((jar.remove(session_cookie_removal()), Redirect::to("/login")).into_response())
}
