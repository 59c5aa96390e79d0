//! Enrollment > ADE: profiles (a three-step wizard like the guide's), the default profile per
//! OS, device groups, the Unassigned list and the explain view.
//!
//! The handlers only translate forms into [`cultivar_core::ade::AdeService`] calls and render
//! the API's own views (`crate::api::ade_views`), so the console validates, resolves and words
//! things exactly as `/api/v1` and the CLI do. After a change the browser is redirected with
//! `?done=<code>`; the notice is chosen by the code, so no request can make a page show
//! arbitrary text.

mod defaults;
mod device;
mod explain;
mod form;
mod groups;
mod members;
mod profiles;
mod unassigned;
mod wizard;

use axum::{
    extract::DefaultBodyLimit,
    response::Redirect,
    routing::{get, post},
    Router,
};
use serde::Deserialize;
use uuid::Uuid;

use super::{ConsoleError, ConsoleSession};
use crate::{api::ade_views, error::ApiError, AppState};

/// The section of the navigation these pages belong to.
const SECTION: &str = "/enrollment";
/// The ADE pages' common prefix.
const ADE: &str = "/enrollment/ade";
const PROFILES: &str = "/enrollment/ade/profiles";
const DEFAULTS: &str = "/enrollment/ade/defaults";
const GROUPS: &str = "/enrollment/ade/groups";
const UNASSIGNED: &str = "/enrollment/ade/unassigned";
const EXPLAIN: &str = "/enrollment/ade/explain";

/// CSV uploads: the API's 5 MiB plus room for the multipart envelope.
const CSV_BODY_LIMIT: usize = 5 * 1024 * 1024 + 64 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(ADE, get(landing))
        .route(PROFILES, get(profiles::list))
        .route(
            "/enrollment/ade/profiles/new",
            get(wizard::new_form).post(wizard::new_step),
        )
        .route(
            "/enrollment/ade/profiles/{id}/edit",
            get(wizard::edit_form).post(wizard::edit_step),
        )
        .route(
            "/enrollment/ade/profiles/{id}/delete",
            get(profiles::confirm_delete).post(profiles::delete),
        )
        .route(DEFAULTS, get(defaults::show))
        .route("/enrollment/ade/defaults/{os}", post(defaults::set))
        .route("/enrollment/ade/defaults/{os}/clear", post(defaults::clear))
        .route(GROUPS, get(groups::list).post(groups::create))
        .route("/enrollment/ade/groups/{id}", get(members::show))
        .route(
            "/enrollment/ade/groups/{id}/profile",
            post(groups::set_profile),
        )
        .route("/enrollment/ade/groups/{id}/delete", post(groups::delete))
        .route("/enrollment/ade/groups/{id}/members", post(members::add))
        .route(
            "/enrollment/ade/groups/{id}/members/remove",
            post(members::remove),
        )
        .route(
            "/enrollment/ade/groups/{id}/members.csv",
            post(members::upload_csv).layer(DefaultBodyLimit::max(CSV_BODY_LIMIT)),
        )
        .route(UNASSIGNED, get(unassigned::show))
        .route(EXPLAIN, get(explain::search))
        .route("/enrollment/ade/explain/{serial}", get(explain::show))
        .route(
            "/enrollment/ade/explain/{serial}/profile",
            post(device::set),
        )
        .route(
            "/enrollment/ade/explain/{serial}/profile/clear",
            post(device::clear),
        )
}

/// `/enrollment/ade` opens the profiles.
async fn landing(_session: ConsoleSession) -> Redirect {
    Redirect::to(PROFILES)
}

/// `?done=…` after a redirect: which action just succeeded (and on what, where it matters).
#[derive(Debug, Default, Deserialize)]
struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
    #[serde(default)]
    id: Option<String>,
}

/// One tab of the ADE pages' tab bar.
struct Tab {
    label: &'static str,
    href: &'static str,
    current: bool,
}

/// The tab bar, with `current` (one of the page constants) marked.
fn tabs(current: &str) -> Vec<Tab> {
    [
        ("Profiles", PROFILES),
        ("Defaults", DEFAULTS),
        ("Groups", GROUPS),
        ("Unassigned", UNASSIGNED),
        ("Explain", EXPLAIN),
    ]
    .into_iter()
    .map(|(label, href)| Tab {
        label,
        href,
        current: href == current,
    })
    .collect()
}

/// One option of a `<select>`.
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

/// The profile or group id of a path; anything that is not a UUID names nothing.
fn parse_id(raw: &str, what: &str) -> Result<Uuid, ConsoleError> {
    // The raw text is not echoed back: error pages show only what the server chose to say.
    Uuid::parse_str(raw).map_err(|_| ConsoleError::Api(ApiError::not_found(what)))
}

/// An error shown on the page itself, next to the form that caused it, with its status.
struct Inline {
    status: http::StatusCode,
    message: String,
}

impl Inline {
    /// Failures that concern the whole page (something missing, the database down, a bug)
    /// become the error page; the caller's mistakes are shown inline.
    fn from_err(err: impl Into<ApiError>) -> Result<Self, ConsoleError> {
        match err.into() {
            err @ (ApiError::NotFound(_)
            | ApiError::Unavailable { .. }
            | ApiError::Internal { .. }) => Err(ConsoleError::Api(err)),
            err => Ok(Inline::shown(err)),
        }
    }

    /// Like [`Inline::from_err`], but a missing thing the form named (a profile chosen in a
    /// list that was deleted meanwhile) is shown inline too.
    fn keep_missing(err: impl Into<ApiError>) -> Result<Self, ConsoleError> {
        match err.into() {
            err @ (ApiError::Unavailable { .. } | ApiError::Internal { .. }) => {
                Err(ConsoleError::Api(err))
            }
            err => Ok(Inline::shown(err)),
        }
    }

    fn shown(err: ApiError) -> Self {
        Inline {
            status: err.status(),
            message: err.to_body().error.message,
        }
    }
}

/// `YYYY-MM-DD HH:MM UTC`.
fn timestamp(at: time::OffsetDateTime) -> String {
    let utc = at.to_offset(time::UtcOffset::UTC);
    utc.format(time::macros::format_description!(
        "[year]-[month]-[day] [hour]:[minute] UTC"
    ))
    .unwrap_or_else(|_| utc.to_string())
}
