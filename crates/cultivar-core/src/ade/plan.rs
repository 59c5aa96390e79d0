//! What to send to Apple: for each resolved device, compare cultivar's intent with Apple's
//! own record of the device (`profile_uuid`, `profile_status` from the last sync) — never
//! with a local memory of having pushed, which goes stale when someone unassigns and
//! reassigns in ABM — and honour the cooldowns of earlier pushes. Pure.

use std::collections::{HashMap, HashSet};

use cultivar_store::{
    AbmDevice, AdeDefinedUuid, AdeProfile, AdeProfileDefinition, AdePushState, PushResult,
};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::{Resolution, UnassignedReason};

/// How long a serial whose push `FAILED` waits before the next try (Fleet settled on 24 h).
pub const FAILED_COOLDOWN: Duration = Duration::hours(24);

/// Apple's view of a device, from the synced ABM record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppleView<'a> {
    pub abm_server_id: Uuid,
    pub profile_uuid: Option<&'a str>,
    /// `empty`, `assigned`, `pushed` or `removed`.
    pub profile_status: Option<&'a str>,
}

impl<'a> AppleView<'a> {
    pub fn of(device: &'a AbmDevice) -> Self {
        Self {
            abm_server_id: device.abm_server_id,
            profile_uuid: device.data.profile_uuid.as_deref(),
            profile_status: device.data.profile_status.as_deref(),
        }
    }

    /// The profile Apple holds for the device, if it holds one (`assigned` or `pushed`).
    fn held(&self) -> Option<&'a str> {
        let status = self.profile_status?;
        let holds =
            status.eq_ignore_ascii_case("assigned") || status.eq_ignore_ascii_case("pushed");
        holds
            .then_some(self.profile_uuid?)
            .filter(|u| !u.is_empty())
    }
}

/// One device to plan for.
#[derive(Debug, Clone, Copy)]
pub struct PlanInput<'a> {
    pub resolution: &'a Resolution,
    pub apple: AppleView<'a>,
}

/// Why a serial waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitReason {
    /// Apple answered THROTTLED; retry after its `retry_after_seconds`.
    Throttled,
    /// Apple answered FAILED; retry after [`FAILED_COOLDOWN`].
    Failed,
}

/// What to do for one serial; a serial in sync gets no action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Assign `profile` on `abm_server`. `apple_profile_uuid` is the current definition there;
    /// `None` means the profile must be defined (again: new, or changed since) first.
    Assign {
        serial: String,
        abm_server: Uuid,
        profile: Uuid,
        apple_profile_uuid: Option<String>,
    },
    /// cultivar intends no profile but Apple holds one of cultivar's: remove it.
    Remove {
        serial: String,
        abm_server: Uuid,
        apple_profile_uuid: String,
    },
    /// An action is due but the serial is cooling down until `until`.
    Wait {
        serial: String,
        until: OffsetDateTime,
        reason: WaitReason,
    },
}

impl Action {
    /// The serial the action is for.
    pub fn serial(&self) -> &str {
        match self {
            Action::Assign { serial, .. }
            | Action::Remove { serial, .. }
            | Action::Wait { serial, .. } => serial,
        }
    }
}

/// The lookups a plan needs, built once from the store's rows.
#[derive(Debug, Clone)]
pub struct PlanContext {
    revisions: HashMap<Uuid, i64>,
    definitions: HashMap<(Uuid, Uuid), AdeProfileDefinition>,
    /// Apple UUIDs cultivar defined, per ABM server, current or superseded (what `Remove` may
    /// take away).
    ours: HashSet<(Uuid, String)>,
    push_states: HashMap<String, AdePushState>,
    now: OffsetDateTime,
}

impl PlanContext {
    pub fn new(
        profiles: &[AdeProfile],
        definitions: &[AdeProfileDefinition],
        push_states: &[AdePushState],
        now: OffsetDateTime,
    ) -> Self {
        Self {
            revisions: profiles.iter().map(|p| (p.id, p.revision)).collect(),
            definitions: definitions
                .iter()
                .map(|d| ((d.profile_id, d.abm_server_id), d.clone()))
                .collect(),
            ours: definitions
                .iter()
                .map(|d| (d.abm_server_id, d.apple_profile_uuid.to_ascii_uppercase()))
                .collect(),
            push_states: push_states
                .iter()
                .map(|p| (p.serial_number.clone(), p.clone()))
                .collect(),
            now,
        }
    }

    /// Adds Apple UUIDs cultivar defined before (older revisions, deleted profiles) to the
    /// ones it recognises as its own: a device may still hold one after the profile changed.
    pub fn with_history(mut self, history: &[AdeDefinedUuid]) -> Self {
        self.ours.extend(
            history
                .iter()
                .map(|d| (d.abm_server_id, d.apple_profile_uuid.to_ascii_uppercase())),
        );
        self
    }

    /// The action for one device, or `None` when Apple's record matches the intent.
    pub fn action(&self, input: &PlanInput<'_>) -> Option<Action> {
        let serial = &input.resolution.serial;
        let server = input.apple.abm_server_id;
        let held = input.apple.held();
        let due = match input.resolution.profile() {
            Some(profile) => {
                let current = self.current_definition(profile, server);
                let in_sync =
                    matches!((current, held), (Some(c), Some(h)) if c.eq_ignore_ascii_case(h));
                (!in_sync).then(|| Action::Assign {
                    serial: serial.clone(),
                    abm_server: server,
                    profile,
                    apple_profile_uuid: current.map(str::to_owned),
                })
            }
            None if removed(input.resolution) => None,
            None => held
                .filter(|h| self.ours.contains(&(server, h.to_ascii_uppercase())))
                .map(|h| Action::Remove {
                    serial: serial.clone(),
                    abm_server: server,
                    apple_profile_uuid: h.to_owned(),
                }),
        }?;
        Some(self.cooldown(serial, server).unwrap_or(due))
    }

    /// Apple's UUID of the profile's current revision on the server, if defined.
    fn current_definition(&self, profile: Uuid, server: Uuid) -> Option<&str> {
        let d = self.definitions.get(&(profile, server))?;
        let revision = self.revisions.get(&profile)?;
        (d.revision == *revision).then_some(d.apple_profile_uuid.as_str())
    }

    /// A `Wait` when the serial's last push on this server is still cooling down.
    fn cooldown(&self, serial: &str, server: Uuid) -> Option<Action> {
        let state = self.push_states.get(serial)?;
        if state.abm_server_id != server {
            // The device moved: the old server's cooldown says nothing about the new one.
            return None;
        }
        let (until, reason) = match state.last_result {
            PushResult::Throttled => (state.retry_after?, WaitReason::Throttled),
            PushResult::Failed => (
                state
                    .retry_after
                    .unwrap_or(state.last_attempt_at + FAILED_COOLDOWN),
                WaitReason::Failed,
            ),
            PushResult::Success | PushResult::NotAccessible => return None,
        };
        (until > self.now).then(|| Action::Wait {
            serial: serial.to_owned(),
            until,
            reason,
        })
    }
}

fn removed(r: &Resolution) -> bool {
    matches!(
        r.outcome,
        super::Outcome::Unassigned(UnassignedReason::DeviceRemoved)
    )
}

/// The actions for every device, in input order (devices in sync are left out).
pub fn plan(inputs: &[PlanInput<'_>], ctx: &PlanContext) -> Vec<Action> {
    inputs.iter().filter_map(|i| ctx.action(i)).collect()
}
