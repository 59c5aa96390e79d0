//! Pushing a plan to ABM: define each profile once per ABM server (and again after a change),
//! assign in batches of at most 1000 serials, remove, and record every serial's result with
//! its cooldown.

use std::collections::BTreeMap;

use cultivar_abm_client::AbmClient;
use cultivar_abm_proto::{DeviceResult, DeviceResults, Profile};
use cultivar_store::{AdeProfileDefinition, AdePushRecord, PushResult};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::service::AdeService;
use super::{Action, FAILED_COOLDOWN};
use crate::error::CoreError;

/// Apple's assign/remove batch limit.
pub const BATCH: usize = 1000;

/// Cooldown of a THROTTLED serial when Apple gives no `retry_after_seconds`.
pub const THROTTLED_DEFAULT: Duration = Duration::minutes(5);

/// What one [`AdeService::apply`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ApplySummary {
    /// Profiles defined (or defined again) on an ABM server.
    pub defined: u64,
    pub assigned: u64,
    pub removed: u64,
    /// Serials Apple answered FAILED, or whose call failed as a whole.
    pub failed: u64,
    pub throttled: u64,
    pub not_accessible: u64,
    /// Serials left alone because they are cooling down.
    pub waiting: u64,
}

/// Serials to assign, per (ABM server, profile); serials to remove, per (server, Apple UUID).
#[derive(Default)]
struct Work {
    assign: BTreeMap<(Uuid, Uuid), (Option<String>, Vec<String>)>,
    remove: BTreeMap<(Uuid, String), Vec<String>>,
}

impl AdeService {
    /// Plans and pushes: one push at a time per process (a second caller waits its turn).
    pub async fn apply(&self) -> Result<ApplySummary, CoreError> {
        let _turn = self.applying.lock().await;
        let mut summary = ApplySummary::default();
        let mut work = Work::default();
        for action in self.plan().await? {
            match action {
                Action::Assign {
                    serial,
                    abm_server,
                    profile,
                    apple_profile_uuid,
                } => {
                    let entry = work.assign.entry((abm_server, profile)).or_default();
                    entry.0 = apple_profile_uuid;
                    entry.1.push(serial);
                }
                Action::Remove {
                    serial,
                    abm_server,
                    apple_profile_uuid,
                } => {
                    let key = (abm_server, apple_profile_uuid);
                    work.remove.entry(key).or_default().push(serial);
                }
                Action::Wait { .. } => summary.waiting += 1,
            }
        }
        for ((server, profile), (uuid, serials)) in work.assign {
            self.assign_group(server, profile, uuid, &serials, &mut summary)
                .await?;
        }
        for ((server, uuid), serials) in work.remove {
            self.remove_group(server, &uuid, &serials, &mut summary)
                .await?;
        }
        Ok(summary)
    }

    /// Defines the profile if needed, then assigns its serials on one server. A server or
    /// profile that cannot be reached counts its serials as failed and leaves them for the
    /// next run; store errors abort.
    async fn assign_group(
        &self,
        server: Uuid,
        profile: Uuid,
        apple_uuid: Option<String>,
        serials: &[String],
        summary: &mut ApplySummary,
    ) -> Result<(), CoreError> {
        let must_define = apple_uuid.is_none();
        let prepared = match self.abm.client(server).await {
            Ok(client) => match apple_uuid {
                Some(uuid) => Ok((client, uuid)),
                None => self
                    .define(&client, server, profile)
                    .await
                    .map(|uuid| (client, uuid)),
            },
            Err(e) => Err(e),
        };
        let (client, uuid) = match prepared {
            Ok(ok) => ok,
            Err(CoreError::Store(e)) => return Err(CoreError::Store(e)),
            Err(e) => {
                tracing::warn!(%server, %profile, error = %e, "ADE push: cannot assign");
                summary.failed += serials.len() as u64;
                return Ok(());
            }
        };
        summary.defined += u64::from(must_define);
        for batch in serials.chunks(BATCH) {
            let answer = client.assign_profile(&uuid, batch).await;
            let target = Target {
                server,
                profile: Some(profile),
                apple_uuid: &uuid,
            };
            self.record(target, batch, answer, summary).await?;
        }
        Ok(())
    }

