//! `GET /enrollment/ade/profiles` (the list, with usage and Apple's definitions per ABM
//! server) and deleting a profile (in use: explained, with a forced delete offered).

use std::collections::HashMap;

use askama::Template;
use axum::{
    extract::{rejection::QueryRejection, Path, Query, State},
    response::{Html, IntoResponse, Redirect, Response},
};
use cultivar_api_types::ade::AdeProfileView;
use cultivar_core::ade::{validate_profile, AdeProfileInput};
use cultivar_store::AdeProfile;
use serde::Deserialize;
use uuid::Uuid;

use super::ade_views::profile_view;
use super::{parse_id, tabs, timestamp, DoneQuery, Inline, Tab, PROFILES, SECTION};
use crate::{
    console::{error::render, Chrome, ConsoleError, ConsoleSession, CsrfForm},
    AppState,
};

#[derive(Template)]
#[template(path = "ade_profiles.html")]
struct ListPage {
    chrome: Chrome,
    tabs: Vec<Tab>,
    notice: Option<String>,
    warnings: Vec<String>,
    profiles: Vec<ProfileRow>,
}

/// One profile in the list.
pub(super) struct ProfileRow {
    pub id: String,
    pub name: String,
    pub os: String,
    pub description: String,
    pub revision: i64,
    /// "2 devices, 1 group, 0 defaults" or "not in use".
    pub usage: String,
    pub in_use: bool,
    pub definitions: Vec<DefinitionRow>,
}

/// Apple's UUID for the profile on one ABM server.
pub(super) struct DefinitionRow {
    pub server: String,
    pub apple_uuid: String,
    pub revision: i64,
    pub defined_at: String,
    pub stale: bool,
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl ProfileRow {
    fn new(v: &AdeProfileView, servers: &HashMap<Uuid, String>) -> Self {
        let u = &v.usage;
        let in_use = u.devices + u.groups + u.defaults > 0;
        let usage = if in_use {
            format!(
                "{}, {}, {}",
                plural(u.devices, "device", "devices"),
                plural(u.groups, "group", "groups"),
                plural(u.defaults, "OS default", "OS defaults")
            )
        } else {
            "not in use".to_owned()
        };
        ProfileRow {
            id: v.id.to_string(),
            name: v.name.clone(),
            os: v.os.clone(),
            description: v.description.clone(),
            revision: v.revision,
            usage,
            in_use,
            definitions: v
                .definitions
                .iter()
                .map(|d| DefinitionRow {
                    server: servers
                        .get(&d.abm_server_id)
                        .cloned()
                        .unwrap_or_else(|| d.abm_server_id.to_string()),
                    apple_uuid: d.apple_profile_uuid.clone(),
                    revision: d.revision,
                    defined_at: timestamp(d.defined_at),
                    stale: d.stale,
                })
                .collect(),
        }
    }
}

/// ABM server names by id, for definitions.
async fn server_names(state: &AppState) -> Result<HashMap<Uuid, String>, ConsoleError> {
    let servers = state.abm.list().await?;
    Ok(servers.into_iter().map(|s| (s.id, s.name)).collect())
}

async fn row(state: &AppState, p: &AdeProfile) -> Result<ProfileRow, ConsoleError> {
    let view = profile_view(state, p).await?;
    Ok(ProfileRow::new(&view, &server_names(state).await?))
}

pub(super) async fn list(
    session: ConsoleSession,
    State(state): State<AppState>,
    query: Result<Query<DoneQuery>, QueryRejection>,
) -> Result<Html<String>, ConsoleError> {
    let done = query.map(|Query(q)| q).unwrap_or_default();
    let (notice, warnings) = notice(&state, &done).await?;
    let servers = server_names(&state).await?;
    let mut profiles = Vec::new();
    for p in state.store.list_ade_profiles().await? {
        profiles.push(ProfileRow::new(&profile_view(&state, &p).await?, &servers));
    }
    render(&ListPage {
        chrome: session.chrome(SECTION),
        tabs: tabs(PROFILES),
        notice,
        warnings,
        profiles,
    })
}

/// The notice of `?done=`, and the saved profile's warnings (validated again: they follow
/// from the stored profile alone).
async fn notice(
    state: &AppState,
    done: &DoneQuery,
) -> Result<(Option<String>, Vec<String>), ConsoleError> {
    let code = done.done.as_deref().unwrap_or_default();
    if code == "deleted" {
        return Ok((Some("The profile was deleted.".to_owned()), Vec::new()));
    }
    if !matches!(code, "created" | "updated") {
        return Ok((None, Vec::new()));
    }
    let Some(id) = done.id.as_deref().and_then(|id| Uuid::parse_str(id).ok()) else {
        return Ok((None, Vec::new()));
    };
    let Some(p) = state.store.ade_profile(id).await? else {
        return Ok((None, Vec::new()));
    };
    let verb = if code == "created" {
        "created"
    } else {
        "saved"
    };
    let text = format!(
        "Profile “{}” {verb} (revision {}). cultivar defines it with Apple and assigns it to \
         its devices automatically.",
        p.name, p.revision
    );
    Ok((Some(text), warnings_of(&p)))
}

fn warnings_of(p: &AdeProfile) -> Vec<String> {
    let mut json: serde_json::Value = serde_json::from_str(&p.body).unwrap_or_default();
    if let Some(o) = json.as_object_mut() {
        o.insert("os".into(), p.os.clone().into());
    }
    AdeProfileInput::from_json(&json.to_string())
        .and_then(validate_profile)
        .map(|v| v.warnings.iter().map(ToString::to_string).collect())
        .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "ade_profile_delete.html")]
struct DeletePage {
    chrome: Chrome,
    tabs: Vec<Tab>,
    profile: ProfileRow,
    error: Option<String>,
}

pub(super) async fn confirm_delete(
    session: ConsoleSession,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Html<String>, ConsoleError> {
    let id = parse_id(&id, "ADE profile")?;
    let p = state.ade.profile(&id.to_string()).await?;
    render(&DeletePage {
        chrome: session.chrome(SECTION),
        tabs: tabs(PROFILES),
        profile: row(&state, &p).await?,
        error: None,
    })
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct DeleteForm {
    #[serde(default)]
    force: Option<String>,
}

pub(super) async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { session, form }: CsrfForm<DeleteForm>,
) -> Result<Response, ConsoleError> {
    let id = parse_id(&id, "ADE profile")?;
    let force = form.force.is_some_and(|f| !f.is_empty());
    match state.ade.delete_profile(id, force).await {
        Ok(()) => Ok(Redirect::to(&format!("{PROFILES}?done=deleted")).into_response()),
        Err(err) => {
            let inline = Inline::from_err(err)?;
            let p = state.ade.profile(&id.to_string()).await?;
            let page = DeletePage {
                chrome: session.chrome(SECTION),
                tabs: tabs(PROFILES),
                profile: row(&state, &p).await?,
                error: Some(inline.message),
            };
            Ok((inline.status, render(&page)?).into_response())
        }
    }
}
