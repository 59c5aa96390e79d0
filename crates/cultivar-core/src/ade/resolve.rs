//! Which ADE profile a device should have, and why: explicit device profile → group profile
//! (highest priority wins, ties by name) → OS default → Unassigned with a reason. Pure: the
//! caller reads the store; every step is recorded so `explain` can show the chain.

use std::collections::HashMap;

use cultivar_store::{AbmDevice, AdeOsDefault, AdeProfile, DeviceGroup, GroupKind};
use uuid::Uuid;

use super::{device_os, AdeOs};

/// What resolution needs to know about a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileRef {
    pub id: Uuid,
    pub name: String,
    pub os: AdeOs,
}

/// What resolution needs to know about a group of the device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRef {
    pub id: Uuid,
    pub name: String,
    pub priority: i64,
    pub profile_id: Option<Uuid>,
}

/// Profiles by id.
pub type Profiles = HashMap<Uuid, ProfileRef>;
/// Default profile per OS.
pub type Defaults = HashMap<AdeOs, Uuid>;

/// The rule a step looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// The device's explicit profile.
    Device,
    /// One group of the device that carries a profile.
    Group {
        id: Uuid,
        name: String,
        priority: i64,
    },
    /// The device is in no group with a profile.
    NoGroupProfile,
    /// The default of the device's OS.
    OsDefault(AdeOs),
}

/// What a step concluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepResult {
    /// This rule gives the device its profile.
    Chosen,
    /// The rule has no profile for this device.
    NotSet,
    /// The profile does not exist (any more).
    ProfileNotFound,
    /// The profile is for another OS; resolution went on to the next rule.
    ProfileForAnotherOs { profile_os: AdeOs, device_os: AdeOs },
    /// A group of higher priority (or same priority, earlier name) won.
    Outranked { by_group: Uuid },
}

/// One step of the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub rule: Rule,
    pub profile: Option<Uuid>,
    pub result: StepResult,
}

/// Several groups of the device carry different profiles: who won and who lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupConflict {
    pub winner: GroupRef,
    /// Groups whose (valid) profile differs from the winner's, best first.
    pub losers: Vec<GroupRef>,
}

/// Why a device has no profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnassignedReason {
    /// The device left its ABM server; there is nothing to assign.
    DeviceRemoved,
    /// ABM reports no OS, or one cultivar does not know, so no OS rule can apply.
    UnknownOs { reported: Option<String> },
    /// No explicit or group profile, and no default for the device's OS.
    NoDefaultForOs(AdeOs),
    /// The only profiles that applied were for another OS (the last one skipped is named).
    ProfileForAnotherOs {
        profile: Uuid,
        profile_os: AdeOs,
        device_os: AdeOs,
    },
}

/// The outcome of resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Assigned { profile: Uuid, rule: Rule },
    Unassigned(UnassignedReason),
}

/// A device's resolution: the outcome and every step that led to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    pub serial: String,
    pub device_os: Option<AdeOs>,
    pub steps: Vec<Step>,
    pub group_conflict: Option<GroupConflict>,
    pub outcome: Outcome,
}

impl Resolution {
    /// The profile cultivar intends for the device, if any.
    pub fn profile(&self) -> Option<Uuid> {
        match &self.outcome {
            Outcome::Assigned { profile, .. } => Some(*profile),
            Outcome::Unassigned(_) => None,
        }
    }
}

/// Checks one candidate profile against the device OS.
fn check(profiles: &Profiles, id: Uuid, device_os: AdeOs) -> StepResult {
    match profiles.get(&id) {
        None => StepResult::ProfileNotFound,
        Some(p) if p.os != device_os => StepResult::ProfileForAnotherOs {
            profile_os: p.os,
            device_os,
        },
        Some(_) => StepResult::Chosen,
    }
}

