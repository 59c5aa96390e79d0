//! Settings > ABM Integration: the console side of the token exchange with Apple Business Manager.
//!
//! The pages walk an administrator through the four steps of "MDM Server Assignment in ABM"
//! (generate, upload the public key in ABM, download the server token there, upload it here) and
//! show each entry's status with its one-line fix. All logic lives in
//! [`cultivar_core::abm::AbmService`]; these handlers only translate forms into its calls.
//!
//! After an action the browser is redirected with `?done=<code>`; the notice shown is chosen by
//! the code and filled from stored data, so no request can make the page display arbitrary text.

mod entry;
mod list;
mod upload;
mod view;

use axum::{
    routing::{get, post},
    Router,
};
use serde::Deserialize;
use uuid::Uuid;

use super::ConsoleError;
use crate::{error::ApiError, AppState};

/// The section of the navigation these pages belong to.
const SECTION: &str = "/settings/abm";

pub fn router() -> Router<AppState> {
    Router::new()
        .route(SECTION, get(list::show).post(list::create))
        .route("/settings/abm/{id}", get(entry::show))
        .route("/settings/abm/{id}/public-key.pem", get(entry::public_key))
        // The upload reads its own body with its own limit (see `upload`).
        .route("/settings/abm/{id}/token", post(upload::submit))
        .route("/settings/abm/{id}/refresh", post(entry::refresh))
        .route("/settings/abm/{id}/renew", post(entry::renew))
        .route(
            "/settings/abm/{id}/delete",
            get(entry::confirm_delete).post(entry::delete),
        )
}

/// `?done=…` after a redirect: which action just succeeded.
#[derive(Debug, Default, Deserialize)]
struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
}

/// The entry id of a path; anything that is not a UUID names no entry.
fn parse_id(raw: &str) -> Result<Uuid, ConsoleError> {
    // The raw text is not echoed back: error pages show only what the server chose to say.
    Uuid::parse_str(raw).map_err(|_| ConsoleError::Api(ApiError::not_found("ABM server entry")))
}

fn entry_path(id: Uuid) -> String {
    format!("/settings/abm/{id}")
}
