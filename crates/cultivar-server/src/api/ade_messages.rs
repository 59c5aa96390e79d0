//! The sentences of the ADE views: each says what cultivar found and, where something is
//! wrong, what to do about it, naming profiles, groups and ABM servers by name.

use cultivar_core::ade::{
    Action, GroupConflict, Rule, Step, StepResult, UnassignedReason, WaitReason,
};
use time::{format_description::well_known::Rfc3339, OffsetDateTime};
use uuid::Uuid;

use super::ade_views::Names;

/// `"Name"`, or the id when the profile no longer exists.
fn profile(names: &Names, id: Uuid) -> String {
    match names.profile(id) {
        Some(p) => format!("{:?} ({})", p.name, p.os),
        None => format!("{id} (deleted)"),
    }
}

fn time(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

/// One step of the resolution chain in a sentence.
pub fn step(names: &Names, s: &Step) -> String {
    let named = s.profile.map(|id| profile(names, id)).unwrap_or_default();
    let subject = match &s.rule {
        Rule::Device => "The device's explicit profile".to_owned(),
        Rule::Group { name, priority, .. } => format!("Group {name:?} (priority {priority})"),
        Rule::NoGroupProfile => return "The device is in no group that has a profile.".into(),
        Rule::OsDefault(os) => format!("The {os} default"),
    };
    match &s.result {
        StepResult::Chosen => format!("{subject} gives {named}: chosen."),
        StepResult::NotSet => match &s.rule {
            Rule::Device => "No explicit profile is set for this device.".into(),
            Rule::OsDefault(os) => format!(
                "There is no {os} default profile — set one with \
                 `cultivar ade defaults set --os {os} PROFILE`."
            ),
            _ => format!("{subject} has no profile."),
        },
        StepResult::ProfileNotFound => {
            format!("{subject} names profile {named}, which no longer exists: skipped.")
        }
        StepResult::ProfileForAnotherOs {
            profile_os,
            device_os,
        } => format!(
            "{subject} names {named}, a {profile_os} profile, but this is a {device_os} \
             device: skipped."
        ),
        StepResult::Outranked { by_group } => {
            let winner = names
                .group(*by_group)
                .map(|g| format!("{:?} (priority {})", g.name, g.priority))
                .unwrap_or_else(|| by_group.to_string());
            format!("{subject} gives {named}, but group {winner} ranks higher.")
        }
    }
}

/// Why a device is Unassigned, with the fix.
pub fn reason(names: &Names, r: &UnassignedReason) -> String {
    match r {
        UnassignedReason::DeviceRemoved => "Unassigned: the device was removed from its ABM \
             server — assign it to cultivar's MDM server in Apple Business Manager, then it \
             syncs back and gets its profile."
            .into(),
        UnassignedReason::UnknownOs { reported } => {
            let os = reported.as_deref().unwrap_or("no OS");
            format!(
                "Unassigned: ABM reports {os:?}, which is not an OS cultivar knows, so no OS \
                 default or OS group applies — give the device a profile with \
                 `cultivar devices set-profile SERIAL PROFILE`."
            )
        }
        UnassignedReason::NoDefaultForOs(os) => format!(
            "Unassigned: no profile for this {os} device and no {os} default — set one with \
             `cultivar ade defaults set --os {os} PROFILE`."
        ),
        UnassignedReason::ProfileForAnotherOs {
            profile: id,
            profile_os,
            device_os,
        } => format!(
            "Unassigned: the profile that applies, {}, is a {profile_os} profile but this is \
             a {device_os} device — assign a {device_os} profile, or set a {device_os} \
             default with `cultivar ade defaults set --os {device_os} PROFILE`.",
            profile(names, *id)
        ),
    }
}

/// A group conflict in a sentence.
pub fn conflict(c: &GroupConflict) -> String {
    let losers: Vec<String> = c
        .losers
        .iter()
        .map(|g| format!("{:?} (priority {})", g.name, g.priority))
        .collect();
    format!(
        "Conflict: the device's groups give different profiles; group {:?} (priority {}) \
         wins over {} — change the priorities or the group profiles if another should win.",
        c.winner.name,
        c.winner.priority,
        losers.join(", ")
    )
}

/// A plan action in a sentence.
pub fn action(names: &Names, a: &Action) -> String {
    match a {
        Action::Assign {
            serial,
            abm_server,
            profile: id,
            apple_profile_uuid,
        } => {
            let define = if apple_profile_uuid.is_none() {
                " (the profile is defined there first: new or changed since)"
            } else {
                ""
            };
            format!(
                "Assign {} to {serial} on ABM server {}{define}.",
                profile(names, *id),
                names.server(*abm_server)
            )
        }
        Action::Remove {
            serial,
            abm_server,
            apple_profile_uuid,
        } => format!(
            "Remove profile {apple_profile_uuid} from {serial} on ABM server {}: no rule \
             gives the device a profile any more.",
            names.server(*abm_server)
        ),
        Action::Wait {
            serial,
            until,
            reason,
        } => match reason {
            WaitReason::Throttled => format!(
                "Wait: Apple answered THROTTLED for {serial}; cultivar tries again after {} \
                 (Apple's retry_after_seconds).",
                time(*until)
            ),
            WaitReason::Failed => format!(
                "Wait: Apple answered FAILED for {serial}; cultivar tries again after the \
                 24-hour cooldown, at {}.",
                time(*until)
            ),
        },
    }
}

/// What Apple holds, as a phrase: `profile "Staff" (iOS) (UUID)`, `profile UUID (not
/// cultivar's)` or `no profile`.
pub fn held(names: &Names, server: Uuid, uuid: Option<&str>, status: Option<&str>) -> String {
    let holds = status
        .is_some_and(|s| s.eq_ignore_ascii_case("assigned") || s.eq_ignore_ascii_case("pushed"));
    match uuid.filter(|u| holds && !u.is_empty()) {
        Some(u) => match names.defined(server, u) {
            Some(id) => format!("profile {} ({u})", profile(names, id)),
            None => format!("profile {u} (not one of cultivar's)"),
        },
        None => "no profile".into(),
    }
}

/// The diagnosis when a push already answered the intent but Apple's record, as of the last
/// sync, does not show it yet.
pub fn awaiting_sync(
    names: &Names,
    intended: Option<Uuid>,
    push: Option<&cultivar_store::AdePushState>,
    apple_holds: &str,
) -> String {
    let intent = intended.map_or_else(|| "no profile".to_owned(), |id| profile(names, id));
    let when = push.map_or_else(String::new, |p| format!(" at {}", p.last_attempt_at));
    format!(
        "Pushed: cultivar assigned {intent}{when}; Apple's record from the last sync still \
         shows {apple_holds} and catches up at the next sync."
    )
}

/// The diagnosis of `explain` in one sentence.
pub fn summary(
    names: &Names,
    intended: Option<Uuid>,
    unassigned: Option<&UnassignedReason>,
    apple_holds: &str,
    next: Option<&Action>,
) -> String {
    let intent = intended.map(|id| profile(names, id));
    match (intent, unassigned, next) {
        (_, Some(r), Some(a @ Action::Remove { .. })) => {
            format!(
                "{} Apple still holds {apple_holds}. {}",
                reason(names, r),
                action(names, a)
            )
        }
        (_, Some(r), _) => reason(names, r),
        (Some(p), None, None) => {
            format!("In sync: Apple holds {apple_holds}, as intended ({p}).")
        }
        (Some(p), None, Some(a @ Action::Wait { .. })) => format!(
            "Not applied yet: cultivar intends {p} but Apple holds {apple_holds}. {}",
            action(names, a)
        ),
        (Some(p), None, Some(a)) => format!(
            "Not applied yet: cultivar intends {p} but Apple holds {apple_holds}; the next \
             push fixes it. {}",
            action(names, a)
        ),
        (None, None, _) => format!("Apple holds {apple_holds}."),
    }
}
