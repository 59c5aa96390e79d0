//! Core ADE records → the wire views of `cultivar_api_types::ade`, shared by the API and the
//! console. Every view names profiles, groups and ABM servers by name; the sentences are in
//! `ade_messages`.

use std::collections::{BTreeMap, HashMap};

use cultivar_api_types::ade::{
    AdeProfileView, AppleRecordView, ExplanationView, GroupBrief, GroupConflictView, GroupView,
    OsDefaultSlot, OsDefaultView, OsDefaultsView, PlanActionView, PlanView, ProfileBrief,
    ProfileDefinitionView, ProfileUsageView, PushStateView, ReasonCount, StepView,
    UnassignedDeviceView, UnassignedList, UnassignedReasonView,
};
use cultivar_core::ade::{
    Action, AdeOs, Explanation, GroupRef, Outcome, Rule, Step, StepResult, UnassignedReason,
    WaitReason,
};
use cultivar_store::{AdeOsDefault, AdeProfile, AdePushState, DeviceGroup, GroupKind};
use uuid::Uuid;

use super::ade_messages as msg;
use crate::{error::ApiError, AppState};

/// Names of what views refer to by id, read once per view.
pub struct Names {
    profiles: HashMap<Uuid, AdeProfile>,
    groups: HashMap<Uuid, DeviceGroup>,
    servers: HashMap<Uuid, String>,
    /// (ABM server, upper-case Apple UUID) → the cultivar profile it defines.
    definitions: HashMap<(Uuid, String), Uuid>,
}

impl Names {
    /// Reads profiles, groups, ABM servers and profile definitions.
    pub async fn load(state: &AppState) -> Result<Self, ApiError> {
        let store = &state.store;
        let profiles = store.list_ade_profiles().await?;
        let groups = store.list_device_groups().await?;
        let servers = store.list_abm_servers().await?;
        let definitions = store.list_all_ade_profile_definitions().await?;
        Ok(Names {
            profiles: profiles.into_iter().map(|p| (p.id, p)).collect(),
            groups: groups.into_iter().map(|g| (g.id, g)).collect(),
            servers: servers.into_iter().map(|s| (s.id, s.name)).collect(),
            definitions: definitions
                .into_iter()
                .map(|d| {
                    let key = (d.abm_server_id, d.apple_profile_uuid.to_ascii_uppercase());
                    (key, d.profile_id)
                })
                .collect(),
        })
    }

    pub fn profile(&self, id: Uuid) -> Option<&AdeProfile> {
        self.profiles.get(&id)
    }

    pub fn group(&self, id: Uuid) -> Option<&DeviceGroup> {
        self.groups.get(&id)
    }

    /// `"Name"`, or the id of a server cultivar no longer has.
    pub fn server(&self, id: Uuid) -> String {
        match self.servers.get(&id) {
            Some(name) => format!("{name:?}"),
            None => id.to_string(),
        }
    }

    /// The cultivar profile an Apple UUID on `server` is a definition of.
    pub fn defined(&self, server: Uuid, apple_uuid: &str) -> Option<Uuid> {
        let key = (server, apple_uuid.to_ascii_uppercase());
        self.definitions.get(&key).copied()
    }

    fn brief(&self, id: Uuid) -> Option<ProfileBrief> {
        self.profile(id).map(brief)
    }
}

/// The short form of a profile.
pub fn brief(p: &AdeProfile) -> ProfileBrief {
    ProfileBrief {
        id: p.id,
        name: p.name.clone(),
        os: p.os.clone(),
    }
}

/// A profile with its usage and its definitions on each ABM server.
pub async fn profile_view(state: &AppState, p: &AdeProfile) -> Result<AdeProfileView, ApiError> {
    let body: serde_json::Value = serde_json::from_str(&p.body)
        .map_err(|e| ApiError::internal(format!("stored profile {} body: {e}", p.id)))?;
    let usage = state.store.ade_profile_usage(p.id).await?;
    let definitions = state.store.list_ade_profile_definitions(p.id).await?;
    Ok(AdeProfileView {
        id: p.id,
        name: p.name.clone(),
        os: p.os.clone(),
        description: p.description.clone(),
        revision: p.revision,
        body,
        usage: ProfileUsageView {
            devices: usage.devices,
            groups: usage.groups,
            defaults: usage.defaults,
        },
        definitions: definitions
            .into_iter()
            .map(|d| ProfileDefinitionView {
                abm_server_id: d.abm_server_id,
                apple_profile_uuid: d.apple_profile_uuid,
                revision: d.revision,
                defined_at: d.defined_at,
                stale: d.revision < p.revision,
            })
            .collect(),
        created_at: p.created_at,
        updated_at: p.updated_at,
    })
}