/// Resolves one device. `groups` are the device's groups (static memberships and the OS
/// groups of its OS), in any order. O(groups of the device · log) per device.
pub fn resolve(
    device: &AbmDevice,
    explicit: Option<Uuid>,
    groups: &[&GroupRef],
    defaults: &Defaults,
    profiles: &Profiles,
) -> Resolution {
    let data = &device.data;
    let os = device_os(data.os.as_deref(), data.device_family.as_deref());
    let mut chain = Chain {
        steps: Vec::new(),
        mismatch: None,
    };
    let unassigned = |reason| Resolution {
        serial: data.serial_number.clone(),
        device_os: os,
        steps: Vec::new(),
        group_conflict: None,
        outcome: Outcome::Unassigned(reason),
    };
    if device.removed_at.is_some() {
        return unassigned(UnassignedReason::DeviceRemoved);
    }
    let Some(os) = os else {
        return unassigned(UnassignedReason::UnknownOs {
            reported: data.os.clone(),
        });
    };
    let mut outcome = chain.explicit(explicit, os, profiles);
    let mut group_conflict = None;
    if outcome.is_none() {
        (outcome, group_conflict) = chain.groups(groups, os, profiles);
    }
    if outcome.is_none() {
        outcome = chain.default(defaults, os, profiles);
    }
    let outcome = outcome.unwrap_or_else(|| Outcome::Unassigned(chain.reason(os)));
    Resolution {
        serial: data.serial_number.clone(),
        device_os: Some(os),
        steps: chain.steps,
        group_conflict,
        outcome,
    }
}

/// The steps so far and the last profile skipped for its OS.
struct Chain {
    steps: Vec<Step>,
    mismatch: Option<(Uuid, AdeOs)>,
}

impl Chain {
    fn record(&mut self, rule: Rule, profile: Option<Uuid>, result: StepResult) -> bool {
        if let (Some(id), StepResult::ProfileForAnotherOs { profile_os, .. }) = (profile, &result) {
            self.mismatch = Some((id, *profile_os));
        }
        let chosen = result == StepResult::Chosen;
        self.steps.push(Step {
            rule,
            profile,
            result,
        });
        chosen
    }

    fn explicit(
        &mut self,
        explicit: Option<Uuid>,
        os: AdeOs,
        profiles: &Profiles,
    ) -> Option<Outcome> {
        let Some(id) = explicit else {
            self.record(Rule::Device, None, StepResult::NotSet);
            return None;
        };
        let result = check(profiles, id, os);
        self.record(Rule::Device, Some(id), result)
            .then_some(Outcome::Assigned {
                profile: id,
                rule: Rule::Device,
            })
    }

    fn groups(
        &mut self,
        groups: &[&GroupRef],
        os: AdeOs,
        profiles: &Profiles,
    ) -> (Option<Outcome>, Option<GroupConflict>) {
        let ranked = rank(groups);
        if ranked.is_empty() {
            self.record(Rule::NoGroupProfile, None, StepResult::NotSet);
            return (None, None);
        }
        let mut winner: Option<(&GroupRef, Uuid)> = None;
        let mut losers = Vec::new();
        for (group, profile) in ranked {
            let rule = Rule::Group {
                id: group.id,
                name: group.name.clone(),
                priority: group.priority,
            };
            let result = check(profiles, profile, os);
            match winner {
                Some((w, wp)) if result == StepResult::Chosen => {
                    if profile != wp {
                        losers.push(group.clone());
                    }
                    self.record(
                        rule,
                        Some(profile),
                        StepResult::Outranked { by_group: w.id },
                    );
                }
                None if result == StepResult::Chosen => {
                    winner = Some((group, profile));
                    self.record(rule, Some(profile), result);
                }
                _ => {
                    self.record(rule, Some(profile), result);
                }
            }
        }
        let Some((w, profile)) = winner else {
            return (None, None);
        };
        let conflict = (!losers.is_empty()).then(|| GroupConflict {
            winner: w.clone(),
            losers,
        });
        let rule = Rule::Group {
            id: w.id,
            name: w.name.clone(),
            priority: w.priority,
        };
        (Some(Outcome::Assigned { profile, rule }), conflict)
    }

