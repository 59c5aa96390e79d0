//! The ADE service: reads the store page by page, resolves every ABM device, plans what to
//! send to Apple ([`AdeService::plan`]), explains one device ([`AdeService::explain`]), lists
//! the Unassigned ([`AdeService::unassigned`]); pushing lives in `push`, the automatic runs in
//! `auto`.

use std::collections::HashMap;
use std::sync::Arc;

use cultivar_store::{AbmDevice, AdeDeviceRow, AdePushState, PushResult, Store};
use time::OffsetDateTime;
use tokio::sync::{watch, Mutex, Notify};
use uuid::Uuid;

use super::{Action, AppleView, PlanContext, PlanInput, ProfileRef, Resolution, Resolver};
use super::{Step, UnassignedReason};
use crate::abm::AbmService;
use crate::clock::Clock;
use crate::error::CoreError;

/// Devices read per store query (and resolved together).
pub(super) const PAGE: u32 = 1000;

/// Resolves, plans and pushes ADE profiles. Cheap to clone.
#[derive(Clone)]
pub struct AdeService {
    pub(super) store: Arc<dyn Store>,
    pub(super) abm: AbmService,
    pub(super) clock: Arc<dyn Clock>,
    /// The profile `url` cultivar fills in: `<public base>/mdm/ade/enroll`.
    pub(super) enrollment_url: String,
    /// Signalled by [`AdeService::changed`]; the automatic runner waits on it.
    pub(super) changes: Arc<Notify>,
    /// Held while applying, so two pushes never overlap.
    pub(super) applying: Arc<Mutex<()>>,
    /// Counts the automatic pushes finished (tests wait on it instead of sleeping).
    pub(super) pushes: Arc<watch::Sender<u64>>,
}

/// Apple's record of a device, from the last sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppleRecord {
    pub abm_server_id: Uuid,
    pub profile_uuid: Option<String>,
    pub profile_status: Option<String>,
    pub profile_assign_time: Option<OffsetDateTime>,
    pub profile_push_time: Option<OffsetDateTime>,
}

/// Why a device has (or lacks) the profile it has, side by side with Apple's view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    pub serial: String,
    /// The resolution chain, step by step (and any group conflict).
    pub steps: Vec<Step>,
    pub resolution: Resolution,
    /// The profile cultivar intends; `None` when Unassigned.
    pub intended_profile: Option<ProfileRef>,
    pub apple: AppleRecord,
    /// The last push (result, cooldown, attempts); `None` if never pushed.
    pub push_state: Option<AdePushState>,
    /// What the next push would do; `None` when Apple's record matches the intent.
    pub next_action: Option<Action>,
}

/// What plans are made from: the lookups, built once per plan.
pub(super) struct Snapshot {
    resolver: Resolver,
    ctx: PlanContext,
}

impl AdeService {
    /// `enrollment_url_base` is the server's public base URL (no trailing path).
    pub fn new(
        store: Arc<dyn Store>,
        abm: AbmService,
        clock: Arc<dyn Clock>,
        enrollment_url_base: String,
    ) -> Self {
        let enrollment_url = format!(
            "{}/mdm/ade/enroll",
            enrollment_url_base.trim_end_matches('/')
        );
        AdeService {
            store,
            abm,
            clock,
            enrollment_url,
            changes: Arc::new(Notify::new()),
            applying: Arc::new(Mutex::new(())),
            pushes: Arc::new(watch::Sender::new(0)),
        }
    }

    /// The URL filled into every profile sent to Apple.
    pub fn enrollment_url(&self) -> &str {
        &self.enrollment_url
    }

    /// Tells the automatic runner that profiles, groups, assignments or defaults changed.
    pub fn changed(&self) {
        // notify_one keeps a permit when nobody waits, so a change during a push is not lost.
        self.changes.notify_one();
    }

    /// How many automatic pushes have finished (successful or not).
    pub fn pushes(&self) -> watch::Receiver<u64> {
        self.pushes.subscribe()
    }

