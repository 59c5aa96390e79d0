//! A device's own (explicit) profile, set or cleared from its Explain page: the first rule of
//! the resolution chain, for a device that must differ from its group and OS default.

use axum::{
    extract::{Path, State},
    response::{IntoResponse, Redirect, Response},
};
use cultivar_core::ade::normalize_serial;
use serde::Deserialize;

use super::{explain::explained, Inline, EXPLAIN};
use crate::{
    console::{ConsoleError, CsrfForm, NoFields},
    error::ApiError,
    AppState,
};

#[derive(Debug, Default, Deserialize)]
pub(super) struct DeviceProfileForm {
    /// A profile id.
    #[serde(default)]
    profile: String,
}

/// The serial of the path, normalised; a malformed one names no device.
fn serial_of(raw: &str) -> Result<String, ConsoleError> {
    normalize_serial("serial", raw).map_err(|_| ApiError::not_found("device").into())
}

pub(super) async fn set(
    State(state): State<AppState>,
    Path(serial): Path<String>,
    CsrfForm { session, form }: CsrfForm<DeviceProfileForm>,
) -> Result<Response, ConsoleError> {
    let serial = serial_of(&serial)?;
    let result = match form.profile.trim() {
        "" => Err(ApiError::invalid("profile", "choose a profile")),
        key => state
            .ade
            .set_device_profile(&serial, key)
            .await
            .map(|_| ())
            .map_err(ApiError::from),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("{EXPLAIN}/{serial}?done=set")).into_response()),
        Err(err) => {
            let inline = Inline::keep_missing(err)?;
            explained(&state, &session, serial, None, Some(inline)).await
        }
    }
}

pub(super) async fn clear(
    State(state): State<AppState>,
    Path(serial): Path<String>,
    CsrfForm { .. }: CsrfForm<NoFields>,
) -> Result<Response, ConsoleError> {
    let serial = serial_of(&serial)?;
    // Clearing a device without its own profile changes nothing; the page says so either way.
    state.ade.clear_device_profile(&serial).await?;
    Ok(Redirect::to(&format!("{EXPLAIN}/{serial}?done=cleared")).into_response())
}