    /// Defines the profile's current revision on the server with cultivar's enrollment URL,
    /// and stores Apple's UUID for it.
    async fn define(
        &self,
        client: &AbmClient,
        server: Uuid,
        profile_id: Uuid,
    ) -> Result<String, CoreError> {
        let profile =
            self.store
                .ade_profile(profile_id)
                .await?
                .ok_or_else(|| CoreError::NotFound {
                    what: format!("ADE profile {profile_id}"),
                })?;
        let mut body: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&profile.body).map_err(|e| {
                CoreError::Internal(format!("ADE profile {profile_id}: stored body: {e}"))
            })?;
        body.insert("url".into(), self.enrollment_url.clone().into());
        body.entry("profile_name")
            .or_insert_with(|| profile.name.clone().into());
        let apple: Profile = serde_json::from_value(body.into()).map_err(|e| {
            CoreError::Internal(format!("ADE profile {profile_id}: stored body: {e}"))
        })?;
        let answer = client
            .define_profile(&apple)
            .await
            .map_err(|e| CoreError::Unavailable(format!("ABM define profile: {e}")))?;
        // The client already refuses an answer without a UUID; this keeps the path total.
        let uuid = answer.profile_uuid.ok_or_else(|| {
            CoreError::Unavailable("ABM define profile: no profile_uuid in the answer".into())
        })?;
        let definition = AdeProfileDefinition {
            profile_id,
            abm_server_id: server,
            apple_profile_uuid: uuid.clone(),
            revision: profile.revision,
            defined_at: self.clock.now(),
        };
        self.store.put_ade_profile_definition(&definition).await?;
        Ok(uuid)
    }

    async fn remove_group(
        &self,
        server: Uuid,
        uuid: &str,
        serials: &[String],
        summary: &mut ApplySummary,
    ) -> Result<(), CoreError> {
        let client = match self.abm.client(server).await {
            Ok(c) => c,
            Err(CoreError::Store(e)) => return Err(CoreError::Store(e)),
            Err(e) => {
                tracing::warn!(%server, error = %e, "ADE push: cannot remove");
                summary.failed += serials.len() as u64;
                return Ok(());
            }
        };
        for batch in serials.chunks(BATCH) {
            let answer = client.remove_profile(batch, Some(uuid)).await;
            let target = Target {
                server,
                profile: None,
                apple_uuid: uuid,
            };
            self.record(target, batch, answer, summary).await?;
        }
        Ok(())
    }

    /// Records each serial's result of one call. A call that failed as a whole (network,
    /// token) is not recorded: the serials are simply planned again next run.
    async fn record(
        &self,
        target: Target<'_>,
        batch: &[String],
        answer: Result<DeviceResults, cultivar_abm_client::AbmError>,
        summary: &mut ApplySummary,
    ) -> Result<(), CoreError> {
        let answer = match answer {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(server = %target.server, error = %e, "ADE push: call failed");
                summary.failed += batch.len() as u64;
                return Ok(());
            }
        };
        let now = self.clock.now();
        let records: Vec<AdePushRecord> = batch
            .iter()
            .map(|serial| {
                let result = answer.devices.get(serial);
                let record = push_record(&target, serial, result, answer.retry_after_seconds, now);
                count(summary, record.result, target.profile.is_some());
                record
            })
            .collect();
        self.store.record_ade_pushes(&records).await?;
        Ok(())
    }
}

/// Where one call pushed: server, cultivar profile (`None` for a removal), Apple's UUID.
pub(super) struct Target<'a> {
    pub(super) server: Uuid,
    pub(super) profile: Option<Uuid>,
    pub(super) apple_uuid: &'a str,
}

/// One serial's record; a serial Apple left out of its answer counts as FAILED.
pub(super) fn push_record(
    target: &Target<'_>,
    serial: &str,
    result: Option<&DeviceResult>,
    retry_after_seconds: Option<u64>,
    now: OffsetDateTime,
) -> AdePushRecord {
    let (result, error) = match result {
        Some(DeviceResult::Success) => (PushResult::Success, None),
        Some(DeviceResult::NotAccessible) => (PushResult::NotAccessible, None),
        Some(DeviceResult::Throttled) => (PushResult::Throttled, None),
        Some(DeviceResult::Failed) => (PushResult::Failed, None),
        Some(DeviceResult::Other(s)) => (PushResult::Failed, Some(format!("Apple answered {s}"))),
        None => (
            PushResult::Failed,
            Some("Apple's answer did not list this serial".to_owned()),
        ),
    };
    let retry_after = match result {
        PushResult::Throttled => Some(
            now + retry_after_seconds
                .and_then(|s| i64::try_from(s).ok())
                .map_or(THROTTLED_DEFAULT, Duration::seconds),
        ),
        PushResult::Failed => Some(now + FAILED_COOLDOWN),
        PushResult::Success | PushResult::NotAccessible => None,
    };
    AdePushRecord {
        serial_number: serial.to_owned(),
        abm_server_id: target.server,
        profile_id: target.profile,
        apple_profile_uuid: Some(target.apple_uuid.to_owned()),
        result,
        attempted_at: now,
        retry_after,
        error,
    }
}

fn count(summary: &mut ApplySummary, result: PushResult, assign: bool) {
    match (result, assign) {
        (PushResult::Success, true) => summary.assigned += 1,
        (PushResult::Success, false) => summary.removed += 1,
        (PushResult::Failed, _) => summary.failed += 1,
        (PushResult::Throttled, _) => summary.throttled += 1,
        (PushResult::NotAccessible, _) => summary.not_accessible += 1,
    }
}
