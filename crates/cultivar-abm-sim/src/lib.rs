//! cultivar-abm-sim: a simulator of Apple Business Manager's Device Assignment API
//! (`mdmenrollment.apple.com`) plus a small admin API under `/_sim` that plays the ABM web portal.
//!
//! Where Apple's documented behaviour and convenience differ, it follows Apple
//! (`shared/reference/abm-api.md`): OAuth 1.0a on `/session`, sessions that expire, real S/MIME
//! tokens, fetch/sync cursors with exhaustion and 7-day expiry, per-server event logs,
//! `NOT_ACCESSIBLE` for other servers' devices, Apple's error codes as JSON-quoted strings.
//!
//! # Layout
//! - [`state`]: the organisation, MDM servers, devices, profiles, injected assign results
//!   (`/_sim/assign-results`) and event logs.
//! - `cursors`, `sessions`, `faults`: cursor table, auth sessions and nonces, scripted faults.
//! - `requests`: requests per Apple path, which tests read or wait on (`/_sim/requests`).
//! - `api`: the Apple endpoints; `admin`: the portal endpoints; [`admin_types`]: their bodies.
//! - `persistence`: the atomic state file. [`SimAdminClient`]: the admin API over HTTP.
//!
//! Hand-written on purpose: the seeded identifier generator (`ids`: `rand`'s `StdRng` is not
//! stable across releases), the one-column CSV reader (`admin::csv_rows`: rows must be reported by
//! file line, which the `csv` crate obscures).
#![forbid(unsafe_code)]

pub mod activation;
mod admin;
mod api;
mod client;
mod clock;
mod cursors;
mod error;
mod faults;
mod ids;
mod persistence;
mod render;
mod requests;
mod sessions;
mod sim;
pub mod state;

pub use admin::types as admin_types;
pub use client::{ClientError, SimAdminClient};
pub use clock::Clock;
pub use error::SimError;
pub use faults::Fault;
pub use sessions::SessionConfig;
pub use sim::{Sim, SimOptions};

use std::future::Future;
use tokio::net::TcpListener;

/// Default address of `cultivar sim abm serve`.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8421";

/// The simulator's HTTP routes: Apple's API at the root, the admin API under `/_sim`.
pub fn router(sim: Sim) -> axum::Router {
    axum::Router::new()
        .merge(api::routes(sim.clone()))
        .nest("/_sim", admin::routes())
        .with_state(sim)
}

/// Serves until `shutdown` resolves, then saves the state file.
pub async fn serve(
    sim: Sim,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), SimError> {
    axum::serve(listener, router(sim.clone()))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| SimError::Serve(e.to_string()))?;
    sim.persist().await
}
