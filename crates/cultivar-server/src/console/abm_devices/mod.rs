//! Devices > ABM Devices: the devices Apple Business Manager assigned to cultivar, each ABM
//! server's sync health with Sync Now, and its sync history.
//!
//! The handlers only translate pages and forms into calls of
//! [`cultivar_core::sync::SyncService`] and the store (through the API module's shared helpers,
//! so the console and `/api/v1` filter, page and export alike). While a run is in progress the
//! pages reload themselves every two seconds (a `<meta http-equiv="refresh">`, no script).

mod list;
mod runs;
mod view;

use axum::{
    routing::{get, post},
    Router,
};
use uuid::Uuid;

use super::ConsoleError;
use crate::{error::ApiError, AppState};

/// The section of the navigation these pages belong to.
const SECTION: &str = "/devices";
/// The device list.
const DEVICES: &str = "/devices/abm";

pub fn router() -> Router<AppState> {
    Router::new()
        .route(DEVICES, get(list::show))
        .route("/devices/abm.csv", get(list::export))
        .route("/devices/abm/servers/{id}/sync", post(list::sync_now))
        .route("/devices/abm/servers/{id}/runs", get(runs::show))
}

/// The ABM server id of a path; anything that is not a UUID names no entry.
fn parse_id(raw: &str) -> Result<Uuid, ConsoleError> {
    Uuid::parse_str(raw).map_err(|_| ConsoleError::Api(ApiError::not_found("ABM server entry")))
}
