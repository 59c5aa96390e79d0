//! `GET /devices/abm/servers/{id}/runs`: one ABM server's sync history, newest first.

use askama::Template;
use axum::{
    extract::{rejection::QueryRejection, Path, Query, State},
    response::Html,
};
use serde::Deserialize;

use super::{
    parse_id,
    view::{RunLine, ServerPanel},
    SECTION,
};
use crate::{
    api::{
        abm_sync::{health_of, run_history},
        params::parse_uuid,
    },
    console::{error::render, Chrome, ConsoleError, ConsoleSession},
    AppState,
};

/// Runs per page.
const PAGE: u32 = 50;

#[derive(Template)]
#[template(path = "abm_sync_runs.html")]
struct RunsPage {
    chrome: Chrome,
    refresh: bool,
    panel: ServerPanel,
    runs: Vec<RunLine>,
    older_href: Option<String>,
    /// Back to the newest runs, when on an older page.
    newest_href: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct RunsQuery {
    #[serde(default)]
    before: Option<String>,
}

pub(super) async fn show(
    session: ConsoleSession,
    State(state): State<AppState>,
    Path(id): Path<String>,
    query: Result<Query<RunsQuery>, QueryRejection>,
) -> Result<Html<String>, ConsoleError> {
    let id = parse_id(&id)?;
    let before = query.ok().and_then(|Query(q)| q.before);
    let before = parse_uuid("before", before.as_deref())?;
    let server = state.abm.get(id).await?;
    let health = health_of(&state, id).await?;
    let history = run_history(&state, id, PAGE, before).await?;
    let own = format!("/devices/abm/servers/{id}/runs");
    let panel = ServerPanel::new(&server, &health);
    render(&RunsPage {
        chrome: session.chrome(SECTION),
        refresh: panel.running.is_some(),
        panel,
        runs: history.runs.iter().map(RunLine::from).collect(),
        older_href: history.next_before.map(|b| format!("{own}?before={b}")),
        newest_href: before.map(|_| own),
    })
}
