//! The cultivar HTTP server: JSON admin API, web console, health and metrics, on one axum router.
//!
//! # Layout
//! - [`config`]: layered configuration (defaults < TOML file < `CULTIVAR_*` env < flags).
//! - [`state`]: [`AppState`] (store, secrets, config, metrics) and opening it from a config.
//! - [`error`]: [`ApiError`], the one failure → HTTP mapping, and extractors using it.
//! - [`api`]: `/api/v1`, with the route registry ([`api::route_specs`]) and access extractors.
//! - [`console`]: the server-rendered web console (askama), sessions and CSRF.
//! - `health`: `/healthz` and `/metrics`.
//! - [`mdm`]: the device endpoints (`/mdm/checkin`, `/mdm/connect`); never 401.
//! - [`telemetry`]: tracing setup, request spans, HTTP metrics.
//! - [`router`](fn@router): all of the above plus security headers and timeouts.
//! - `tls`: serving HTTPS directly with rustls (`--tls-cert`/`--tls-key`).
//! - [`serve`], [`serve_state`], [`run`]: serving with graceful, bounded shutdown.
//!
//! Hand-written pieces a crate could have done: the redaction of database URLs (a few lines, and
//! the `url` crate would mangle `sqlite:` URLs), a constant-time comparison for CSRF tokens, and
//! the CSV writing of the ABM device export (RFC 4180 quoting of flat rows is a few lines; the
//! `csv` crate would be a new dependency).
#![forbid(unsafe_code)]

pub mod api;
pub mod config;
pub mod console;
pub mod error;
mod health;
pub mod mdm;
mod router;
mod server;
pub mod state;
pub mod telemetry;
mod tls;

pub use config::{Config, ConfigOverrides, LogFormat};
pub use error::{ApiError, ApiJson, ApiPath, ApiQuery};
pub use router::{router, REQUEST_TIMEOUT};
pub use server::{run, serve, serve_state, shutdown_signal, SHUTDOWN_GRACE};
pub use state::{ensure_data_dir, open_store, AppState};

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error(transparent)]
    Store(#[from] cultivar_store::StoreError),
    #[error(transparent)]
    Secrets(#[from] cultivar_core::secrets::SecretsError),
    #[error("{what} failed: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    /// The HTTPS certificate or key named by `what` (flag and file) is unusable.
    #[error("{what}: {rule}")]
    Tls { what: String, rule: String },
}
