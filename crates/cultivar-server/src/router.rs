//! Assembles every HTTP surface into one router with the shared middleware.

use std::time::Duration;

use axum::{
    extract::Request,
    http::{header, HeaderValue, StatusCode},
    middleware,
    response::{IntoResponse, Response},
    Router,
};
use tower_http::{set_header::SetResponseHeaderLayer, timeout::TimeoutLayer, trace::TraceLayer};

use crate::{api, console, error::ApiError, health, mdm, telemetry, AppState};

/// A request taking longer than this is answered 503; it also bounds graceful shutdown.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

const CSP: &str = "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(api::routes().into_router())
        .merge(console::router())
        .merge(health::router())
        .merge(mdm::router())
        .fallback(not_found)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ))
        .layer(middleware::from_fn(telemetry::track_metrics))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(telemetry::make_span)
                .on_response(telemetry::on_response)
                // Failures are logged where they are classified (ApiError), not again here.
                .on_failure(()),
        )
        .layer(security_header(header::CONTENT_SECURITY_POLICY, CSP))
        .layer(security_header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(security_header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(security_header(header::REFERRER_POLICY, "same-origin"))
        .with_state(state)
}

fn security_header(
    name: header::HeaderName,
    value: &'static str,
) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

/// Unknown paths: the JSON envelope under `/api/`, an HTML page elsewhere.
async fn not_found(request: Request) -> Response {
    let path = request.uri().path();
    if path.starts_with("/api/") {
        ApiError::not_found(format!("route {} {path}", request.method())).into_response()
    } else {
        console::render_error_page(StatusCode::NOT_FOUND, "There is no page at this address.")
    }
}