    fn default(&mut self, defaults: &Defaults, os: AdeOs, profiles: &Profiles) -> Option<Outcome> {
        let Some(&id) = defaults.get(&os) else {
            self.record(Rule::OsDefault(os), None, StepResult::NotSet);
            return None;
        };
        let result = check(profiles, id, os);
        self.record(Rule::OsDefault(os), Some(id), result)
            .then_some(Outcome::Assigned {
                profile: id,
                rule: Rule::OsDefault(os),
            })
    }

    fn reason(&self, os: AdeOs) -> UnassignedReason {
        match self.mismatch {
            Some((profile, profile_os)) => UnassignedReason::ProfileForAnotherOs {
                profile,
                profile_os,
                device_os: os,
            },
            None => UnassignedReason::NoDefaultForOs(os),
        }
    }
}

/// The device's groups that carry a profile, best first: highest priority, ties broken by
/// name, then id, so the result never depends on the order the store returned them in.
fn rank<'g>(groups: &[&'g GroupRef]) -> Vec<(&'g GroupRef, Uuid)> {
    let mut ranked: Vec<(&GroupRef, Uuid)> = groups
        .iter()
        .filter_map(|g| g.profile_id.map(|p| (*g, p)))
        .collect();
    ranked.sort_by(|(a, _), (b, _)| (b.priority, &a.name, a.id).cmp(&(a.priority, &b.name, b.id)));
    ranked
}

/// Resolution for many devices: builds the lookups once from the store's rows, so each
/// device costs only its own groups (O(devices + groups) overall).
#[derive(Debug, Clone, Default)]
pub struct Resolver {
    profiles: Profiles,
    defaults: Defaults,
    groups: HashMap<Uuid, GroupRef>,
    os_groups: HashMap<AdeOs, Vec<Uuid>>,
}

impl Resolver {
    /// Profiles or defaults with an OS cultivar does not know are left out (their
    /// references then resolve as `ProfileNotFound` / no default).
    pub fn new(profiles: &[AdeProfile], groups: &[DeviceGroup], defaults: &[AdeOsDefault]) -> Self {
        let profiles = profiles
            .iter()
            .filter_map(|p| {
                let os = p.os.parse().ok()?;
                Some((
                    p.id,
                    ProfileRef {
                        id: p.id,
                        name: p.name.clone(),
                        os,
                    },
                ))
            })
            .collect();
        let defaults = defaults
            .iter()
            .filter_map(|d| Some((d.os.parse().ok()?, d.profile_id)))
            .collect();
        let mut os_groups: HashMap<AdeOs, Vec<Uuid>> = HashMap::new();
        for g in groups {
            let os = g.os.as_deref().and_then(|os| os.parse().ok());
            if let (GroupKind::Os, Some(os)) = (g.kind, os) {
                os_groups.entry(os).or_default().push(g.id);
            }
        }
        let groups = groups
            .iter()
            .map(|g| {
                let r = GroupRef {
                    id: g.id,
                    name: g.name.clone(),
                    priority: g.priority,
                    profile_id: g.profile_id,
                };
                (g.id, r)
            })
            .collect();
        Self {
            profiles,
            defaults,
            groups,
            os_groups,
        }
    }

    /// The profiles, by id (for display).
    pub fn profiles(&self) -> &Profiles {
        &self.profiles
    }

    /// Resolves one device; `static_groups` are its static-group ids
    /// (`DeviceGroupStore::groups_for_serials`); its OS groups are added here.
    pub fn resolve(
        &self,
        device: &AbmDevice,
        explicit: Option<Uuid>,
        static_groups: &[Uuid],
    ) -> Resolution {
        let os = device_os(
            device.data.os.as_deref(),
            device.data.device_family.as_deref(),
        );
        let os_groups = os
            .and_then(|os| self.os_groups.get(&os))
            .map_or(&[][..], Vec::as_slice);
        let groups: Vec<&GroupRef> = static_groups
            .iter()
            .chain(os_groups)
            .filter_map(|id| self.groups.get(id))
            .collect();
        resolve(device, explicit, &groups, &self.defaults, &self.profiles)
    }
}
