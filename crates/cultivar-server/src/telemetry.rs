//! Logs (tracing, text or JSON on stderr), per-request spans and Prometheus metrics.
//!
//! The metrics recorder is process-wide and installed once, so crates without access to
//! [`crate::AppState`] (the ABM syncer, workers) can use the `metrics` macros too; two servers in
//! one test process share it instead of panicking on a second install.

use std::{sync::OnceLock, time::Instant};

use axum::{
    extract::{MatchedPath, Request},
    middleware::Next,
    response::Response,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing::Span;
use tracing_subscriber::{fmt, EnvFilter};

use crate::config::{Config, LogFormat};

pub const HTTP_REQUESTS_TOTAL: &str = "http_requests_total";
pub const HTTP_REQUEST_DURATION: &str = "http_request_duration_seconds";
pub const BUILD_INFO: &str = "cultivar_build_info";
/// Label value for requests that matched no route, so scanners cannot blow up label cardinality.
const UNMATCHED: &str = "<unmatched>";

/// Installs the global log subscriber. Returns `false` if one was already installed (tests).
pub fn init_tracing(config: &Config) -> bool {
    let filter = EnvFilter::try_new(&config.log_level).unwrap_or_else(|_| EnvFilter::new("info"));
    // Colours only for a person at a terminal; files and log collectors get plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi);
    let result = match config.log_format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
    result.is_ok()
}

/// The process-wide Prometheus handle, installing the recorder on first use.
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full(HTTP_REQUEST_DURATION.to_owned()),
                    &[
                        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                    ],
                )
                .unwrap_or_else(|_| PrometheusBuilder::new());
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                // Someone else installed a recorder first; our handle then renders nothing, which
                // is visible at /metrics rather than a crash.
                tracing::warn!("a metrics recorder was already installed; /metrics will be empty");
            }
            metrics::gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION")).set(1.0);
            handle
        })
        .clone()
}

fn route_of(request: &Request) -> String {
    request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| UNMATCHED.to_owned(), |p| p.as_str().to_owned())
}

/// The request span: method and matched route; status and latency are filled in at the end.
/// Nothing from headers or bodies is recorded.
pub fn make_span(request: &Request) -> Span {
    tracing::info_span!(
        "http",
        method = %request.method(),
        route = %route_of(request),
        status = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
        api_key = tracing::field::Empty,
    )
}

pub fn on_response(response: &Response, latency: std::time::Duration, span: &Span) {
    span.record("status", response.status().as_u16());
    span.record("latency_ms", latency.as_secs_f64() * 1000.0);
    tracing::info!("request finished");
}

/// Counts requests and records their duration by method, route and status.
pub async fn track_metrics(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    let route = route_of(&request);
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!(HTTP_REQUESTS_TOTAL, "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!(HTTP_REQUEST_DURATION, "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}
