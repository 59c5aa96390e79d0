//! A group's page (`GET /enrollment/ade/groups/{id}`): its facts, its profile, its members
//! (paged), adding serials typed in or from a CSV file (bad rows listed with their line
//! numbers; the good ones are added), and removing serials.

use askama::Template;
use axum::{
    extract::{rejection::QueryRejection, Multipart, Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use cultivar_core::ade::{CsvImport, RejectedRow};
use serde::Deserialize;
use uuid::Uuid;

use super::ade_views::group_view;
use super::{groups::profile_choices, groups::GroupRow, parse_id, tabs, Choice, Inline, Tab};
use super::{GROUPS, SECTION};
use crate::{
    console::{
        constant_time_eq, csrf::csrf_failure, error::render, Chrome, ConsoleError, ConsoleSession,
        CsrfForm,
    },
    AppState,
};

/// Members per page.
const PAGE: u32 = 200;
/// Serials of an import checked against ABM's device list for the "not reported yet" hint.
const UNKNOWN_CHECK_LIMIT: usize = 1000;

#[derive(Template)]
#[template(path = "ade_group.html")]
struct GroupPage {
    chrome: Chrome,
    tabs: Vec<Tab>,
    group: GroupRow,
    notice: Option<&'static str>,
    profile_error: Option<String>,
    members_error: Option<String>,
    /// The serials typed in, kept when refused.
    serials_text: String,
    csv_error: Option<String>,
    import: Option<Imported>,
    profiles: Vec<Choice>,
    members: Vec<String>,
    next_href: Option<String>,
    first_href: Option<String>,
}

/// What a CSV import did.
pub(super) struct Imported {
    added: u64,
    already: u64,
    rejected: Vec<RejectedRow>,
    /// Serials ABM has not reported (yet): kept, they apply once the device syncs.
    unknown: Vec<String>,
}

/// What the page shows besides the group: a notice, or the failure or result of a form.
pub(super) enum Shown {
    Done(Option<&'static str>),
    Profile(Inline),
    Members(Inline, String),
    Csv(Inline),
    Imported(Imported),
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct PageQuery {
    #[serde(default)]
    done: Option<String>,
    #[serde(default)]
    after: Option<String>,
}

pub(super) async fn show(
    session: ConsoleSession,
    State(state): State<AppState>,
    Path(id): Path<String>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Response, ConsoleError> {
    let id = parse_id(&id, "group")?;
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let notice = match q.done.as_deref() {
        Some("created") => Some("Group created."),
        Some("profile") => Some("The group's profile is saved; its devices follow automatically."),
        Some("added") => Some("Serials added; cultivar pushes their profile automatically."),
        Some("removed") => Some("Serials removed from the group."),
        _ => None,
    };
    group_page(&state, &session, id, Shown::Done(notice), q.after).await
}

/// The group page with `shown`; a failure answers with its status.
pub(super) async fn group_page(
    state: &AppState,
    session: &ConsoleSession,
    id: Uuid,
    shown: Shown,
    after: Option<String>,
) -> Result<Response, ConsoleError> {
    let group = state.ade.group(&id.to_string()).await?;
    let view = group_view(state, &group).await?;
    let mut members = state
        .store
        .list_group_members(id, after.as_deref(), PAGE + 1)
        .await?;
    let more = members.len() > PAGE as usize;
    members.truncate(PAGE as usize);
    let base = format!("{GROUPS}/{id}");
    let next_href = more
        .then(|| members.last().map(|last| format!("{base}?after={last}")))
        .flatten();
    let current = view
        .profile
        .as_ref()
        .map(|p| p.id.to_string())
        .unwrap_or_default();
    let mut page = GroupPage {
        chrome: session.chrome(SECTION),
        tabs: tabs(GROUPS),
        group: GroupRow::from(&view),
        notice: None,
        profile_error: None,
        members_error: None,
        serials_text: String::new(),
        csv_error: None,
        import: None,
        profiles: profile_choices(state, &current).await?,
        members,
        next_href,
        first_href: after.is_some().then_some(base),
    };
    let status = page.apply(shown);
    Ok((status, render(&page)?).into_response())
}

impl GroupPage {
    /// Puts `shown` on the page; the status to answer with.
    fn apply(&mut self, shown: Shown) -> StatusCode {
        match shown {
            Shown::Done(notice) => {
                self.notice = notice;
                StatusCode::OK
            }
            Shown::Profile(e) => {
                self.profile_error = Some(e.message);
                e.status
            }
            Shown::Members(e, text) => {
                self.members_error = Some(e.message);
                self.serials_text = text;
                e.status
            }
            Shown::Csv(e) => {
                self.csv_error = Some(e.message);
                e.status
            }
            Shown::Imported(imported) => {
                self.import = Some(imported);
                StatusCode::OK
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct SerialsForm {
    #[serde(default)]
    serials: String,
}

/// Serials typed in: separated by spaces, commas or new lines.
fn split_serials(text: &str) -> Vec<String> {
    text.split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

pub(super) async fn add(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { session, form }: CsrfForm<SerialsForm>,
) -> Result<Response, ConsoleError> {
    let id = parse_id(&id, "group")?;
    let serials = split_serials(&form.serials);
    match state.ade.add_group_members(id, &serials).await {
        Ok(_) => Ok(Redirect::to(&format!("{GROUPS}/{id}?done=added")).into_response()),
        Err(err) => {
            let shown = Shown::Members(Inline::from_err(err)?, form.serials);
            group_page(&state, &session, id, shown, None).await
        }
    }
}

pub(super) async fn remove(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { session, form }: CsrfForm<SerialsForm>,
) -> Result<Response, ConsoleError> {
    let id = parse_id(&id, "group")?;
    let serials = split_serials(&form.serials);
    match state.ade.remove_group_members(id, &serials).await {
        Ok(_) => Ok(Redirect::to(&format!("{GROUPS}/{id}?done=removed")).into_response()),
        Err(err) => {
            let shown = Shown::Members(Inline::from_err(err)?, form.serials);
            group_page(&state, &session, id, shown, None).await
        }
    }
}

/// `POST …/members.csv`: a multipart form with `csrf_token` and the file `csv`.
pub(super) async fn upload_csv(
    session: ConsoleSession,
    State(state): State<AppState>,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Result<Response, ConsoleError> {
    let id = parse_id(&id, "group")?;
    let (token, csv) = match read_upload(multipart).await {
        Ok(read) => read,
        Err(inline) => return group_page(&state, &session, id, Shown::Csv(inline), None).await,
    };
    if !constant_time_eq(token.as_bytes(), session.session.csrf_token.as_bytes()) {
        return Err(csrf_failure());
    }
    let Ok(csv) = String::from_utf8(csv) else {
        let inline = Inline {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: "csv: the file is not UTF-8 text (save it as CSV UTF-8)".into(),
        };
        return group_page(&state, &session, id, Shown::Csv(inline), None).await;
    };
    let shown = match state.ade.import_group_csv(id, &csv).await {
        Ok(import) => Shown::Imported(imported(&state, import).await?),
        Err(err) => Shown::Csv(Inline::from_err(err)?),
    };
    group_page(&state, &session, id, shown, None).await
}

async fn imported(state: &AppState, import: CsvImport) -> Result<Imported, ConsoleError> {
    let mut unknown = Vec::new();
    for serial in import.serials.iter().take(UNKNOWN_CHECK_LIMIT) {
        if state.store.abm_device(serial).await?.is_none() {
            unknown.push(serial.clone());
        }
    }
    Ok(Imported {
        added: import.added.added,
        already: import.added.already,
        rejected: import.rejected,
        unknown,
    })
}

/// The CSRF token and the file of the upload form; a body that cannot be read (too large,
/// cut off) is an inline error.
async fn read_upload(mut multipart: Multipart) -> Result<(String, Vec<u8>), Inline> {
    let mut token = String::new();
    let mut csv = Vec::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return Err(upload_error(e.status(), &e.body_text())),
        };
        let name = field.name().unwrap_or_default().to_owned();
        let value = field
            .bytes()
            .await
            .map_err(|e| upload_error(e.status(), &e.body_text()))?;
        match name.as_str() {
            "csrf_token" => token = String::from_utf8_lossy(&value).into_owned(),
            "csv" => csv = value.to_vec(),
            _ => {}
        }
    }
    Ok((token, csv))
}

fn upload_error(status: StatusCode, text: &str) -> Inline {
    let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
        "csv: the file is larger than 5 MiB; split it and upload the parts".to_owned()
    } else {
        format!("csv: the upload could not be read ({text})")
    };
    Inline { status, message }
}