    /// Every action the next push would take (dry run), in serial order.
    pub async fn plan(&self) -> Result<Vec<Action>, CoreError> {
        let snap = self.snapshot(&[]).await?;
        let mut actions = Vec::new();
        let mut after: Option<String> = None;
        while let Some(rows) = self.next_page(&mut after).await? {
            let groups = self.static_groups(&rows).await?;
            actions.extend(self.page_actions(&snap, &rows, &groups).await?);
        }
        Ok(actions)
    }

    /// Every active device without a profile, with its reason, in serial order.
    pub async fn unassigned(&self) -> Result<Vec<(String, UnassignedReason)>, CoreError> {
        let snap = self.snapshot(&[]).await?;
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        while let Some(rows) = self.next_page(&mut after).await? {
            let groups = self.static_groups(&rows).await?;
            for row in &rows {
                let resolution = snap.resolve(row, &groups);
                if let super::Outcome::Unassigned(reason) = resolution.outcome {
                    out.push((resolution.serial, reason));
                }
            }
        }
        Ok(out)
    }

    /// The resolution chain, the intended profile, Apple's view, the last push and the next
    /// action of one device. `NotFound` for a serial ABM never reported.
    pub async fn explain(&self, serial: &str) -> Result<Explanation, CoreError> {
        let device = self
            .store
            .abm_device(serial)
            .await?
            .ok_or_else(|| CoreError::NotFound {
                what: format!("ABM device {serial}"),
            })?;
        let explicit = self.store.device_profile(serial).await?;
        let push_state = self.store.ade_push_state(serial).await?;
        let snap = self.snapshot(push_state.as_slice()).await?;
        let row = AdeDeviceRow {
            device,
            explicit_profile_id: explicit.map(|e| e.profile_id),
        };
        let groups = self.static_groups(std::slice::from_ref(&row)).await?;
        let resolution = snap.resolve(&row, &groups);
        let next_action = snap
            .planned(&resolution, &row.device)
            .filter(|a| !settled(a, &row.device, push_state.as_ref()));
        let intended_profile = resolution
            .profile()
            .and_then(|p| snap.resolver.profiles().get(&p).cloned());
        let d = &row.device;
        Ok(Explanation {
            serial: serial.to_owned(),
            steps: resolution.steps.clone(),
            resolution,
            intended_profile,
            apple: AppleRecord {
                abm_server_id: d.abm_server_id,
                profile_uuid: d.data.profile_uuid.clone(),
                profile_status: d.data.profile_status.clone(),
                profile_assign_time: d.data.profile_assign_time,
                profile_push_time: d.data.profile_push_time,
            },
            push_state,
            next_action,
        })
    }

    /// The lookups of one plan. Only cooling-down push states matter to the plan rules; the
    /// explain path adds the device's own state so a past cooldown still shows.
    pub(super) async fn snapshot(&self, extra: &[AdePushState]) -> Result<Snapshot, CoreError> {
        let profiles = self.store.list_ade_profiles().await?;
        let groups = self.store.list_device_groups().await?;
        let defaults = self.store.list_os_defaults().await?;
        let definitions = self.store.list_all_ade_profile_definitions().await?;
        let history = self.store.list_ade_defined_uuids().await?;
        let now = self.clock.now();
        let mut states = self.store.list_ade_cooling_down(now).await?;
        states.extend(extra.iter().cloned());
        Ok(Snapshot {
            resolver: Resolver::new(&profiles, &groups, &defaults),
            ctx: PlanContext::new(&profiles, &definitions, &states, now).with_history(&history),
        })
    }

    /// The next page of active devices after `after` (moved on), `None` when done.
    pub(super) async fn next_page(
        &self,
        after: &mut Option<String>,
    ) -> Result<Option<Vec<AdeDeviceRow>>, CoreError> {
        let rows = self.store.list_ade_devices(after.as_deref(), PAGE).await?;
        let Some(last) = rows.last() else {
            return Ok(None);
        };
        *after = Some(last.device.data.serial_number.clone());
        Ok(Some(rows))
    }

