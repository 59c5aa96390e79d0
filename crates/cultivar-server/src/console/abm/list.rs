//! `GET /settings/abm` (the list of entries) and `POST /settings/abm` ("Generate Token").

use askama::Template;
use axum::{
    extract::{rejection::QueryRejection, Query, State},
    response::{Html, IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use super::{
    entry_path,
    view::{EntryView, PageError},
    DoneQuery, SECTION,
};
use crate::{
    console::{error::render, Chrome, ConsoleError, ConsoleSession, CsrfForm},
    AppState,
};

#[derive(Template)]
#[template(path = "abm_list.html")]
struct ListPage {
    chrome: Chrome,
    servers: Vec<EntryView>,
    notice: Option<&'static str>,
    error: Option<String>,
    form: CreateForm,
}

/// The "Generate Token" form; kept on the page when it is refused, so nothing is typed twice.
#[derive(Debug, Default, Deserialize)]
pub(super) struct CreateForm {
    #[serde(default)]
    name: String,
    /// Empty means Apple's Device Assignment API.
    #[serde(default)]
    base_url: String,
}

pub(super) async fn show(
    session: ConsoleSession,
    State(state): State<AppState>,
    query: Result<Query<DoneQuery>, QueryRejection>,
) -> Result<Html<String>, ConsoleError> {
    let done = query.ok().and_then(|Query(q)| q.done);
    let notice = match done.as_deref() {
        Some("deleted") => Some("The ABM server entry was deleted."),
        _ => None,
    };
    render_list(&state, &session, CreateForm::default(), notice, None).await
}

pub(super) async fn create(
    State(state): State<AppState>,
    CsrfForm { session, form }: CsrfForm<CreateForm>,
) -> Result<Response, ConsoleError> {
    let base_url = Some(form.base_url.trim()).filter(|url| !url.is_empty());
    match state
        .abm
        .create_server(&form.name, base_url, &session.actor())
        .await
    {
        Ok(created) => {
            let target = format!("{}?done=created", entry_path(created.server.id));
            Ok(Redirect::to(&target).into_response())
        }
        Err(err) => {
            let error = PageError::shown_inline(err)?;
            let page = render_list(&state, &session, form, None, Some(error.message)).await?;
            Ok((error.status, page).into_response())
        }
    }
}

async fn render_list(
    state: &AppState,
    session: &ConsoleSession,
    form: CreateForm,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<Html<String>, ConsoleError> {
    let servers = state.abm.list().await?;
    render(&ListPage {
        chrome: session.chrome(SECTION),
        servers: servers.iter().map(EntryView::from).collect(),
        notice,
        error,
        form,
    })
}
