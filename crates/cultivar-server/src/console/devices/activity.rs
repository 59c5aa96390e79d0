//! Device Details > Logs > MDM Activity: `GET /devices/{key}/logs/mdm` (the command table
//! with its filters) and `GET /devices/{key}/logs/mdm/{uuid}` (one command: reports, and
//! behind "view error" its ErrorChain and RejectionReason).

use askama::Template;
use axum::{
    extract::{rejection::QueryRejection, Path, Query, State},
    response::Html,
};
use cultivar_api_types::mdm::{CommandListQuery, CommandView, COMMAND_STATES};
use cultivar_core::{
    mdm::{CommandError, LogFilter},
    CoreError,
};

use super::{seg, tabs, when, Choice, Tab, SECTION};
use crate::{
    api::commands::{command_view, log_filter},
    console::{error::render, Chrome, ConsoleError, ConsoleSession},
    error::ApiError,
    AppState,
};

/// Entries per page in the console.
const PAGE: u32 = 100;

#[derive(Template)]
#[template(path = "devices_activity.html")]
struct ActivityPage {
    chrome: Chrome,
    key: String,
    action: String,
    tabs: Vec<Tab>,
    states: Vec<Choice>,
    since: String,
    until: String,
    request_type: String,
    rows: Vec<Row>,
    /// False for a device only Apple Business Manager knows: it has no MDM channel yet.
    enrolled: bool,
    /// The next page, when this one is full: the log would otherwise stop at `PAGE` entries.
    older_href: Option<String>,
    /// Back to the newest entries, when paged.
    newest_href: Option<String>,
}

struct Row {
    c: CommandView,
    href: String,
    queued: String,
    sent: String,
    answered: String,
}

#[derive(Template)]
#[template(path = "devices_command.html")]
struct CommandPage {
    chrome: Chrome,
    key: String,
    back: String,
    tabs: Vec<Tab>,
    c: CommandView,
    reports: Vec<(String, String, String)>,
    error: Option<CommandError>,
}

pub(super) async fn show(
    session: ConsoleSession,
    State(state): State<AppState>,
    Path(key): Path<String>,
    query: Result<Query<CommandListQuery>, QueryRejection>,
) -> Result<Html<String>, ConsoleError> {
    let Query(mut q) =
        query.map_err(|e| ConsoleError::Api(ApiError::invalid("query", e.body_text())))?;
    q.limit = Some(PAGE);
    let filter = log_filter(&q)?;
    let (entries, enrolled) = log_of(&state, &key, &filter).await?;
    let base = format!("/devices/{}/logs/mdm", seg(&key));
    let rows = entries
        .iter()
        .map(|e| Row {
            href: format!("{base}/{}", seg(&e.command_uuid)),
            queued: when(Some(e.queued_at)),
            sent: when(e.sent_at),
            answered: when(e.answered_at),
            c: command_view(e),
        })
        .collect();
    let older_href = entries
        .last()
        .filter(|_| entries.len() == PAGE as usize)
        .map(|e| page_href(&base, &q, Some(e.seq)));
    let newest_href = q.before.map(|_| page_href(&base, &q, None));
    let state_filter = q.state.as_deref().filter(|s| !s.is_empty());
    render(&ActivityPage {
        chrome: session.chrome(SECTION),
        tabs: tabs(&key, "logs"),
        action: base,
        states: Choice::list(&COMMAND_STATES, state_filter),
        since: q.since.unwrap_or_default(),
        until: q.until.unwrap_or_default(),
        request_type: q.request_type.unwrap_or_default(),
        key,
        rows,
        enrolled,
        older_href,
        newest_href,
    })
}

/// The device's log and whether it is enrolled. The Logs tab is on every device's page, so a
/// device known only from ABM shows an empty log instead of a 404; an unknown one is a 404.
async fn log_of(
    state: &AppState,
    key: &str,
    filter: &LogFilter,
) -> Result<(Vec<cultivar_store::MdmCommandEntry>, bool), ConsoleError> {
    match state.mdm.command_log(key, filter).await {
        Ok(entries) => Ok((entries, true)),
        Err(CoreError::NotFound { .. }) => {
            state.mdm.device_detail(key).await?;
            Ok((Vec::new(), false))
        }
        Err(e) => Err(e.into()),
    }
}

/// The log with the same filters, from `before` (a queue position) back.
fn page_href(base: &str, q: &CommandListQuery, before: Option<i64>) -> String {
    let page = CommandListQuery {
        before,
        limit: None,
        ..q.clone()
    };
    match serde_urlencoded::to_string(&page) {
        Ok(qs) if !qs.is_empty() => format!("{base}?{qs}"),
        _ => base.to_owned(),
    }
}

pub(super) async fn command(
    session: ConsoleSession,
    State(state): State<AppState>,
    Path((key, uuid)): Path<(String, String)>,
) -> Result<Html<String>, ConsoleError> {
    let d = state.mdm.command_detail(&key, &uuid).await?;
    let reports = d
        .reports
        .iter()
        .map(|r| {
            (
                when(Some(r.received_at)),
                r.status.clone(),
                String::from_utf8_lossy(&r.raw).into_owned(),
            )
        })
        .collect();
    render(&CommandPage {
        chrome: session.chrome(SECTION),
        back: format!("/devices/{}/logs/mdm", seg(&key)),
        tabs: tabs(&key, "logs"),
        c: command_view(&d.entry),
        reports,
        error: d.error,
        key,
    })
}