    /// The static-group ids of the page's serials, in one query.
    pub(super) async fn static_groups(
        &self,
        rows: &[AdeDeviceRow],
    ) -> Result<HashMap<String, Vec<Uuid>>, CoreError> {
        let serials: Vec<String> = rows
            .iter()
            .map(|r| r.device.data.serial_number.clone())
            .collect();
        let mut groups: HashMap<String, Vec<Uuid>> = HashMap::new();
        for m in self.store.groups_for_serials(&serials).await? {
            groups.entry(m.serial_number).or_default().push(m.group_id);
        }
        Ok(groups)
    }

    /// The page's actions, in page order. An Assign or Remove the last push already answers is
    /// left out (see [`settled`]); the push states of the page's serials are read in one query.
    pub(super) async fn page_actions(
        &self,
        snap: &Snapshot,
        rows: &[AdeDeviceRow],
        groups: &HashMap<String, Vec<Uuid>>,
    ) -> Result<Vec<Action>, CoreError> {
        let planned: Vec<(Action, &AbmDevice)> = rows
            .iter()
            .filter_map(|row| {
                let resolution = snap.resolve(row, groups);
                snap.planned(&resolution, &row.device)
                    .map(|a| (a, &row.device))
            })
            .collect();
        let serials: Vec<String> = planned
            .iter()
            .filter(|(a, _)| !matches!(a, Action::Wait { .. }))
            .map(|(a, _)| a.serial().to_owned())
            .collect();
        let mut states: HashMap<String, AdePushState> = HashMap::new();
        // One query per page (PAGE is the store's per-read limit, so one chunk).
        for chunk in serials.chunks(PAGE as usize) {
            for state in self.store.ade_push_states(chunk).await? {
                states.insert(state.serial_number.clone(), state);
            }
        }
        Ok(planned
            .into_iter()
            .filter(|(a, d)| !settled(a, d, states.get(a.serial())))
            .map(|(a, _)| a)
            .collect())
    }
}

impl Snapshot {
    /// The plan rule's action for a resolved device, before any settling push is considered.
    fn planned(&self, resolution: &Resolution, device: &AbmDevice) -> Option<Action> {
        self.ctx.action(&PlanInput {
            resolution,
            apple: AppleView::of(device),
        })
    }

    fn resolve(&self, row: &AdeDeviceRow, groups: &HashMap<String, Vec<Uuid>>) -> Resolution {
        let static_groups = groups
            .get(&row.device.data.serial_number)
            .map_or(&[][..], Vec::as_slice);
        self.resolver
            .resolve(&row.device, row.explicit_profile_id, static_groups)
    }
}

/// Whether a push made after Apple's record was last synced already answers this action, so
/// it is not sent again before the next sync shows Apple's view: an Assign answered SUCCESS
/// with the same Apple profile, a Remove answered SUCCESS for the same Apple profile, or
/// either answered NOT_ACCESSIBLE on the same server (retrying cannot help until the device
/// moves). Once a sync updates the device, Apple's record is newer and wins again.
pub(super) fn settled(action: &Action, device: &AbmDevice, state: Option<&AdePushState>) -> bool {
    let Some(state) = state else {
        return false;
    };
    let (server, apple_uuid, removing) = match action {
        Action::Assign {
            abm_server,
            apple_profile_uuid,
            ..
        } => (*abm_server, apple_profile_uuid.as_deref(), false),
        Action::Remove {
            abm_server,
            apple_profile_uuid,
            ..
        } => (*abm_server, Some(apple_profile_uuid.as_str()), true),
        Action::Wait { .. } => return false,
    };
    if state.abm_server_id != server || state.last_attempt_at <= device.updated_at {
        return false;
    }
    // A removal is recorded without a profile; an assign with one.
    if state.profile_id.is_none() != removing {
        return false;
    }
    match state.last_result {
        PushResult::NotAccessible => true,
        PushResult::Success => {
            apple_uuid.is_some() && state.apple_profile_uuid.as_deref() == apple_uuid
        }
        PushResult::Failed | PushResult::Throttled => false,
    }
}
