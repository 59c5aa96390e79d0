//! Static files embedded in the binary, so a deployment is one file.

use axum::{
    http::{header, HeaderValue},
    response::IntoResponse,
    routing::get,
    Router,
};

use crate::AppState;

const CONSOLE_CSS: &str = include_str!("../../assets/console.css");

pub fn router() -> Router<AppState> {
    Router::new().route("/assets/console.css", get(css))
}

async fn css() -> impl IntoResponse {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/css; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        CONSOLE_CSS,
    )
}
