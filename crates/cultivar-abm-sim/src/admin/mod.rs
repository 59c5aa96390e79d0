//! The admin API under `/_sim`: plays the ABM web portal (servers, tokens, devices, assignment,
//! organisation settings, ADE profile assignments) and drives the simulation (faults, sessions, clock), and reports the
//! requests it has had (`/requests`, `/requests/wait`). JSON in and out;
//! errors are `{"error": "<field>: <rule>"}` with 400 or 404. Every change is saved to the state
//! file before the reply.

mod csv_rows;
mod devices;
mod misc;
mod profiles;
mod requests;
mod servers;
pub mod types;

use crate::error::AdminError;
use crate::Sim;
use axum::extract::rejection::QueryRejection;
use axum::routing::{get, post, put};
use axum::Router;
use serde::de::DeserializeOwned;

pub(crate) fn routes() -> Router<Sim> {
    Router::new()
        .route("/servers", post(servers::register).get(servers::list))
        .route("/servers/{uuid}/token", post(servers::download_token))
        .route(
            "/servers/{uuid}/certificate",
            put(servers::update_certificate),
        )
        .route("/servers/{uuid}/expire-token", post(servers::expire_token))
        .route("/default-server", put(servers::set_default))
        .route("/devices", post(devices::add).get(devices::list))
        .route("/devices/{serial}", axum::routing::patch(devices::modify))
        .route("/devices/{serial}/pushed", post(profiles::pushed))
        .route(
            "/assign-results",
            post(profiles::add_results)
                .get(profiles::list_results)
                .delete(profiles::clear_results),
        )
        .route("/profiles", get(profiles::list))
        .route("/profiles/unassign", post(profiles::unassign))
        .route("/assign", post(devices::assign))
        .route("/release", post(devices::release))
        .route("/move", post(devices::move_devices))
        .route("/org", get(misc::org).patch(misc::update_org))
        .route(
            "/faults",
            post(misc::add_fault)
                .get(misc::list_faults)
                .delete(misc::clear_faults),
        )
        .route(
            "/sessions",
            get(misc::session_config).put(misc::set_session_config),
        )
        .route("/sessions/invalidate", post(misc::invalidate_sessions))
        .route("/clock", get(misc::clock))
        .route("/clock/advance", post(misc::advance_clock))
        .route("/requests", get(requests::counts))
        .route("/requests/wait", get(requests::wait))
        .merge(crate::activation::routes())
}

/// Parses a JSON body with an error that says what is wrong with it.
fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, AdminError> {
    serde_json::from_slice(body).map_err(|e| AdminError::bad_request(format!("body: {e}")))
}

/// A query string's parameters, or a JSON error naming what is wrong with them.
fn query<T>(q: Result<axum::extract::Query<T>, QueryRejection>) -> Result<T, AdminError> {
    q.map(|axum::extract::Query(v)| v)
        .map_err(|e| AdminError::bad_request(format!("query: {}", e.body_text())))
}

/// Saves the state file after a change.
async fn saved<T>(sim: &Sim, value: T) -> Result<T, AdminError> {
    sim.persist().await?;
    Ok(value)
}
