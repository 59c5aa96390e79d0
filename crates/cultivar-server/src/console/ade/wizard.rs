//! The profile wizard (`/enrollment/ade/profiles/new` and `…/{id}/edit`): basic info, skip
//! items for the chosen OS, enrollment behaviour — as in the guide.
//!
//! All three steps are in one form; the steps not shown are `hidden` fieldsets, so the page
//! itself carries what was typed from step to step (no server-side draft). "Next" checks the
//! fields so far with core's validator; "Save" posts Apple's profile JSON plus `"os"` to
//! [`AdeService::create_profile`](cultivar_core::ade::AdeService::create_profile) or
//! `update_profile`, so the rules and codes are exactly the API's. Refused fields are shown
//! next to their inputs with Apple's code, on the first step that has one.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{Html, IntoResponse, Redirect, Response},
};
use cultivar_core::{
    ade::{validate_profile, AdeOs, AdeProfileInput, InvalidProfile, UnknownOs},
    CoreError,
};
use cultivar_store::{AdeProfile, StoreError};
use serde_json::Value;

use super::{
    form::{FieldErr, ProfileForm, SkipChoice, STEPS},
    parse_id, tabs, Tab, PROFILES, SECTION,
};
use crate::{
    console::{error::render, Chrome, ConsoleError, ConsoleSession, CsrfForm},
    AppState,
};

/// The posted fields, in order (checkbox lists repeat a name).
type Pairs = Vec<(String, String)>;

#[derive(Template)]
#[template(path = "ade_profile_form.html")]
struct WizardPage {
    chrome: Chrome,
    tabs: Vec<Tab>,
    /// Where the form posts.
    action: String,
    heading: String,
    form: ProfileForm,
    oses: Vec<&'static str>,
    skip_choices: Vec<SkipChoice>,
    skip_other: String,
    errors: Vec<FieldErr>,
    /// A failure of the whole form (someone else saved the profile meanwhile).
    error: Option<String>,
}

impl WizardPage {
    fn new(session: &ConsoleSession, editing: Option<&AdeProfile>, form: ProfileForm) -> Self {
        let (action, heading) = match editing {
            None => (format!("{PROFILES}/new"), "New ADE profile".to_owned()),
            Some(p) => (
                format!("{PROFILES}/{}/edit", p.id),
                format!("Edit “{}”", p.name),
            ),
        };
        WizardPage {
            chrome: session.chrome(SECTION),
            tabs: tabs(PROFILES),
            action,
            heading,
            skip_choices: form.skip_choices(),
            skip_other: form.skip_other(),
            form,
            oses: AdeOs::ALL.iter().map(|os| os.as_str()).collect(),
            errors: Vec::new(),
            error: None,
        }
    }

    /// The errors of one input (template helper).
    fn errs(&self, input: &str) -> Vec<&FieldErr> {
        self.errors.iter().filter(|e| e.input() == input).collect()
    }

    fn respond(&self, status: StatusCode) -> Result<Response, ConsoleError> {
        Ok((status, render(self)?).into_response())
    }
}

pub(super) async fn new_form(session: ConsoleSession) -> Result<Html<String>, ConsoleError> {
    render(&WizardPage::new(&session, None, ProfileForm::default()))
}

pub(super) async fn new_step(
    State(state): State<AppState>,
    CsrfForm { session, form }: CsrfForm<Pairs>,
) -> Result<Response, ConsoleError> {
    step(&state, &session, None, &form).await
}

