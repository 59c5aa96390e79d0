//! `GET /enrollment/ade/explain` (the serial search box) and `…/explain/{serial}`: why a
//! device has the profile it has — the chain step by step, cultivar's intent beside Apple's
//! record, the last push and its cooldown, the next action and a one-line diagnosis.

use askama::Template;
use axum::{
    extract::{rejection::QueryRejection, Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use cultivar_api_types::ade::{ExplanationView, StepView};
use cultivar_core::ade::normalize_serial;
use serde::Deserialize;

use super::ade_views::explanation_view;
use super::{groups::profile_choices, tabs, timestamp, Choice, DoneQuery, Inline, Tab};
use super::{EXPLAIN, SECTION};
use crate::{
    console::{error::render, Chrome, ConsoleError, ConsoleSession},
    error::ApiError,
    AppState,
};

#[derive(Template)]
#[template(path = "ade_explain.html")]
struct ExplainPage {
    chrome: Chrome,
    tabs: Vec<Tab>,
    /// What is in the search box (the serial shown, once found).
    serial: String,
    error: Option<String>,
    x: Option<Shown>,
    notice: Option<&'static str>,
    /// A refused device-profile change.
    device_error: Option<String>,
    /// Profiles for the device's own-profile form, its current one selected.
    device_choices: Vec<Choice>,
}

/// An explanation, as display strings.
struct Shown {
    serial: String,
    device_os: String,
    summary: String,
    assigned: bool,
    steps: Vec<StepRow>,
    conflict: Option<String>,
    intended: String,
    unassigned_reason: Option<String>,
    apple_uuid: String,
    apple_profile: String,
    apple_status: String,
    apple_assigned: String,
    apple_pushed: String,
    push: Option<PushRow>,
    next_action: String,
    /// The device has an explicit profile of its own.
    has_own_profile: bool,
}

struct StepRow {
    rule: String,
    profile: String,
    result: String,
    /// CSS class of the result.
    class: &'static str,
    message: String,
}

struct PushRow {
    result: String,
    class: &'static str,
    attempts: u64,
    last_attempt: String,
    retry_after: String,
    last_error: String,
}

fn step_row(s: &StepView) -> StepRow {
    let rule = match (s.rule.as_str(), &s.group, &s.os) {
        ("device", ..) => "Device profile".to_owned(),
        ("group", Some(g), _) => format!("Group “{}” (priority {})", g.name, g.priority),
        ("no_group_profile", ..) => "Groups".to_owned(),
        ("os_default", _, Some(os)) => format!("{os} default"),
        (other, ..) => other.replace('_', " "),
    };
    let profile = match (&s.profile_name, s.profile_id) {
        (Some(name), _) => name.clone(),
        (None, Some(id)) => format!("deleted profile {id}"),
        (None, None) => "—".to_owned(),
    };
    let class = match s.result.as_str() {
        "chosen" => "ok",
        "not_set" => "",
        _ => "warn",
    };
    StepRow {
        rule,
        profile,
        result: s.result.replace('_', " "),
        class,
        message: s.message.clone(),
    }
}

fn or_dash(v: Option<String>) -> String {
    v.filter(|s| !s.is_empty())
        .unwrap_or_else(|| "—".to_owned())
}

impl From<&ExplanationView> for Shown {
    fn from(x: &ExplanationView) -> Self {
        let a = &x.apple;
        Shown {
            serial: x.serial.clone(),
            device_os: or_dash(x.device_os.clone()),
            summary: x.summary.clone(),
            assigned: x.outcome == "assigned",
            steps: x.steps.iter().map(step_row).collect(),
            conflict: x.group_conflict.as_ref().map(|c| c.message.clone()),
            intended: x.intended_profile.as_ref().map_or_else(
                || "none (Unassigned)".to_owned(),
                |p| format!("{} ({})", p.name, p.os),
            ),
            unassigned_reason: x.unassigned_reason.as_ref().map(|r| r.message.clone()),
            apple_uuid: or_dash(a.profile_uuid.clone()),
            apple_profile: match (&a.profile, &a.profile_uuid) {
                (Some(p), _) => format!("{} ({})", p.name, p.os),
                (None, Some(_)) => "not one of cultivar's current definitions".to_owned(),
                (None, None) => "none".to_owned(),
            },
            apple_status: or_dash(a.profile_status.clone()),
            apple_assigned: or_dash(a.profile_assign_time.map(timestamp)),
            apple_pushed: or_dash(a.profile_push_time.map(timestamp)),
            push: x.push.as_ref().map(|p| PushRow {
                class: if p.result == "SUCCESS" { "ok" } else { "warn" },
                result: p.result.clone(),
                attempts: p.attempts,
                last_attempt: timestamp(p.last_attempt_at),
                retry_after: p.retry_after.map_or_else(
                    || "none".to_owned(),
                    |t| format!("not before {}", timestamp(t)),
                ),
                last_error: or_dash(p.last_error.clone()),
            }),
            has_own_profile: x
                .steps
                .iter()
                .any(|s| s.rule == "device" && s.profile_id.is_some()),
            next_action: x.next_action.as_ref().map_or_else(
                || "Nothing: Apple's record matches cultivar's intent.".to_owned(),
                |a| a.message.clone(),
            ),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct SearchQuery {
    #[serde(default)]
    serial: Option<String>,
}

pub(super) async fn search(
    session: ConsoleSession,
    query: Result<Query<SearchQuery>, QueryRejection>,
) -> Result<Response, ConsoleError> {
    let typed = query.ok().and_then(|Query(q)| q.serial).unwrap_or_default();
    if typed.trim().is_empty() {
        return page(&session, String::new(), None, StatusCode::OK);
    }
    match normalize_serial("serial", &typed) {
        // Letters and digits only, so the path needs no encoding.
        Ok(serial) => Ok(Redirect::to(&format!("{EXPLAIN}/{serial}")).into_response()),
        Err(err) => {
            let inline = Inline::from_err(err)?;
            page(&session, typed, Some(inline.message), inline.status)
        }
    }
}

pub(super) async fn show(
    session: ConsoleSession,
    State(state): State<AppState>,
    Path(serial): Path<String>,
    query: Result<Query<DoneQuery>, QueryRejection>,
) -> Result<Response, ConsoleError> {
    let serial = match normalize_serial("serial", &serial) {
        Ok(serial) => serial,
        Err(err) => {
            let inline = Inline::from_err(err)?;
            return page(&session, serial, Some(inline.message), inline.status);
        }
    };
    let notice = match query.ok().and_then(|Query(q)| q.done).as_deref() {
        Some("set") => {
            Some("This device now has its own profile; cultivar pushes it automatically.")
        }
        Some("cleared") => {
            Some("The device's own profile is cleared; its group profile or OS default applies.")
        }
        _ => None,
    };
    explained(&state, &session, serial, notice, None).await
}

/// The explanation of `serial` (already normalised), with a notice or a refused
/// device-profile change (answered with its status).
pub(super) async fn explained(
    state: &AppState,
    session: &ConsoleSession,
    serial: String,
    notice: Option<&'static str>,
    device_error: Option<Inline>,
) -> Result<Response, ConsoleError> {
    let x = match explanation_view(state, &serial).await {
        Ok(x) => x,
        // A serial ABM never reported: say so next to the search box.
        Err(ApiError::NotFound(message)) => {
            return page(session, serial, Some(message), StatusCode::NOT_FOUND)
        }
        Err(err) => return Err(err.into()),
    };
    let own = x
        .steps
        .iter()
        .find(|s| s.rule == "device")
        .and_then(|s| s.profile_id)
        .map(|id| id.to_string())
        .unwrap_or_default();
    // Not "(no profile)": clearing has its own button.
    let device_choices = profile_choices(state, &own)
        .await?
        .into_iter()
        .skip(1)
        .collect();
    let status = device_error.as_ref().map_or(StatusCode::OK, |e| e.status);
    let page = ExplainPage {
        chrome: session.chrome(SECTION),
        tabs: tabs(EXPLAIN),
        serial,
        error: None,
        x: Some(Shown::from(&x)),
        notice,
        device_error: device_error.map(|e| e.message),
        device_choices,
    };
    Ok((status, render(&page)?).into_response())
}

fn page(
    session: &ConsoleSession,
    serial: String,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, ConsoleError> {
    let page = ExplainPage {
        chrome: session.chrome(SECTION),
        tabs: tabs(EXPLAIN),
        serial,
        error,
        x: None,
        notice: None,
        device_error: None,
        device_choices: Vec::new(),
    };
    Ok((status, render(&page)?).into_response())
}
