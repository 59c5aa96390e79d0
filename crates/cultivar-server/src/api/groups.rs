//! `/api/v1/groups/…`: static and OS-based device groups, their priority, their ADE profile
//! and the members of static groups (JSON lists or a CSV of serials).

use std::collections::HashSet;

use axum::{
    body::Bytes,
    extract::{rejection::BytesRejection, DefaultBodyLimit, State},
    handler::Handler,
    http::StatusCode,
};
use cultivar_api_types::{
    ade::{
        CreateGroup, GroupList, GroupMembersView, GroupSerials, GroupView, MembersAddedView,
        MembersQuery, MembersRemovedView, ProfileChoice, RejectedRow, UpdateGroup,
    },
    ErrorBody,
};

use cultivar_store::{DeviceGroup, DeviceGroupUpdate, GroupKind, MembersAdded, NewDeviceGroup};
use utoipa::OpenApi;

use super::ade::{audit, parse_os};
use super::ade_views::group_view;
use super::{Access, AdminAccess, ApiMethod, ApiRoutes, Principal, ReadAccess};
use crate::{
    error::{ApiError, ApiJson, ApiPath, ApiQuery},
    AppState,
};

const GROUPS: &str = "/api/v1/groups";
const GROUP: &str = "/api/v1/groups/{group}";
const MEMBERS: &str = "/api/v1/groups/{group}/members";
/// The largest CSV of serials accepted (about 400,000 rows).
pub const CSV_LIMIT: usize = 5 * 1024 * 1024;

pub fn routes() -> ApiRoutes {
    ApiRoutes::new()
        .route(ApiMethod::Get, GROUPS, Access::Read, list)
        .route(ApiMethod::Post, GROUPS, Access::Admin, create)
        .route(ApiMethod::Get, GROUP, Access::Read, show)
        .route(ApiMethod::Patch, GROUP, Access::Admin, update)
        .route(ApiMethod::Delete, GROUP, Access::Admin, delete)
        .route(
            ApiMethod::Put,
            "/api/v1/groups/{group}/profile",
            Access::Admin,
            set_profile,
        )
        .route(ApiMethod::Get, MEMBERS, Access::Read, members)
        .route(ApiMethod::Post, MEMBERS, Access::Admin, add_members)
        .route(
            ApiMethod::Post,
            "/api/v1/groups/{group}/members.csv",
            Access::Admin,
            import_csv.layer(DefaultBodyLimit::max(CSV_LIMIT)),
        )
        .route(ApiMethod::Delete, MEMBERS, Access::Admin, remove_members)
}

#[derive(OpenApi)]
#[openapi(paths(
    list,
    create,
    show,
    update,
    delete,
    set_profile,
    members,
    add_members,
    import_csv,
    remove_members
))]
pub struct Doc;

fn target(g: &DeviceGroup) -> String {
    format!("group:{}", g.id)
}

async fn changed(
    state: &AppState,
    who: &Principal,
    action: &str,
    g: &DeviceGroup,
    detail: serde_json::Value,
) -> Result<(), ApiError> {
    audit(state, who, action, target(g), detail).await
}