pub(super) async fn edit_form(
    session: ConsoleSession,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Html<String>, ConsoleError> {
    let profile = stored(&state, &id).await?;
    let body = body_of(&profile);
    let form = ProfileForm::from_stored(&body, &profile.os, &profile.description, profile.revision);
    render(&WizardPage::new(&session, Some(&profile), form))
}

pub(super) async fn edit_step(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { session, form }: CsrfForm<Pairs>,
) -> Result<Response, ConsoleError> {
    let profile = stored(&state, &id).await?;
    step(&state, &session, Some(&profile), &form).await
}

async fn stored(state: &AppState, id: &str) -> Result<AdeProfile, ConsoleError> {
    let id = parse_id(id, "ADE profile")?;
    Ok(state.ade.profile(&id.to_string()).await?)
}

fn body_of(profile: &AdeProfile) -> Value {
    serde_json::from_str(&profile.body).unwrap_or(Value::Null)
}

/// One press of Back, Next or Save.
async fn step(
    state: &AppState,
    session: &ConsoleSession,
    editing: Option<&AdeProfile>,
    pairs: &Pairs,
) -> Result<Response, ConsoleError> {
    let mut form = ProfileForm::from_pairs(pairs);
    let pressed = pairs
        .iter()
        .rev()
        .find(|(k, _)| k == "action")
        .map_or("next", |(_, v)| v.as_str());
    let base = editing.map(body_of);
    match pressed {
        "back" => {
            form.step = form.step.saturating_sub(1).max(1);
            WizardPage::new(session, editing, form).respond(StatusCode::OK)
        }
        "save" => save(state, session, editing, form, base.as_ref()).await,
        _ => {
            let errors: Vec<FieldErr> = preview(&form, base.as_ref())
                .into_iter()
                .filter(|e| e.step() <= form.step)
                .collect();
            if errors.is_empty() {
                form.step = (form.step + 1).min(STEPS);
                return WizardPage::new(session, editing, form).respond(StatusCode::OK);
            }
            refused(session, editing, form, errors)
        }
    }
}

/// The page again on the first step with an error, the errors next to their inputs.
fn refused(
    session: &ConsoleSession,
    editing: Option<&AdeProfile>,
    mut form: ProfileForm,
    errors: Vec<FieldErr>,
) -> Result<Response, ConsoleError> {
    form.step = errors.iter().map(FieldErr::step).min().unwrap_or(form.step);
    let mut page = WizardPage::new(session, editing, form);
    page.errors = errors;
    page.respond(StatusCode::UNPROCESSABLE_ENTITY)
}

/// Core's validation of what the form holds so far (nothing is stored).
fn preview(form: &ProfileForm, base: Option<&Value>) -> Vec<FieldErr> {
    if form.ade_os().is_none() {
        return vec![FieldErr {
            field: "os".into(),
            code: String::new(),
            message: UnknownOs(form.os.clone()).to_string(),
        }];
    }
    let mut json = form.to_json(base);
    // cultivar's own key: core takes it out before validating Apple's fields.
    if let Some(o) = json.as_object_mut() {
        o.remove("description");
    }
    match AdeProfileInput::from_json(&json.to_string()).and_then(validate_profile) {
        Ok(_) => Vec::new(),
        Err(invalid) => field_errors(&invalid),
    }
}

fn field_errors(invalid: &InvalidProfile) -> Vec<FieldErr> {
    invalid
        .errors
        .iter()
        .map(|e| FieldErr {
            field: e.field.clone(),
            code: e.code.as_str().to_owned(),
            message: e.rule.clone(),
        })
        .collect()
}

async fn save(
    state: &AppState,
    session: &ConsoleSession,
    editing: Option<&AdeProfile>,
    form: ProfileForm,
    base: Option<&Value>,
) -> Result<Response, ConsoleError> {
    let json = form.to_json(base).to_string();
    let result = match editing {
        None => state.ade.create_profile(&json).await,
        Some(p) => state.ade.update_profile(p.id, form.revision, &json).await,
    };
    let err = match result {
        Ok(saved) => {
            let done = if editing.is_some() {
                "updated"
            } else {
                "created"
            };
            let to = format!("{PROFILES}?done={done}&id={}", saved.profile.id);
            return Ok(Redirect::to(&to).into_response());
        }
        Err(err) => err,
    };
    let errors = match err {
        CoreError::InvalidProfile(invalid) => field_errors(&invalid),
        CoreError::Invalid { field, rule } => vec![FieldErr {
            field,
            code: String::new(),
            message: rule,
        }],
        CoreError::Conflict { .. } | CoreError::Store(StoreError::Conflict { .. }) => {
            return conflict(state, session, editing, form).await;
        }
        other => return Err(other.into()),
    };
    refused(session, editing, form, errors)
}

/// A 409: someone else saved the profile since the edit began, or the name is taken.
async fn conflict(
    state: &AppState,
    session: &ConsoleSession,
    editing: Option<&AdeProfile>,
    mut form: ProfileForm,
) -> Result<Response, ConsoleError> {
    if let Some(p) = editing {
        let current = state.ade.profile(&p.id.to_string()).await?;
        if Some(current.revision) != form.revision {
            let message = format!(
                "This profile was changed by someone else while you edited it (it is now at \
                 revision {}, you started from revision {}). Your changes are still below: \
                 save again to replace theirs, or open the profile again to start from the \
                 current version.",
                current.revision,
                form.revision.unwrap_or_default()
            );
            // A second Save is a deliberate overwrite of what the message names.
            form.revision = Some(current.revision);
            let mut page = WizardPage::new(session, editing, form);
            page.error = Some(message);
            return page.respond(StatusCode::CONFLICT);
        }
    }
    let name = FieldErr {
        field: "profile_name".into(),
        code: String::new(),
        message: format!(
            "another profile is already called {:?}; choose another name",
            form.profile_name
        ),
    };
    let mut page = WizardPage::new(session, editing, ProfileForm { step: 1, ..form });
    page.errors = vec![name];
    page.respond(StatusCode::CONFLICT)
}