/// A group with its profile and member count.
pub async fn group_view(state: &AppState, g: &DeviceGroup) -> Result<GroupView, ApiError> {
    let profile = match g.profile_id {
        Some(id) => state.store.ade_profile(id).await?.as_ref().map(brief),
        None => None,
    };
    let members = match g.kind {
        GroupKind::Static => state.store.count_group_members(g.id).await?,
        GroupKind::Os => 0,
    };
    Ok(GroupView {
        id: g.id,
        name: g.name.clone(),
        kind: g.kind.as_str().to_owned(),
        os: g.os.clone(),
        priority: g.priority,
        profile,
        members,
        created_at: g.created_at,
        updated_at: g.updated_at,
    })
}

/// One OS default; `NotFound` should its profile have gone (deleting a profile clears it).
pub async fn default_view(state: &AppState, d: &AdeOsDefault) -> Result<OsDefaultView, ApiError> {
    let profile = state
        .store
        .ade_profile(d.profile_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("ADE profile {}", d.profile_id)))?;
    Ok(OsDefaultView {
        os: d.os.clone(),
        profile: brief(&profile),
        updated_at: d.updated_at,
    })
}

/// Every OS in a fixed order, with its default or `null`.
pub async fn defaults_view(state: &AppState) -> Result<OsDefaultsView, ApiError> {
    let set = state.store.list_os_defaults().await?;
    let profiles: HashMap<Uuid, AdeProfile> = state
        .store
        .list_ade_profiles()
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let defaults = AdeOs::ALL
        .iter()
        .map(|os| {
            let default = set.iter().find(|d| d.os == os.as_str()).and_then(|d| {
                let p = profiles.get(&d.profile_id)?;
                Some(OsDefaultView {
                    os: d.os.clone(),
                    profile: brief(p),
                    updated_at: d.updated_at,
                })
            });
            OsDefaultSlot {
                os: os.as_str().to_owned(),
                default,
            }
        })
        .collect();
    Ok(OsDefaultsView { defaults })
}

/// The stable code of an Unassigned reason.
pub fn reason_code(r: &UnassignedReason) -> &'static str {
    match r {
        UnassignedReason::DeviceRemoved => "device_removed",
        UnassignedReason::UnknownOs { .. } => "unknown_os",
        UnassignedReason::NoDefaultForOs(_) => "no_default_for_os",
        UnassignedReason::ProfileForAnotherOs { .. } => "profile_for_another_os",
    }
}

fn reason_view(names: &Names, r: &UnassignedReason) -> UnassignedReasonView {
    UnassignedReasonView {
        code: reason_code(r).to_owned(),
        message: msg::reason(names, r),
    }
}

/// Every active device without a profile (and removed ones with `include_removed`), with
/// counts per reason.
pub async fn unassigned_view(
    state: &AppState,
    include_removed: bool,
) -> Result<UnassignedList, ApiError> {
    let names = Names::load(state).await?;
    let found = state.ade.unassigned_devices(include_removed).await?;
    let mut by_reason: BTreeMap<&'static str, u64> = BTreeMap::new();
    let devices = found
        .into_iter()
        .map(|u| {
            *by_reason.entry(reason_code(&u.reason)).or_default() += 1;
            let data = u.device.data;
            UnassignedDeviceView {
                serial: data.serial_number,
                model: data.model,
                os: data.os,
                abm_server_id: u.device.abm_server_id,
                reason: reason_view(&names, &u.reason),
            }
        })
        .collect();
    Ok(UnassignedList {
        devices,
        by_reason: by_reason
            .into_iter()
            .map(|(code, count)| ReasonCount {
                code: code.to_owned(),
                count,
            })
            .collect(),
    })
}

fn group_brief(g: &GroupRef) -> GroupBrief {
    GroupBrief {
        id: g.id,
        name: g.name.clone(),
        priority: g.priority,
    }
}

fn step_view(names: &Names, s: &Step) -> StepView {
    let (rule, group, os) = match &s.rule {
        Rule::Device => ("device", None, None),
        Rule::Group { id, name, priority } => {
            let g = GroupBrief {
                id: *id,
                name: name.clone(),
                priority: *priority,
            };
            ("group", Some(g), None)
        }
        Rule::NoGroupProfile => ("no_group_profile", None, None),
        Rule::OsDefault(os) => ("os_default", None, Some(os.as_str().to_owned())),
    };
    let result = match s.result {
        StepResult::Chosen => "chosen",
        StepResult::NotSet => "not_set",
        StepResult::ProfileNotFound => "profile_not_found",
        StepResult::ProfileForAnotherOs { .. } => "profile_for_another_os",
        StepResult::Outranked { .. } => "outranked",
    };
    StepView {
        rule: rule.to_owned(),
        group,
        os,
        profile_id: s.profile,
        profile_name: s
            .profile
            .and_then(|id| names.profile(id))
            .map(|p| p.name.clone()),
        result: result.to_owned(),
        message: msg::step(names, s),
    }
}

