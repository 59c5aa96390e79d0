//! `GET /devices`: the device table with a state filter and keyset paging.

use askama::Template;
use axum::{
    extract::{rejection::QueryRejection, Query, State},
    response::Html,
};
use cultivar_api_types::mdm::DEVICE_STATES;
use cultivar_core::mdm::{DeviceListQuery, DeviceState, DeviceSummary};

use super::{seg, when, Choice, ListQuery, SECTION};
use crate::{
    console::{error::render, Chrome, ConsoleError, ConsoleSession},
    error::ApiError,
    AppState,
};

/// Devices per page in the console.
const PAGE: u32 = 50;

#[derive(Template)]
#[template(path = "devices_list.html")]
struct DevicesPage {
    chrome: Chrome,
    states: Vec<Choice>,
    devices: Vec<Row>,
    next_href: Option<String>,
    first_href: Option<String>,
}

struct Row {
    key: String,
    href: String,
    state: &'static str,
    enrollment: String,
    model: String,
    os: String,
    last_seen: String,
}

impl Row {
    fn new(d: &DeviceSummary) -> Row {
        let e = d.enrollment.as_ref();
        let abm = d.abm.as_ref().map(|a| &a.data);
        Row {
            href: format!("/devices/{}", seg(&d.key)),
            key: d.key.clone(),
            state: d.state.as_str(),
            enrollment: e.map(|e| e.enrollment_type.clone()).unwrap_or_default(),
            model: e
                .and_then(|e| e.product_name.clone())
                .or_else(|| abm.and_then(|a| a.model.clone()))
                .unwrap_or_default(),
            os: e
                .and_then(|e| e.os_version.clone())
                .or_else(|| abm.and_then(|a| a.os.clone()))
                .unwrap_or_default(),
            last_seen: when(e.and_then(|e| e.last_seen_at)),
        }
    }
}

pub(super) async fn show(
    session: ConsoleSession,
    State(state): State<AppState>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Html<String>, ConsoleError> {
    let Query(q) =
        query.map_err(|e| ConsoleError::Api(ApiError::invalid("query", e.body_text())))?;
    let filter = q.state.as_deref().filter(|s| !s.is_empty());
    let query = DeviceListQuery {
        state: filter.map(str::parse::<DeviceState>).transpose()?,
        after: q.after.clone().filter(|a| !a.is_empty()),
        limit: PAGE,
    };
    let page = state.mdm.list_devices(&query).await?;
    let link = |after: Option<&str>| {
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        if let Some(s) = filter {
            pairs.push(("state", s));
        }
        if let Some(a) = after {
            pairs.push(("after", a));
        }
        match serde_urlencoded::to_string(&pairs) {
            Ok(qs) if !qs.is_empty() => format!("{SECTION}?{qs}"),
            _ => SECTION.to_owned(),
        }
    };
    render(&DevicesPage {
        chrome: session.chrome(SECTION),
        states: Choice::list(&DEVICE_STATES, filter),
        devices: page.devices.iter().map(Row::new).collect(),
        next_href: page.next_after.as_deref().map(|a| link(Some(a))),
        first_href: query.after.as_ref().map(|_| link(None)),
    })
}
