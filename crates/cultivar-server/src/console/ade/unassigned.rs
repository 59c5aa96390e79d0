//! `GET /enrollment/ade/unassigned`: devices without a profile, counted by reason, each
//! serial linking to its explanation.

use std::collections::HashMap;

use askama::Template;
use axum::{
    extract::{rejection::QueryRejection, Query, State},
    response::Html,
};
use serde::Deserialize;
use uuid::Uuid;

use super::ade_views::unassigned_view;
use super::{tabs, Tab, SECTION, UNASSIGNED};
use crate::{
    console::{error::render, Chrome, ConsoleError, ConsoleSession},
    AppState,
};

#[derive(Template)]
#[template(path = "ade_unassigned.html")]
struct UnassignedPage {
    chrome: Chrome,
    tabs: Vec<Tab>,
    include_removed: bool,
    total: usize,
    counts: Vec<(String, u64)>,
    devices: Vec<DeviceRow>,
}

struct DeviceRow {
    serial: String,
    model: String,
    os: String,
    server: String,
    code: String,
    message: String,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct UnassignedQuery {
    #[serde(default)]
    include_removed: Option<String>,
}

pub(super) async fn show(
    session: ConsoleSession,
    State(state): State<AppState>,
    query: Result<Query<UnassignedQuery>, QueryRejection>,
) -> Result<Html<String>, ConsoleError> {
    let include_removed = query
        .ok()
        .and_then(|Query(q)| q.include_removed)
        .is_some_and(|v| matches!(v.as_str(), "1" | "true" | "on"));
    let list = unassigned_view(&state, include_removed).await?;
    let servers: HashMap<Uuid, String> = state
        .abm
        .list()
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let devices: Vec<DeviceRow> = list
        .devices
        .iter()
        .map(|d| DeviceRow {
            serial: d.serial.clone(),
            model: d.model.clone().unwrap_or_default(),
            os: d.os.clone().unwrap_or_else(|| "unknown".to_owned()),
            server: servers
                .get(&d.abm_server_id)
                .cloned()
                .unwrap_or_else(|| d.abm_server_id.to_string()),
            code: d.reason.code.clone(),
            message: d.reason.message.clone(),
        })
        .collect();
    render(&UnassignedPage {
        chrome: session.chrome(SECTION),
        tabs: tabs(UNASSIGNED),
        include_removed,
        total: devices.len(),
        counts: list
            .by_reason
            .iter()
            .map(|r| (reason_label(&r.code).to_owned(), r.count))
            .collect(),
        devices,
    })
}

/// The reason codes in words.
fn reason_label(code: &str) -> &str {
    match code {
        "no_default_for_os" => "No default profile for the device's OS",
        "profile_for_another_os" => "Its profile is for another OS",
        "unknown_os" => "ABM reports no OS cultivar knows",
        "device_removed" => "Removed from cultivar's MDM server in ABM",
        other => other,
    }
}
