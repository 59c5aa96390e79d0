//! `GET /enrollment/ade/groups` (the list and the create form), and a group's profile and
//! deletion. Members live in `members.rs`.

use askama::Template;
use axum::{
    extract::{rejection::QueryRejection, Path, Query, State},
    response::{Html, IntoResponse, Redirect, Response},
};
use cultivar_api_types::ade::GroupView;
use cultivar_core::ade::AdeOs;
use cultivar_store::{GroupKind, NewDeviceGroup};
use serde::Deserialize;

use super::ade_views::group_view;
use super::{
    members::{group_page, Shown},
    parse_id, tabs, Choice, DoneQuery, Inline, Tab, GROUPS, SECTION,
};
use crate::{
    console::{error::render, Chrome, ConsoleError, ConsoleSession, CsrfForm, NoFields},
    error::ApiError,
    AppState,
};

#[derive(Template)]
#[template(path = "ade_groups.html")]
struct ListPage {
    chrome: Chrome,
    tabs: Vec<Tab>,
    notice: Option<&'static str>,
    error: Option<String>,
    groups: Vec<GroupRow>,
    form: CreateForm,
    oses: Vec<Choice>,
    profiles: Vec<Choice>,
}

/// One group, ready for a template.
pub(super) struct GroupRow {
    pub id: String,
    pub name: String,
    /// "Static" or "OS: iPadOS".
    pub kind: String,
    pub is_static: bool,
    pub priority: i64,
    pub profile: Option<(String, String)>,
    pub members: String,
}

impl From<&GroupView> for GroupRow {
    fn from(g: &GroupView) -> Self {
        let is_static = g.kind == "static";
        GroupRow {
            id: g.id.to_string(),
            name: g.name.clone(),
            kind: match &g.os {
                Some(os) if !is_static => format!("OS: {os}"),
                _ => "Static".to_owned(),
            },
            is_static,
            priority: g.priority,
            profile: g
                .profile
                .as_ref()
                .map(|p| (p.name.clone(), p.id.to_string())),
            members: if is_static {
                g.members.to_string()
            } else {
                format!("every {} device", g.os.as_deref().unwrap_or("?"))
            },
        }
    }
}

/// The create form; kept on the page when refused.
#[derive(Debug, Default, Deserialize)]
pub(super) struct CreateForm {
    #[serde(default)]
    name: String,
    /// `static` or `os`.
    #[serde(default)]
    kind: String,
    #[serde(default)]
    os: String,
    #[serde(default)]
    priority: String,
    #[serde(default)]
    profile: String,
}

/// Every profile as a choice (`selected` the one with id `current`), after "(none)".
pub(super) async fn profile_choices(
    state: &AppState,
    current: &str,
) -> Result<Vec<Choice>, ConsoleError> {
    let mut choices = vec![Choice {
        value: String::new(),
        label: "(no profile)".into(),
        selected: current.is_empty(),
    }];
    for p in state.store.list_ade_profiles().await? {
        let value = p.id.to_string();
        choices.push(Choice {
            selected: value == current,
            label: format!("{} ({})", p.name, p.os),
            value,
        });
    }
    Ok(choices)
}

pub(super) async fn list(
    session: ConsoleSession,
    State(state): State<AppState>,
    query: Result<Query<DoneQuery>, QueryRejection>,
) -> Result<Html<String>, ConsoleError> {
    let done = query.map(|Query(q)| q.done).unwrap_or_default();
    let notice = match done.as_deref() {
        Some("deleted") => Some("The group was deleted; its devices fall to their next rule."),
        _ => None,
    };
    render_list(&state, &session, CreateForm::default(), notice, None).await
}

async fn render_list(
    state: &AppState,
    session: &ConsoleSession,
    form: CreateForm,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<Html<String>, ConsoleError> {
    let mut groups = Vec::new();
    for g in state.store.list_device_groups().await? {
        groups.push(GroupRow::from(&group_view(state, &g).await?));
    }
    let oses = AdeOs::ALL
        .iter()
        .map(|os| Choice {
            value: os.as_str().to_owned(),
            label: os.as_str().to_owned(),
            selected: form.os == os.as_str(),
        })
        .collect();
    render(&ListPage {
        chrome: session.chrome(SECTION),
        tabs: tabs(GROUPS),
        notice,
        error,
        groups,
        oses,
        profiles: profile_choices(state, &form.profile).await?,
        form,
    })
}

pub(super) async fn create(
    State(state): State<AppState>,
    CsrfForm { session, form }: CsrfForm<CreateForm>,
) -> Result<Response, ConsoleError> {
    match create_group(&state, &form).await {
        Ok(id) => Ok(Redirect::to(&format!("{GROUPS}/{id}?done=created")).into_response()),
        Err(err) => {
            let inline = Inline::keep_missing(err)?;
            let page = render_list(&state, &session, form, None, Some(inline.message)).await?;
            Ok((inline.status, page).into_response())
        }
    }
}

async fn create_group(state: &AppState, form: &CreateForm) -> Result<uuid::Uuid, ApiError> {
    let priority = match form.priority.trim() {
        "" => 0,
        p => p
            .parse::<i64>()
            .map_err(|_| ApiError::invalid("priority", "must be a whole number"))?,
    };
    let kind = if form.kind == "os" {
        GroupKind::Os
    } else {
        GroupKind::Static
    };
    let os = match kind {
        GroupKind::Os => Some(form.os.clone()).filter(|os| !os.is_empty()),
        GroupKind::Static => None,
    };
    let new = NewDeviceGroup {
        name: form.name.trim().to_owned(),
        kind,
        os,
        priority,
        profile_id: None,
    };
    let profile = Some(form.profile.trim()).filter(|p| !p.is_empty());
    Ok(state.ade.create_group(new, profile).await?.id)
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct ProfileForm {
    /// A profile id; empty clears.
    #[serde(default)]
    profile: String,
}

pub(super) async fn set_profile(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { session, form }: CsrfForm<ProfileForm>,
) -> Result<Response, ConsoleError> {
    let id = parse_id(&id, "group")?;
    let profile = Some(form.profile.trim()).filter(|p| !p.is_empty());
    match state.ade.set_group_profile(id, profile).await {
        Ok(_) => Ok(Redirect::to(&format!("{GROUPS}/{id}?done=profile")).into_response()),
        Err(err) => {
            let inline = Inline::keep_missing(err)?;
            group_page(&state, &session, id, Shown::Profile(inline), None).await
        }
    }
}

pub(super) async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { .. }: CsrfForm<NoFields>,
) -> Result<Response, ConsoleError> {
    let id = parse_id(&id, "group")?;
    if !state.ade.delete_group(id).await? {
        return Err(ApiError::not_found("group").into());
    }
    Ok(Redirect::to(&format!("{GROUPS}?done=deleted")).into_response())
}
