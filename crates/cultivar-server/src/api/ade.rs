//! `/api/v1/ade/…` and `/api/v1/devices/{serial}/ade-profile`: ADE profiles, per-OS defaults,
//! explicit device profiles, and the views that explain them (unassigned, explain, plan),
//! plus "push now". Every change is audited and reaches Apple through the automatic push.

use axum::{extract::State, http::StatusCode};
use cultivar_api_types::{
    ade::{
        AdeProfileList, AdeProfileSaved, AdeProfileView, ApplySummaryView, DeviceProfileView,
        ExplanationView, FieldWarning, OsDefaultView, OsDefaultsView, PlanView, ProfileChoice,
        ProfileDeleteQuery, ProfileUpdateQuery, UnassignedList,
    },
    ErrorBody,
};
use cultivar_core::ade::{AdeOs, SavedProfile};
use cultivar_store::NewAuditEntry;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

use super::ade_views::{self, brief};
use super::{Access, AdminAccess, ApiMethod, ApiRoutes, Principal, ReadAccess};
use crate::{
    error::{ApiError, ApiJson, ApiPath, ApiQuery},
    AppState,
};

const PROFILES: &str = "/api/v1/ade/profiles";
const PROFILE: &str = "/api/v1/ade/profiles/{profile}";
const DEFAULT: &str = "/api/v1/ade/defaults/{os}";
const DEVICE_PROFILE: &str = "/api/v1/devices/{serial}/ade-profile";

pub fn routes() -> ApiRoutes {
    ApiRoutes::new()
        .route(ApiMethod::Get, PROFILES, Access::Read, list_profiles)
        .route(ApiMethod::Post, PROFILES, Access::Admin, create_profile)
        .route(ApiMethod::Get, PROFILE, Access::Read, show_profile)
        .route(ApiMethod::Put, PROFILE, Access::Admin, update_profile)
        .route(ApiMethod::Delete, PROFILE, Access::Admin, delete_profile)
        .route(
            ApiMethod::Get,
            "/api/v1/ade/defaults",
            Access::Read,
            defaults,
        )
        .route(ApiMethod::Put, DEFAULT, Access::Admin, set_default)
        .route(ApiMethod::Delete, DEFAULT, Access::Admin, clear_default)
        .route(ApiMethod::Put, DEVICE_PROFILE, Access::Admin, set_device)
        .route(
            ApiMethod::Delete,
            DEVICE_PROFILE,
            Access::Admin,
            clear_device,
        )
        .route(
            ApiMethod::Get,
            "/api/v1/ade/unassigned",
            Access::Read,
            unassigned,
        )
        .route(
            ApiMethod::Get,
            "/api/v1/ade/explain/{serial}",
            Access::Read,
            explain,
        )
        .route(ApiMethod::Get, "/api/v1/ade/plan", Access::Read, plan)
        .route(ApiMethod::Post, "/api/v1/ade/apply", Access::Admin, apply)
}

#[derive(OpenApi)]
#[openapi(paths(
    list_profiles,
    create_profile,
    show_profile,
    update_profile,
    delete_profile,
    defaults,
    set_default,
    clear_default,
    set_device,
    clear_device,
    unassigned,
    explain,
    plan,
    apply
))]
pub struct Doc;

/// Records an administrator's change in the audit log.
pub(super) async fn audit(
    state: &AppState,
    who: &Principal,
    action: &str,
    target: String,
    detail: serde_json::Value,
) -> Result<(), ApiError> {
    let entry = NewAuditEntry {
        actor: who.actor(),
        action: action.to_owned(),
        target: Some(target),
        detail,
    };
    state.store.append_audit(&entry).await?;
    Ok(())
}

/// An OS path or body value, accepted in any case (`ios` → `iOS`).
pub(super) fn parse_os(field: &str, raw: &str) -> Result<AdeOs, ApiError> {
    AdeOs::ALL
        .into_iter()
        .find(|os| os.as_str().eq_ignore_ascii_case(raw.trim()))
        .ok_or_else(|| {
            ApiError::invalid(
                field,
                format!("must be one of iOS, iPadOS, macOS, tvOS, visionOS (got {raw:?})"),
            )
        })
}

