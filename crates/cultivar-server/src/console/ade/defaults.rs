//! `GET /enrollment/ade/defaults`: the five OSes with their default profile; set and clear.

use askama::Template;
use axum::{
    extract::{rejection::QueryRejection, Path, Query, State},
    response::{Html, IntoResponse, Redirect, Response},
};
use cultivar_core::ade::AdeOs;
use serde::Deserialize;

use super::ade_views::defaults_view;
use super::{tabs, timestamp, Choice, DoneQuery, Inline, Tab, DEFAULTS, SECTION};
use crate::{
    console::{error::render, Chrome, ConsoleError, ConsoleSession, CsrfForm, NoFields},
    error::ApiError,
    AppState,
};

#[derive(Template)]
#[template(path = "ade_defaults.html")]
struct DefaultsPage {
    chrome: Chrome,
    tabs: Vec<Tab>,
    notice: Option<String>,
    /// A refused change, shown above the table.
    error: Option<String>,
    rows: Vec<DefaultRow>,
}

/// One OS.
struct DefaultRow {
    os: String,
    /// The default profile's name and id, if there is one.
    current: Option<(String, String)>,
    updated_at: String,
    /// Profiles of this OS.
    choices: Vec<Choice>,
}

pub(super) async fn show(
    session: ConsoleSession,
    State(state): State<AppState>,
    query: Result<Query<DoneQuery>, QueryRejection>,
) -> Result<Html<String>, ConsoleError> {
    let done = query.map(|Query(q)| q).unwrap_or_default();
    let os = done.id.as_deref().and_then(|os| os.parse::<AdeOs>().ok());
    let notice = match (done.done.as_deref(), os) {
        (Some("set"), Some(os)) => Some(format!(
            "The {os} default is set. {os} devices without a device or group profile get it \
             automatically."
        )),
        (Some("cleared"), Some(os)) => Some(format!(
            "The {os} default is cleared. {os} devices without a device or group profile are \
             now Unassigned."
        )),
        _ => None,
    };
    render_page(&state, &session, notice, None).await
}

async fn render_page(
    state: &AppState,
    session: &ConsoleSession,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Html<String>, ConsoleError> {
    let view = defaults_view(state).await?;
    let profiles = state.store.list_ade_profiles().await?;
    let rows = view
        .defaults
        .iter()
        .map(|slot| {
            let current = slot.default.as_ref();
            DefaultRow {
                os: slot.os.clone(),
                current: current.map(|d| (d.profile.name.clone(), d.profile.id.to_string())),
                updated_at: current.map(|d| timestamp(d.updated_at)).unwrap_or_default(),
                choices: profiles
                    .iter()
                    .filter(|p| p.os == slot.os)
                    .map(|p| Choice {
                        value: p.id.to_string(),
                        label: p.name.clone(),
                        selected: current.is_some_and(|d| d.profile.id == p.id),
                    })
                    .collect(),
            }
        })
        .collect();
    render(&DefaultsPage {
        chrome: session.chrome(SECTION),
        tabs: tabs(DEFAULTS),
        notice,
        error,
        rows,
    })
}

fn parse_os(raw: &str) -> Result<AdeOs, ConsoleError> {
    raw.parse()
        .map_err(|e: cultivar_core::ade::UnknownOs| ConsoleError::Api(ApiError::invalid("os", e.0)))
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct SetForm {
    #[serde(default)]
    profile: String,
}

pub(super) async fn set(
    State(state): State<AppState>,
    Path(os): Path<String>,
    CsrfForm { session, form }: CsrfForm<SetForm>,
) -> Result<Response, ConsoleError> {
    let os = parse_os(&os)?;
    let result = match form.profile.trim() {
        "" => Err(ApiError::invalid("profile", "choose a profile")),
        key => state
            .ade
            .set_os_default(os, key)
            .await
            .map_err(ApiError::from),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("{DEFAULTS}?done=set&id={os}")).into_response()),
        Err(err) => {
            let inline = Inline::from_err(err)?;
            let page = render_page(&state, &session, None, Some(inline.message)).await?;
            Ok((inline.status, page).into_response())
        }
    }
}

pub(super) async fn clear(
    State(state): State<AppState>,
    Path(os): Path<String>,
    CsrfForm { .. }: CsrfForm<NoFields>,
) -> Result<Response, ConsoleError> {
    let os = parse_os(&os)?;
    // Clearing an OS without a default changes nothing: the page says it is cleared either way.
    state.ade.clear_os_default(os).await?;
    Ok(Redirect::to(&format!("{DEFAULTS}?done=cleared&id={os}")).into_response())
}
