//! `GET /devices/{key}`: Device Details, Overview tab — state, the MDM enrollment, the ABM
//! record and the inventory (the last DeviceInformation answers).

use askama::Template;
use axum::{
    extract::{Path, State},
    response::Html,
};

use super::{tabs, when, Tab, SECTION};
use crate::{
    console::{error::render, Chrome, ConsoleError, ConsoleSession},
    AppState,
};

#[derive(Template)]
#[template(path = "devices_detail.html")]
struct DetailPage {
    chrome: Chrome,
    key: String,
    state: &'static str,
    tabs: Vec<Tab>,
    abm: Vec<(&'static str, String)>,
    enrollment: Vec<(&'static str, String)>,
    inventory: Vec<(String, String)>,
    inventory_at: String,
}

pub(super) async fn show(
    session: ConsoleSession,
    State(state): State<AppState>,
    Path(key): Path<String>,
) -> Result<Html<String>, ConsoleError> {
    let detail = state.mdm.device_detail(&key).await?;
    let (inventory, inventory_at) = detail.inventory.map_or((Vec::new(), String::new()), |i| {
        (inventory_rows(&i.inventory), when(Some(i.inventory_at)))
    });
    let d = detail.device;
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let abm = d
        .abm
        .as_ref()
        .map(|a| {
            vec![
                ("Serial number", a.data.serial_number.clone()),
                ("Model", text(&a.data.model)),
                ("OS", text(&a.data.os)),
                ("Device family", text(&a.data.device_family)),
                ("Profile status", text(&a.data.profile_status)),
                ("Removed from ABM", when(a.removed_at)),
            ]
        })
        .unwrap_or_default();
    let enrollment = d
        .enrollment
        .as_ref()
        .map(|e| {
            vec![
                ("Enrollment id", e.id.clone()),
                ("Enrollment type", e.enrollment_type.clone()),
                ("Enabled", e.enabled.to_string()),
                ("Product", text(&e.product_name)),
                ("OS version", text(&e.os_version)),
                ("Device name", text(&e.device_name)),
                ("Enrolled", when(e.token_updated_at)),
                ("Last seen", when(e.last_seen_at)),
                ("Checked out", when(e.checked_out_at)),
            ]
        })
        .unwrap_or_default();
    render(&DetailPage {
        chrome: session.chrome(SECTION),
        tabs: tabs(&d.key, "overview"),
        key: d.key,
        state: d.state.as_str(),
        abm,
        enrollment,
        inventory,
        inventory_at,
    })
}

/// The inventory's keys in order; strings as they are, other values as compact JSON.
fn inventory_rows(inventory: &serde_json::Value) -> Vec<(String, String)> {
    let Some(map) = inventory.as_object() else {
        return Vec::new();
    };
    map.iter()
        .map(|(k, v)| {
            let text = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), text)
        })
        .collect()
}