async fn saved(state: &AppState, s: SavedProfile) -> Result<AdeProfileSaved, ApiError> {
    Ok(AdeProfileSaved {
        profile: ade_views::profile_view(state, &s.profile).await?,
        warnings: s
            .warnings
            .into_iter()
            .map(|w| FieldWarning {
                field: w.field,
                message: w.message,
            })
            .collect(),
    })
}

/// Every ADE profile, ordered by name, with usage and definitions.
#[utoipa::path(get, path = "/api/v1/ade/profiles", tag = "ade",
    responses((status = 200, body = AdeProfileList), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
async fn list_profiles(
    _: ReadAccess,
    State(state): State<AppState>,
) -> Result<ApiJson<AdeProfileList>, ApiError> {
    let mut profiles = Vec::new();
    for p in state.store.list_ade_profiles().await? {
        profiles.push(ade_views::profile_view(&state, &p).await?);
    }
    Ok(ApiJson(AdeProfileList { profiles }))
}

/// Creates a profile from Apple's profile JSON plus `"os"` (and optionally `"description"`).
/// Every field breaking one of Apple's rules is listed in `error.errors` (422); nothing is
/// stored then.
#[utoipa::path(post, path = "/api/v1/ade/profiles", tag = "ade",
    request_body(content = Object, description = "Apple's profile JSON plus \"os\""),
    responses((status = 201, body = AdeProfileSaved), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn create_profile(
    AdminAccess(who): AdminAccess,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<(StatusCode, ApiJson<AdeProfileSaved>), ApiError> {
    let s = state.ade.create_profile(&body.to_string()).await?;
    let (id, name) = (s.profile.id, s.profile.name.clone());
    let detail = serde_json::json!({ "name": name });
    audit(
        &state,
        &who,
        "ade.profile.create",
        format!("ade_profile:{id}"),
        detail,
    )
    .await?;
    Ok((StatusCode::CREATED, ApiJson(saved(&state, s).await?)))
}

/// One profile by UUID or name.
#[utoipa::path(get, path = "/api/v1/ade/profiles/{profile}", tag = "ade",
    params(("profile" = String, Path, description = "Profile UUID or name")),
    responses((status = 200, body = AdeProfileView), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn show_profile(
    _: ReadAccess,
    State(state): State<AppState>,
    ApiPath(key): ApiPath<String>,
) -> Result<ApiJson<AdeProfileView>, ApiError> {
    let p = state.ade.profile(&key).await?;
    Ok(ApiJson(ade_views::profile_view(&state, &p).await?))
}

/// Replaces a profile (body as for create). With `revision`, a newer stored revision is a
/// 409. The changed profile is defined again with Apple and re-assigned to its devices.
#[utoipa::path(put, path = "/api/v1/ade/profiles/{profile}", tag = "ade",
    params(("profile" = String, Path, description = "Profile UUID or name"), ProfileUpdateQuery),
    request_body(content = Object, description = "Apple's profile JSON plus \"os\""),
    responses((status = 200, body = AdeProfileSaved), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn update_profile(
    AdminAccess(who): AdminAccess,
    State(state): State<AppState>,
    ApiPath(key): ApiPath<String>,
    ApiQuery(q): ApiQuery<ProfileUpdateQuery>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<ApiJson<AdeProfileSaved>, ApiError> {
    let id = state.ade.profile(&key).await?.id;
    let s = state
        .ade
        .update_profile(id, q.revision, &body.to_string())
        .await?;
    let detail = serde_json::json!({ "name": s.profile.name, "revision": s.profile.revision });
    audit(
        &state,
        &who,
        "ade.profile.update",
        format!("ade_profile:{id}"),
        detail,
    )
    .await?;
    Ok(ApiJson(saved(&state, s).await?))
}

/// Deletes a profile. One in use is a 409 unless `force=true`, which leaves its devices,
/// groups and defaults to the next rule.
#[utoipa::path(delete, path = "/api/v1/ade/profiles/{profile}", tag = "ade",
    params(("profile" = String, Path, description = "Profile UUID or name"), ProfileDeleteQuery),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn delete_profile(
    AdminAccess(who): AdminAccess,
    State(state): State<AppState>,
    ApiPath(key): ApiPath<String>,
    ApiQuery(q): ApiQuery<ProfileDeleteQuery>,
) -> Result<StatusCode, ApiError> {
    let p = state.ade.profile(&key).await?;
    state.ade.delete_profile(p.id, q.force).await?;
    let detail = serde_json::json!({ "name": p.name, "force": q.force });
    let target = format!("ade_profile:{}", p.id);
    audit(&state, &who, "ade.profile.delete", target, detail).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every OS with its default profile, or `null`.
#[utoipa::path(get, path = "/api/v1/ade/defaults", tag = "ade",
    responses((status = 200, body = OsDefaultsView), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
async fn defaults(
    _: ReadAccess,
    State(state): State<AppState>,
) -> Result<ApiJson<OsDefaultsView>, ApiError> {
    Ok(ApiJson(ade_views::defaults_view(&state).await?))
}

/// The profile named in the body, which must be set.
fn required(choice: ProfileChoice, clear: &str) -> Result<String, ApiError> {
    choice.profile.ok_or_else(|| {
        ApiError::invalid(
            "profile",
            format!("required: a profile UUID or name (to clear, {clear})"),
        )
    })
}

/// Sets the default profile of an OS (a profile of that OS).
#[utoipa::path(put, path = "/api/v1/ade/defaults/{os}", tag = "ade",
    params(("os" = String, Path, description = "iOS, iPadOS, macOS, tvOS or visionOS")),
    request_body = ProfileChoice,
    responses((status = 200, body = OsDefaultView), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn set_default(
    AdminAccess(who): AdminAccess,
    State(state): State<AppState>,
    ApiPath(os): ApiPath<String>,
    ApiJson(body): ApiJson<ProfileChoice>,
) -> Result<ApiJson<OsDefaultView>, ApiError> {
    let os = parse_os("os", &os)?;
    let key = required(body, "DELETE /api/v1/ade/defaults/{os}")?;
    let set = state.ade.set_os_default(os, &key).await?;
    let detail = serde_json::json!({ "profile_id": set.profile_id });
    audit(
        &state,
        &who,
        "ade.default.set",
        format!("ade_default:{os}"),
        detail,
    )
    .await?;
    Ok(ApiJson(ade_views::default_view(&state, &set).await?))
}

/// Clears the default of an OS; 404 when it had none.
#[utoipa::path(delete, path = "/api/v1/ade/defaults/{os}", tag = "ade",
    params(("os" = String, Path, description = "iOS, iPadOS, macOS, tvOS or visionOS")),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn clear_default(
    AdminAccess(who): AdminAccess,
    State(state): State<AppState>,
    ApiPath(os): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let os = parse_os("os", &os)?;
    if !state.ade.clear_os_default(os).await? {
        return Err(ApiError::not_found(format!("the {os} default profile")));
    }
    let detail = serde_json::json!({});
    audit(
        &state,
        &who,
        "ade.default.clear",
        format!("ade_default:{os}"),
        detail,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Gives a device an explicit profile (wins over its groups and its OS default). A serial
/// ABM has not reported yet is kept and applies once it syncs.
#[utoipa::path(put, path = "/api/v1/devices/{serial}/ade-profile", tag = "ade",
    params(("serial" = String, Path, description = "Serial number")),
    request_body = ProfileChoice,
    responses((status = 200, body = DeviceProfileView), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn set_device(
    AdminAccess(who): AdminAccess,
    State(state): State<AppState>,
    ApiPath(serial): ApiPath<String>,
    ApiJson(body): ApiJson<ProfileChoice>,
) -> Result<ApiJson<DeviceProfileView>, ApiError> {
    let key = required(body, "DELETE /api/v1/devices/{serial}/ade-profile")?;
    let set = state.ade.set_device_profile(&serial, &key).await?;
    let profile = state.ade.profile(&set.profile_id.to_string()).await?;
    let known = state.store.abm_device(&set.serial_number).await?.is_some();
    let detail = serde_json::json!({ "profile_id": set.profile_id });
    let target = format!("device:{}", set.serial_number);
    audit(&state, &who, "ade.device_profile.set", target, detail).await?;
    Ok(ApiJson(DeviceProfileView {
        serial: set.serial_number,
        profile: brief(&profile),
        assigned_at: set.assigned_at,
        known_to_abm: known,
    }))
}

/// Clears a device's explicit profile (it falls to its groups or OS default); 404 if none.
#[utoipa::path(delete, path = "/api/v1/devices/{serial}/ade-profile", tag = "ade",
    params(("serial" = String, Path, description = "Serial number")),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn clear_device(
    AdminAccess(who): AdminAccess,
    State(state): State<AppState>,
    ApiPath(serial): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    if !state.ade.clear_device_profile(&serial).await? {
        return Err(ApiError::not_found(format!(
            "an explicit ADE profile of {serial:?}"
        )));
    }
    let target = format!("device:{}", serial.trim().to_ascii_uppercase());
    let detail = serde_json::json!({});
    audit(&state, &who, "ade.device_profile.clear", target, detail).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Query of `GET /api/v1/ade/unassigned`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct UnassignedQuery {
    /// Also list devices removed from their ABM server (reason `device_removed`).
    #[serde(default)]
    include_removed: bool,
}

/// Every device without a profile, with its reason and the fix, and counts per reason.
#[utoipa::path(get, path = "/api/v1/ade/unassigned", tag = "ade", params(UnassignedQuery),
    responses((status = 200, body = UnassignedList), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
async fn unassigned(
    _: ReadAccess,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<UnassignedQuery>,
) -> Result<ApiJson<UnassignedList>, ApiError> {
    Ok(ApiJson(
        ade_views::unassigned_view(&state, q.include_removed).await?,
    ))
}

/// The resolution chain of one device, the profile cultivar intends, Apple's record, the
/// last push and the next action, side by side; 404 for a serial ABM never reported.
#[utoipa::path(get, path = "/api/v1/ade/explain/{serial}", tag = "ade",
    params(("serial" = String, Path, description = "Serial number")),
    responses((status = 200, body = ExplanationView), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn explain(
    _: ReadAccess,
    State(state): State<AppState>,
    ApiPath(serial): ApiPath<String>,
) -> Result<ApiJson<ExplanationView>, ApiError> {
    let serial = serial.trim().to_ascii_uppercase();
    Ok(ApiJson(ade_views::explanation_view(&state, &serial).await?))
}

/// Dry run: what the next push would assign, remove or wait for, without sending anything.
#[utoipa::path(get, path = "/api/v1/ade/plan", tag = "ade",
    responses((status = 200, body = PlanView), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
async fn plan(_: ReadAccess, State(state): State<AppState>) -> Result<ApiJson<PlanView>, ApiError> {
    Ok(ApiJson(ade_views::plan_view(&state).await?))
}

/// Pushes now instead of waiting for the automatic run (which follows every change anyway).
#[utoipa::path(post, path = "/api/v1/ade/apply", tag = "ade",
    responses((status = 200, body = ApplySummaryView), (status = 503, body = ErrorBody)),
    security(("bearer" = [])))]
async fn apply(
    AdminAccess(who): AdminAccess,
    State(state): State<AppState>,
) -> Result<ApiJson<ApplySummaryView>, ApiError> {
    let s = state.ade.apply().await?;
    let view = ApplySummaryView {
        defined: s.defined,
        assigned: s.assigned,
        removed: s.removed,
        failed: s.failed,
        throttled: s.throttled,
        not_accessible: s.not_accessible,
        waiting: s.waiting,
    };
    let detail = serde_json::to_value(view).map_err(ApiError::internal)?;
    audit(&state, &who, "ade.apply", "ade".to_owned(), detail).await?;
    Ok(ApiJson(view))
}