/// Every group, ordered by name.
#[utoipa::path(get, path = "/api/v1/groups", tag = "groups",
    responses((status = 200, body = GroupList), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
async fn list(
    _: ReadAccess,
    State(state): State<AppState>,
) -> Result<ApiJson<GroupList>, ApiError> {
    let mut groups = Vec::new();
    for g in state.store.list_device_groups().await? {
        groups.push(group_view(&state, &g).await?);
    }
    Ok(ApiJson(GroupList { groups }))
}

/// Creates a group: OS-based with `os`, else static; optionally with a profile.
#[utoipa::path(post, path = "/api/v1/groups", tag = "groups", request_body = CreateGroup,
    responses((status = 201, body = GroupView), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn create(
    AdminAccess(who): AdminAccess,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<CreateGroup>,
) -> Result<(StatusCode, ApiJson<GroupView>), ApiError> {
    let os = body
        .os
        .as_deref()
        .map(|os| parse_os("os", os))
        .transpose()?;
    let new = NewDeviceGroup {
        name: body.name.trim().to_owned(),
        kind: if os.is_some() {
            GroupKind::Os
        } else {
            GroupKind::Static
        },
        os: os.map(|os| os.as_str().to_owned()),
        priority: body.priority,
        profile_id: None,
    };
    let g = state.ade.create_group(new, body.profile.as_deref()).await?;
    let detail = serde_json::json!({ "name": g.name, "os": g.os, "priority": g.priority });
    changed(&state, &who, "group.create", &g, detail).await?;
    Ok((StatusCode::CREATED, ApiJson(group_view(&state, &g).await?)))
}

/// One group by UUID or name.
#[utoipa::path(get, path = "/api/v1/groups/{group}", tag = "groups",
    params(("group" = String, Path, description = "Group UUID or name")),
    responses((status = 200, body = GroupView), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn show(
    _: ReadAccess,
    State(state): State<AppState>,
    ApiPath(key): ApiPath<String>,
) -> Result<ApiJson<GroupView>, ApiError> {
    let g = state.ade.group(&key).await?;
    Ok(ApiJson(group_view(&state, &g).await?))
}

/// Renames a group or changes its priority (absent fields are kept).
#[utoipa::path(patch, path = "/api/v1/groups/{group}", tag = "groups",
    params(("group" = String, Path, description = "Group UUID or name")),
    request_body = UpdateGroup,
    responses((status = 200, body = GroupView), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn update(
    AdminAccess(who): AdminAccess,
    State(state): State<AppState>,
    ApiPath(key): ApiPath<String>,
    ApiJson(body): ApiJson<UpdateGroup>,
) -> Result<ApiJson<GroupView>, ApiError> {
    let id = state.ade.group(&key).await?.id;
    let update = DeviceGroupUpdate {
        name: body.name.map(|n| n.trim().to_owned()),
        priority: body.priority,
        profile_id: None,
    };
    let g = state.ade.update_group(id, update).await?;
    let detail = serde_json::json!({ "name": g.name, "priority": g.priority });
    changed(&state, &who, "group.update", &g, detail).await?;
    Ok(ApiJson(group_view(&state, &g).await?))
}

/// Deletes a group and its member list; its devices fall to their other rules.
#[utoipa::path(delete, path = "/api/v1/groups/{group}", tag = "groups",
    params(("group" = String, Path, description = "Group UUID or name")),
    responses((status = 204), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn delete(
    AdminAccess(who): AdminAccess,
    State(state): State<AppState>,
    ApiPath(key): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let g = state.ade.group(&key).await?;
    if !state.ade.delete_group(g.id).await? {
        return Err(ApiError::not_found(format!("group {key:?}")));
    }
    let detail = serde_json::json!({ "name": g.name });
    changed(&state, &who, "group.delete", &g, detail).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sets the group's ADE profile; `"profile": null` clears it.
#[utoipa::path(put, path = "/api/v1/groups/{group}/profile", tag = "groups",
    params(("group" = String, Path, description = "Group UUID or name")),
    request_body = ProfileChoice,
    responses((status = 200, body = GroupView), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn set_profile(
    AdminAccess(who): AdminAccess,
    State(state): State<AppState>,
    ApiPath(key): ApiPath<String>,
    ApiJson(body): ApiJson<ProfileChoice>,
) -> Result<ApiJson<GroupView>, ApiError> {
    let id = state.ade.group(&key).await?.id;
    let g = state
        .ade
        .set_group_profile(id, body.profile.as_deref())
        .await?;
    let detail = serde_json::json!({ "profile_id": g.profile_id });
    changed(&state, &who, "group.set_profile", &g, detail).await?;
    Ok(ApiJson(group_view(&state, &g).await?))
}

/// A page of a static group's serials, in serial order.
#[utoipa::path(get, path = "/api/v1/groups/{group}/members", tag = "groups",
    params(("group" = String, Path, description = "Group UUID or name"), MembersQuery),
    responses((status = 200, body = GroupMembersView), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn members(
    _: ReadAccess,
    State(state): State<AppState>,
    ApiPath(key): ApiPath<String>,
    ApiQuery(q): ApiQuery<MembersQuery>,
) -> Result<ApiJson<GroupMembersView>, ApiError> {
    let limit = q.limit.unwrap_or(500);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::invalid("limit", "must be 1 to 1000"));
    }
    let g = state.ade.group(&key).await?;
    // One more than asked tells whether another page follows.
    let mut serials = state
        .store
        .list_group_members(g.id, q.after.as_deref(), limit + 1)
        .await?;
    let more = serials.len() > limit as usize;
    serials.truncate(limit as usize);
    let next_after = serials.last().filter(|_| more).cloned();
    Ok(ApiJson(GroupMembersView {
        serials,
        next_after,
    }))
}

/// Which of `serials` ABM has not reported (they wait for the device to sync), in order:
/// one store read per 1000 serials.
async fn unknown_to_abm(state: &AppState, serials: &[String]) -> Result<Vec<String>, ApiError> {
    let mut seen = HashSet::new();
    let wanted: Vec<String> = serials
        .iter()
        .filter(|s| seen.insert(s.as_str()))
        .cloned()
        .collect();
    let mut known = HashSet::new();
    for chunk in wanted.chunks(1000) {
        known.extend(state.store.known_abm_serials(chunk).await?);
    }
    Ok(wanted.into_iter().filter(|s| !known.contains(s)).collect())
}

async fn added_view(
    state: &AppState,
    added: MembersAdded,
    serials: &[String],
    rejected: Vec<RejectedRow>,
) -> Result<MembersAddedView, ApiError> {
    Ok(MembersAddedView {
        added: added.added,
        already: added.already,
        unknown_to_abm: unknown_to_abm(state, serials).await?,
        rejected,
    })
}

/// Adds serials to a static group; one bad serial adds nothing (422 naming it).
#[utoipa::path(post, path = "/api/v1/groups/{group}/members", tag = "groups",
    params(("group" = String, Path, description = "Group UUID or name")),
    request_body = GroupSerials,
    responses((status = 200, body = MembersAddedView), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn add_members(
    AdminAccess(who): AdminAccess,
    State(state): State<AppState>,
    ApiPath(key): ApiPath<String>,
    ApiJson(body): ApiJson<GroupSerials>,
) -> Result<ApiJson<MembersAddedView>, ApiError> {
    let g = state.ade.group(&key).await?;
    let added = state.ade.add_group_members(g.id, &body.serials).await?;
    let serials: Vec<String> = body
        .serials
        .iter()
        .map(|s| s.trim().to_ascii_uppercase())
        .collect();
    let detail = serde_json::json!({ "added": added.added, "already": added.already });
    changed(&state, &who, "group.members.add", &g, detail).await?;
    Ok(ApiJson(
        added_view(&state, added, &serials, Vec::new()).await?,
    ))
}

/// Imports a CSV of serials (first column, one a row; a `serial`/`serial_number` header is
/// skipped). Bad rows are listed with their line numbers; the good ones are added.
#[utoipa::path(post, path = "/api/v1/groups/{group}/members.csv", tag = "groups",
    params(("group" = String, Path, description = "Group UUID or name")),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = MembersAddedView), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn import_csv(
    AdminAccess(who): AdminAccess,
    State(state): State<AppState>,
    ApiPath(key): ApiPath<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<ApiJson<MembersAddedView>, ApiError> {
    let body = body.map_err(|e| {
        ApiError::invalid(
            "csv",
            format!("could not read the file (at most 5 MiB): {e}"),
        )
    })?;
    let csv =
        std::str::from_utf8(&body).map_err(|_| ApiError::invalid("csv", "must be UTF-8 text"))?;
    let g = state.ade.group(&key).await?;
    let import = state.ade.import_group_csv(g.id, csv).await?;
    let rejected: Vec<RejectedRow> = import
        .rejected
        .into_iter()
        .map(|r| RejectedRow {
            line: r.line,
            value: r.value,
            reason: r.reason,
        })
        .collect();
    let detail = serde_json::json!({
        "added": import.added.added,
        "already": import.added.already,
        "rejected": rejected.len(),
    });
    changed(&state, &who, "group.members.import", &g, detail).await?;
    Ok(ApiJson(
        added_view(&state, import.added, &import.serials, rejected).await?,
    ))
}

/// Removes serials from a static group.
#[utoipa::path(delete, path = "/api/v1/groups/{group}/members", tag = "groups",
    params(("group" = String, Path, description = "Group UUID or name")),
    request_body = GroupSerials,
    responses((status = 200, body = MembersRemovedView), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn remove_members(
    AdminAccess(who): AdminAccess,
    State(state): State<AppState>,
    ApiPath(key): ApiPath<String>,
    ApiJson(body): ApiJson<GroupSerials>,
) -> Result<ApiJson<MembersRemovedView>, ApiError> {
    let g = state.ade.group(&key).await?;
    let removed = state.ade.remove_group_members(g.id, &body.serials).await?;
    let detail = serde_json::json!({ "removed": removed });
    changed(&state, &who, "group.members.remove", &g, detail).await?;
    Ok(ApiJson(MembersRemovedView { removed }))
}
