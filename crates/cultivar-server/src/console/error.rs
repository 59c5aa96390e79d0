//! How console requests fail: the same [`ApiError`] mapping, rendered as a page.

use askama::Template;
use axum::{
    http::StatusCode,
    response::{Html, IntoResponse, Redirect, Response},
};

use crate::error::ApiError;

#[derive(Debug)]
pub enum ConsoleError {
    /// No live session: send the browser to the login page.
    LoginRequired,
    /// A page with this status and message (e.g. 403 for a bad CSRF token).
    Page { status: StatusCode, message: String },
    /// Any API-level failure; status and public message come from [`ApiError`].
    Api(ApiError),
}

impl<E: Into<ApiError>> From<E> for ConsoleError {
    fn from(err: E) -> Self {
        ConsoleError::Api(err.into())
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    reason: &'a str,
    message: &'a str,
}

/// A minimal error page (no navigation: the user may not be signed in).
pub fn render_error_page(status: StatusCode, message: &str) -> Response {
    let page = ErrorPage {
        status: status.as_u16(),
        reason: status.canonical_reason().unwrap_or("Error"),
        message,
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(cause = %e, "rendering the error page failed");
            (status, message.to_owned()).into_response()
        }
    }
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        match self {
            ConsoleError::LoginRequired => Redirect::to("/login").into_response(),
            ConsoleError::Page { status, message } => render_error_page(status, &message),
            ConsoleError::Api(err) => {
                let body = err.to_body();
                render_error_page(err.status(), &body.error.message)
            }
        }
    }
}

/// Renders a template, turning a rendering bug into a logged 500 page.
pub(crate) fn render<T: Template>(template: &T) -> Result<Html<String>, ConsoleError> {
    template
        .render()
        .map(Html)
        .map_err(|e| ConsoleError::Api(ApiError::internal(format!("template: {e}"))))
}
