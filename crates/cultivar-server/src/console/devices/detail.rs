//! `GET /devices/{key}`: Device Details, Overview tab — state, the MDM enrollment and its
//! push state (a warning when the last push failed), the ABM record and the inventory (the
//! last DeviceInformation answers).

use askama::Template;
use axum::{
    extract::{Path, State},
    response::Html,
};
use cultivar_api_types::mdm::PushStateView;

use super::{tabs, when, Tab, SECTION};
use crate::{
    api::devices::push_state_view,
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
    push: Vec<(&'static str, String)>,
    /// Set when the last push failed: what failed and what to do.
    push_warning: Option<PushWarning>,
    inventory: Vec<(String, String)>,
    inventory_at: String,
}

/// The warning shown above the push facts.
struct PushWarning {
    headline: String,
    hint: String,
}

pub(super) async fn show(
    session: ConsoleSession,
    State(state): State<AppState>,
    Path(key): Path<String>,
) -> Result<Html<String>, ConsoleError> {
    let detail = state.mdm.device_detail(&key).await?;
    let push_view = detail.push.map(push_state_view);
    let push_warning = push_view.as_ref().and_then(push_warning);
    let push = push_view.as_ref().map(push_rows).unwrap_or_default();
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
        push,
        push_warning,
        inventory,
        inventory_at,
    })
}

/// The push facts: state, last attempt and delivery, and the failure if any.
fn push_rows(p: &PushStateView) -> Vec<(&'static str, String)> {
    let mut rows = vec![
        ("Push state", p.state.clone()),
        ("Last push attempt", when(p.last_attempt_at)),
        ("Last push delivered", when(p.last_delivered_at)),
    ];
    if let Some(e) = &p.error {
        rows.push(("Push error", e.reason.clone()));
        rows.push(("Push error at", when(Some(e.at))));
        rows.push(("Push error kind", error_kind(e.permanent).to_owned()));
    }
    rows
}

fn push_warning(p: &PushStateView) -> Option<PushWarning> {
    let e = p.error.as_ref()?;
    Some(PushWarning {
        headline: format!(
            "The last push to this device failed: {} ({}, {}).",
            e.reason,
            error_kind(e.permanent),
            when(Some(e.at))
        ),
        hint: e.hint.clone(),
    })
}

fn error_kind(permanent: bool) -> &'static str {
    if permanent {
        "permanent: no pushes until the device sends a new TokenUpdate"
    } else {
        "transient: the next push tries again"
    }
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