fn action_view(names: &Names, a: &Action) -> PlanActionView {
    let message = msg::action(names, a);
    let base = |action: &str, serial: &str| PlanActionView {
        action: action.to_owned(),
        serial: serial.to_owned(),
        abm_server_id: None,
        profile: None,
        apple_profile_uuid: None,
        define_first: false,
        until: None,
        wait_reason: None,
        message: message.clone(),
    };
    match a {
        Action::Assign {
            serial,
            abm_server,
            profile,
            apple_profile_uuid,
        } => PlanActionView {
            abm_server_id: Some(*abm_server),
            profile: names.brief(*profile),
            apple_profile_uuid: apple_profile_uuid.clone(),
            define_first: apple_profile_uuid.is_none(),
            ..base("assign", serial)
        },
        Action::Remove {
            serial,
            abm_server,
            apple_profile_uuid,
        } => PlanActionView {
            abm_server_id: Some(*abm_server),
            apple_profile_uuid: Some(apple_profile_uuid.clone()),
            ..base("remove", serial)
        },
        Action::Wait {
            serial,
            until,
            reason,
        } => PlanActionView {
            until: Some(*until),
            wait_reason: Some(
                match reason {
                    WaitReason::Throttled => "throttled",
                    WaitReason::Failed => "failed",
                }
                .to_owned(),
            ),
            ..base("wait", serial)
        },
    }
}

fn push_view(p: &AdePushState) -> PushStateView {
    PushStateView {
        abm_server_id: p.abm_server_id,
        result: p.last_result.as_str().to_owned(),
        profile_id: p.profile_id,
        apple_profile_uuid: p.apple_profile_uuid.clone(),
        last_attempt_at: p.last_attempt_at,
        retry_after: p.retry_after,
        attempts: p.attempts,
        last_error: p.last_error.clone(),
    }
}

fn apple_view(names: &Names, e: &Explanation) -> AppleRecordView {
    let a = &e.apple;
    AppleRecordView {
        abm_server_id: a.abm_server_id,
        profile_uuid: a.profile_uuid.clone(),
        profile: a
            .profile_uuid
            .as_deref()
            .and_then(|u| names.defined(a.abm_server_id, u))
            .and_then(|id| names.brief(id)),
        profile_status: a.profile_status.clone(),
        profile_assign_time: a.profile_assign_time,
        profile_push_time: a.profile_push_time,
    }
}

/// The resolution chain of one serial next to Apple's record; `NotFound` for a serial ABM
/// never reported.
pub async fn explanation_view(state: &AppState, serial: &str) -> Result<ExplanationView, ApiError> {
    let e = state.ade.explain(serial).await?;
    let names = Names::load(state).await?;
    let r = &e.resolution;
    let unassigned = match &r.outcome {
        Outcome::Unassigned(reason) => Some(reason),
        Outcome::Assigned { .. } => None,
    };
    let apple_holds = msg::held(
        &names,
        e.apple.abm_server_id,
        e.apple.profile_uuid.as_deref(),
        e.apple.profile_status.as_deref(),
    );
    let intended = e.intended_profile.as_ref().map(|p| p.id);
    // Nothing left to do although Apple's record (from the last sync) does not show the
    // intent yet: a push already answered it, and the next sync shows Apple's view.
    let held_profile = e
        .apple
        .profile_uuid
        .as_deref()
        .and_then(|u| names.defined(e.apple.abm_server_id, u));
    let awaiting_sync = e.next_action.is_none() && intended.is_some() && held_profile != intended;
    Ok(ExplanationView {
        serial: e.serial.clone(),
        device_os: r.device_os.map(|os| os.as_str().to_owned()),
        steps: e.steps.iter().map(|s| step_view(&names, s)).collect(),
        group_conflict: r.group_conflict.as_ref().map(|c| GroupConflictView {
            winner: group_brief(&c.winner),
            losers: c.losers.iter().map(group_brief).collect(),
            message: msg::conflict(c),
        }),
        outcome: if unassigned.is_some() {
            "unassigned"
        } else {
            "assigned"
        }
        .to_owned(),
        intended_profile: e.intended_profile.as_ref().map(|p| ProfileBrief {
            id: p.id,
            name: p.name.clone(),
            os: p.os.as_str().to_owned(),
        }),
        unassigned_reason: unassigned.map(|u| reason_view(&names, u)),
        apple: apple_view(&names, &e),
        push: e.push_state.as_ref().map(push_view),
        next_action: e.next_action.as_ref().map(|a| action_view(&names, a)),
        summary: if awaiting_sync {
            msg::awaiting_sync(&names, intended, e.push_state.as_ref(), &apple_holds)
        } else {
            msg::summary(
                &names,
                intended,
                unassigned,
                &apple_holds,
                e.next_action.as_ref(),
            )
        },
    })
}

/// What the next push would do, without sending anything.
pub async fn plan_view(state: &AppState) -> Result<PlanView, ApiError> {
    let actions = state.ade.plan().await?;
    let names = Names::load(state).await?;
    let count = |kind: fn(&Action) -> bool| actions.iter().filter(|a| kind(a)).count() as u64;
    Ok(PlanView {
        assign: count(|a| matches!(a, Action::Assign { .. })),
        remove: count(|a| matches!(a, Action::Remove { .. })),
        wait: count(|a| matches!(a, Action::Wait { .. })),
        actions: actions.iter().map(|a| action_view(&names, a)).collect(),
    })
}
