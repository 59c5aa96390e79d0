//! `GET /devices/abm` (the device table with its filters and each ABM server's sync panel),
//! `GET /devices/abm.csv` (the same filters as CSV) and `POST /devices/abm/servers/{id}/sync`
//! (Sync Now).

use std::collections::HashMap;

use askama::Template;
use axum::{
    extract::{rejection::QueryRejection, Path, Query, State},
    response::{Html, IntoResponse, Redirect, Response},
};
use cultivar_api_types::abm_sync::{DEVICE_FAMILIES, DEVICE_OS, PROFILE_STATUSES};
use cultivar_core::sync::Trigger;
use cultivar_store::AbmDeviceQuery;
use serde_json::json;
use uuid::Uuid;

use super::{
    parse_id,
    view::{os_label, Choice, DeviceRow, ServerPanel},
    DEVICES, SECTION,
};
use crate::{
    api::{
        abm_devices::device_page, abm_sync::health_of, device_csv::csv_response,
        params::RawDeviceQuery,
    },
    console::{error::render, Chrome, ConsoleError, ConsoleSession, CsrfForm, NoFields},
    error::ApiError,
    AppState,
};

/// Devices per page in the console.
const PAGE: u32 = 50;

#[derive(Template)]
#[template(path = "abm_devices.html")]
struct DevicesPage {
    chrome: Chrome,
    /// A run is in progress: the page reloads itself every 2 s until it ends.
    refresh: bool,
    panels: Vec<ServerPanel>,
    filters: Filters,
    devices: Vec<DeviceRow>,
    total: u64,
    next_href: Option<String>,
    /// Back to the first page, when on a later one.
    first_href: Option<String>,
    csv_href: String,
}

/// The filter form, with the current choices selected.
struct Filters {
    servers: Vec<Choice>,
    os: Vec<Choice>,
    families: Vec<Choice>,
    statuses: Vec<Choice>,
    removed: Vec<Choice>,
    search: String,
}

/// The query these filters were sent with, rejected as a page when it does not parse.
fn filters_from(
    query: Result<Query<RawDeviceQuery>, QueryRejection>,
) -> Result<RawDeviceQuery, ConsoleError> {
    query
        .map(|Query(raw)| raw)
        .map_err(|e| ConsoleError::Api(ApiError::invalid("query", e.body_text())))
}

pub(super) async fn show(
    session: ConsoleSession,
    State(state): State<AppState>,
    query: Result<Query<RawDeviceQuery>, QueryRejection>,
) -> Result<Html<String>, ConsoleError> {
    let raw = filters_from(query)?;
    let mut q = raw.to_query()?;
    if raw.limit.is_none() {
        q.limit = PAGE;
    }
    let servers = state.abm.list().await?;
    let mut panels = Vec::with_capacity(servers.len());
    for server in &servers {
        let health = health_of(&state, server.id).await?;
        panels.push(ServerPanel::new(server, &health));
    }
    let names: HashMap<Uuid, &str> = servers.iter().map(|s| (s.id, s.name.as_str())).collect();
    let page = device_page(&*state.store, q.clone()).await?;
    let devices = page
        .devices
        .iter()
        .map(|d| DeviceRow::new(d, names.get(&d.abm_server_id).copied().unwrap_or("—")))
        .collect();
    let filter_pairs = pairs(&q);
    let link = |extra: Option<(&'static str, String)>| {
        let mut all = filter_pairs.clone();
        all.extend(extra);
        href(DEVICES, &all)
    };
    render(&DevicesPage {
        chrome: session.chrome(SECTION),
        refresh: panels.iter().any(|p| p.running.is_some()),
        filters: filters(&q, &servers),
        panels,
        devices,
        total: page.total,
        next_href: page.next_after.map(|after| link(Some(("after", after)))),
        first_href: q.after_serial.as_ref().map(|_| link(None)),
        csv_href: href("/devices/abm.csv", &filter_pairs),
    })
}

/// The CSV export of the filters the page shows (every page of them).
pub(super) async fn export(
    _session: ConsoleSession,
    State(state): State<AppState>,
    query: Result<Query<RawDeviceQuery>, QueryRejection>,
) -> Result<Response, ConsoleError> {
    let raw = filters_from(query)?;
    let q = raw.to_query()?;
    Ok(csv_response(state.store.clone(), q).await?)
}

/// Sync Now: starts a run (or joins the one in progress) and goes back to the page, which
/// shows its progress and then its summary.
pub(super) async fn sync_now(
    Path(id): Path<String>,
    State(state): State<AppState>,
    CsrfForm { session, .. }: CsrfForm<NoFields>,
) -> Result<Response, ConsoleError> {
    let id = parse_id(&id)?;
    let ticket = state.sync.start(id, Trigger::Manual).await?;
    if !ticket.joined {
        let detail = json!({ "run_id": ticket.run_id });
        state
            .audit(
                &session.actor(),
                "abm.sync.start",
                Some(id.to_string()),
                detail,
            )
            .await?;
    }
    Ok(Redirect::to(DEVICES).into_response())
}

/// The filters of `q` as query-string pairs (without the page position).
fn pairs(q: &AbmDeviceQuery) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    out.extend(q.abm_server_id.map(|id| ("server", id.to_string())));
    out.extend(q.os.clone().map(|v| ("os", v)));
    out.extend(q.device_family.clone().map(|v| ("family", v)));
    out.extend(q.profile_status.clone().map(|v| ("profile_status", v)));
    out.extend(q.removed.map(|v| ("removed", v.to_string())));
    out.extend(q.serial_contains.clone().map(|v| ("search", v)));
    out
}

fn href(path: &str, pairs: &[(&'static str, String)]) -> String {
    match serde_urlencoded::to_string(pairs) {
        Ok(query) if !query.is_empty() => format!("{path}?{query}"),
        _ => path.to_owned(),
    }
}

fn filters(q: &AbmDeviceQuery, servers: &[cultivar_api_types::abm::AbmServerView]) -> Filters {
    let any = || (String::new(), "Any".to_owned());
    let named = |values: &[&str], label: fn(&str) -> String| {
        std::iter::once(any())
            .chain(values.iter().map(|v| ((*v).to_owned(), label(v))))
            .collect::<Vec<_>>()
    };
    let server = q.abm_server_id.map(|id| id.to_string());
    let removed = q.removed.map(|r| r.to_string());
    Filters {
        servers: Choice::list(
            server.as_deref().unwrap_or(""),
            std::iter::once(any())
                .chain(servers.iter().map(|s| (s.id.to_string(), s.name.clone()))),
        ),
        os: Choice::list(q.os.as_deref().unwrap_or(""), named(DEVICE_OS, os_label)),
        families: Choice::list(
            q.device_family.as_deref().unwrap_or(""),
            named(DEVICE_FAMILIES, str::to_owned),
        ),
        statuses: Choice::list(
            q.profile_status.as_deref().unwrap_or(""),
            named(PROFILE_STATUSES, str::to_owned),
        ),
        removed: Choice::list(
            removed.as_deref().unwrap_or(""),
            [
                (String::new(), "All".to_owned()),
                ("false".to_owned(), "No".to_owned()),
                ("true".to_owned(), "Yes".to_owned()),
            ],
        ),
        search: q.serial_contains.clone().unwrap_or_default(),
    }
}
