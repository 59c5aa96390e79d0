//! `GET /healthz` and `GET /metrics` (unauthenticated: meant for load balancers and Prometheus on
//! a private network).

use axum::{
    extract::State,
    http::{header, StatusCode},
    response::IntoResponse,
    routing::get,
    Json, Router,
};
use cultivar_api_types::Health;

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
}

async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    match state.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(Health {
                status: "ok".into(),
                database: "ok".into(),
            }),
        ),
        Err(e) => {
            tracing::warn!(cause = %e, "health check: database ping failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: "degraded".into(),
                    database: "unavailable".into(),
                }),
            )
        }
    }
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    record_token_expiry(&state).await;
    // Histograms are drained into their buckets here, as no background upkeep task runs.
    state.metrics.run_upkeep();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
}

/// Days until each ABM server token expires, so alerting can warn from 30 days before. Computed
/// at scrape time: the value changes with the clock, not with events.
async fn record_token_expiry(state: &AppState) {
    let servers = match state.abm.list().await {
        Ok(servers) => servers,
        Err(e) => {
            tracing::warn!(error = %e, "metrics: cannot list ABM servers");
            return;
        }
    };
    for server in servers {
        if let Some(token) = &server.token {
            metrics::gauge!("cultivar_abm_token_days_left", "abm_server" => server.name.clone())
                .set(token.days_left as f64);
        }
    }
}
