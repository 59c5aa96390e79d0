//! One entry: its page, the public key download, and the small actions (check, renew, delete).

use askama::Template;
use axum::{
    extract::{rejection::QueryRejection, Path, Query, State},
    http::{header, HeaderValue},
    response::{Html, IntoResponse, Redirect, Response},
};
use cultivar_api_types::abm::AbmServerView;
use uuid::Uuid;

use super::{
    entry_path, parse_id,
    view::{date, EntryView, PageError},
    DoneQuery, SECTION,
};
use crate::{
    console::{error::render, Chrome, ConsoleError, ConsoleSession, CsrfForm, NoFields},
    error::ApiError,
    AppState,
};

#[derive(Template)]
#[template(path = "abm_entry.html")]
struct EntryPage {
    chrome: Chrome,
    entry: EntryView,
    notice: Option<String>,
    /// A failed action other than an upload, shown at the top.
    error: Option<String>,
    /// A refused upload, shown next to the upload form.
    upload_error: Option<String>,
}

#[derive(Template)]
#[template(path = "abm_delete.html")]
struct DeletePage {
    chrome: Chrome,
    entry: EntryView,
}

/// Where a failure is shown on the entry page.
pub(super) enum Failure {
    Action(PageError),
    Upload(PageError),
}

pub(super) async fn show(
    session: ConsoleSession,
    State(state): State<AppState>,
    Path(id): Path<String>,
    query: Result<Query<DoneQuery>, QueryRejection>,
) -> Result<Html<String>, ConsoleError> {
    let id = parse_id(&id)?;
    let done = query.ok().and_then(|Query(q)| q.done);
    render_entry(&state, &session, id, done.as_deref(), None).await
}

/// The entry page, with the notice of a finished action or the failure of a refused one.
pub(super) async fn render_entry(
    state: &AppState,
    session: &ConsoleSession,
    id: Uuid,
    done: Option<&str>,
    failure: Option<Failure>,
) -> Result<Html<String>, ConsoleError> {
    let server = state.abm.get(id).await?;
    let (error, upload_error) = match failure {
        Some(Failure::Action(e)) => (Some(e.message), None),
        Some(Failure::Upload(e)) => (None, Some(e.message)),
        None => (None, None),
    };
    render(&EntryPage {
        chrome: session.chrome(SECTION),
        entry: EntryView::from(&server),
        notice: done.and_then(|code| notice(code, &server)),
        error,
        upload_error,
    })
}

/// The entry page again with `failure`, answered with the failure's status.
pub(super) async fn refused(
    state: &AppState,
    session: &ConsoleSession,
    id: Uuid,
    failure: Failure,
) -> Result<Response, ConsoleError> {
    let status = match &failure {
        Failure::Action(e) | Failure::Upload(e) => e.status,
    };
    let page = render_entry(state, session, id, None, Some(failure)).await?;
    Ok((status, page).into_response())
}

/// The message for `?done=<code>`, filled from the entry as stored now.
fn notice(code: &str, server: &AbmServerView) -> Option<String> {
    let text = match code {
        "created" => "ABM server entry created. Follow the four steps below to connect it to \
                      Apple Business Manager."
            .to_owned(),
        "uploaded" => match (&server.account, &server.token) {
            (Some(account), Some(token)) => format!(
                "Token uploaded: {}, expires {}",
                account.org_name,
                date(token.expires_at)
            ),
            (None, Some(token)) => format!(
                "Token uploaded: expires {}. {}.",
                date(token.expires_at),
                server.status_label
            ),
            _ => "Token uploaded.".to_owned(),
        },
        "renewal" => "Renewal started: download the new public key (step 1) and upload it to this \
                      MDM server in Apple Business Manager. The current token keeps working until \
                      you upload the new one."
            .to_owned(),
        "refreshed" => format!("Checked with Apple: {}.", server.status_label),
        _ => return None,
    };
    Some(text)
}

pub(super) async fn public_key(
    _session: ConsoleSession,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    let id = parse_id(&id)?;
    let server = state.abm.get(id).await?;
    let pem = state.abm.public_key(id).await?;
    let disposition = format!("attachment; filename=\"{}\"", pem_filename(&server.name));
    let disposition = HeaderValue::from_str(&disposition).map_err(ApiError::internal)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/x-pem-file"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        pem,
    )
        .into_response())
}

/// `cultivar-abm-<name>.pem`, reduced to characters safe in a header and on every file system.
fn pem_filename(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '-' | '_' => c,
            _ => '_',
        })
        .take(60)
        .collect();
    format!("cultivar-abm-{safe}.pem")
}

pub(super) async fn refresh(
    Path(id): Path<String>,
    State(state): State<AppState>,
    CsrfForm { session, .. }: CsrfForm<NoFields>,
) -> Result<Response, ConsoleError> {
    let id = parse_id(&id)?;
    match state.abm.refresh(id).await {
        Ok(_) => Ok(done(id, "refreshed")),
        Err(err) => {
            refused(
                &state,
                &session,
                id,
                Failure::Action(PageError::shown_inline(err)?),
            )
            .await
        }
    }
}

pub(super) async fn renew(
    Path(id): Path<String>,
    State(state): State<AppState>,
    CsrfForm { session, .. }: CsrfForm<NoFields>,
) -> Result<Response, ConsoleError> {
    let id = parse_id(&id)?;
    match state.abm.start_renewal(id, &session.actor()).await {
        Ok(_) => Ok(done(id, "renewal")),
        Err(err) => {
            refused(
                &state,
                &session,
                id,
                Failure::Action(PageError::shown_inline(err)?),
            )
            .await
        }
    }
}

pub(super) async fn confirm_delete(
    session: ConsoleSession,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Html<String>, ConsoleError> {
    let id = parse_id(&id)?;
    let server = state.abm.get(id).await?;
    render(&DeletePage {
        chrome: session.chrome(SECTION),
        entry: EntryView::from(&server),
    })
}

pub(super) async fn delete(
    Path(id): Path<String>,
    State(state): State<AppState>,
    CsrfForm { session, .. }: CsrfForm<NoFields>,
) -> Result<Response, ConsoleError> {
    let id = parse_id(&id)?;
    state.abm.delete(id, &session.actor()).await?;
    Ok(Redirect::to(&format!("{SECTION}?done=deleted")).into_response())
}

/// Back to the entry page with the notice for `code` (post/redirect/get).
pub(super) fn done(id: Uuid, code: &str) -> Response {
    Redirect::to(&format!("{}?done={code}", entry_path(id))).into_response()
}

#[cfg(test)]
mod tests {
    use super::pem_filename;

    #[test]
    fn pem_filenames_are_header_safe() {
        assert_eq!(pem_filename("Main ABM"), "cultivar-abm-Main_ABM.pem");
        assert_eq!(pem_filename("a\"b\r\nc/é"), "cultivar-abm-a_b__c__.pem");
    }
}
