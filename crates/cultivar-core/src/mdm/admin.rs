//! What administrators do with the command queue: enqueue (validated against Apple's schema
//! and refused for devices it is not allowed on), cancel.

use std::collections::HashSet;

use cultivar_mdm_proto::schema::{
    command_allowed_for, Channel, EnrollmentKind, OsVersion, Platform, Target,
};
use cultivar_mdm_proto::{validate_command, Command};
use cultivar_store::{MdmEnrollment, NewMdmCommand};
use plist::Dictionary;

use super::MdmService;
use crate::error::CoreError;

/// The most targets one enqueue takes.
pub const MAX_TARGETS: usize = 10_000;

/// A command for one or more devices.
#[derive(Debug, Clone, PartialEq)]
pub struct EnqueueRequest {
    /// Channel ids (UDID, EnrollmentID, `<device>:<user>`) or serial numbers.
    pub targets: Vec<String>,
    pub request_type: String,
    /// The keys of `Command` other than `RequestType`.
    pub payload: Dictionary,
}

/// What an enqueue did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enqueued {
    pub command_uuid: String,
    pub request_type: String,
    /// The channels it was queued for.
    pub queued: Vec<String>,
    /// Targets that name no enrolled device (nothing was queued for them).
    pub unknown: Vec<String>,
}

impl MdmService {
    /// Validates and queues a command for every target in one store transaction. Refused as
    /// a whole (naming the field and the rule) when the payload breaks Apple's schema or the
    /// command is not allowed on one of the devices; `NotFound` when no target is known.
    pub async fn enqueue(&self, req: &EnqueueRequest) -> Result<Enqueued, CoreError> {
        let command = validated_command(req)?;
        if req.targets.is_empty() || req.targets.len() > MAX_TARGETS {
            return Err(CoreError::invalid(
                "targets",
                &format!("must name 1 to {MAX_TARGETS} devices"),
            ));
        }
        let (channels, mut unknown) = self.resolve_targets(&req.targets).await?;
        if channels.is_empty() {
            return Err(CoreError::NotFound {
                what: format!("enrolled device {}", unknown.join(", ")),
            });
        }
        for (i, e) in channels.iter().enumerate() {
            check_allowed(&command.request_type, e, i)?;
        }
        let raw = command
            .to_plist_xml()
            .map_err(|e| CoreError::Internal(format!("encoding the command failed: {e}")))?;
        let ids: Vec<String> = channels.into_iter().map(|e| e.id).collect();
        let new = NewMdmCommand {
            command_uuid: command.command_uuid.clone(),
            request_type: command.request_type.clone(),
            raw,
            at: self.clock.now(),
        };
        let done = self.store.enqueue_mdm_command(&new, &ids).await?;
        unknown.extend(done.unknown);
        // Wake the devices without holding up the answer; see `push`.
        self.spawn_push(done.queued.clone());
        Ok(Enqueued {
            command_uuid: command.command_uuid,
            request_type: command.request_type,
            queued: done.queued,
            unknown,
        })
    }

    /// Each target's channel (device channels for serials: the most recent one), in target
    /// order without duplicates, and the targets that name none.
    async fn resolve_targets(
        &self,
        targets: &[String],
    ) -> Result<(Vec<MdmEnrollment>, Vec<String>), CoreError> {
        let mut seen = HashSet::new();
        let (mut found, mut unknown) = (Vec::new(), Vec::new());
        for t in targets {
            match self.channel_for(t).await? {
                Some(e) => {
                    if seen.insert(e.id.clone()) {
                        found.push(e);
                    }
                }
                None => unknown.push(t.clone()),
            }
        }
        Ok((found, unknown))
    }

    /// The channel a target names: a channel id, else the newest device channel of a
    /// serial number.
    pub(crate) async fn channel_for(
        &self,
        target: &str,
    ) -> Result<Option<MdmEnrollment>, CoreError> {
        if target.trim().is_empty() {
            return Ok(None);
        }
        if let Some(e) = self.store.mdm_enrollment(target).await? {
            return Ok(Some(e));
        }
        Ok(self
            .store
            .mdm_enrollments_by_serial(target)
            .await?
            .into_iter()
            .next())
    }

    /// Cancels a command still waiting, for one device (`device`: id or serial) or all.
    /// Returns how many devices it was cancelled for; `NotFound` when nothing was waiting.
    pub async fn cancel(&self, command_uuid: &str, device: Option<&str>) -> Result<u64, CoreError> {
        let channel = match device {
            Some(d) => Some(
                self.channel_for(d)
                    .await?
                    .ok_or_else(|| CoreError::NotFound {
                        what: format!("device {d:?}"),
                    })?,
            ),
            None => None,
        };
        let id = channel.as_ref().map(|e| e.id.as_str());
        let n = self
            .store
            .cancel_mdm_command(command_uuid, id, self.clock.now())
            .await?;
        if n > 0 {
            return Ok(n);
        }
        if let Some(id) = id {
            if let Some(entry) = self.store.mdm_command_entry(id, command_uuid).await? {
                return Err(CoreError::Conflict {
                    what: format!(
                        "command {command_uuid} is {} on this device; only queued or NotNow'd \
                         commands can be cancelled",
                        entry.state
                    ),
                });
            }
        }
        Err(CoreError::NotFound {
            what: format!("a waiting command {command_uuid:?}"),
        })
    }
}

/// The command with a fresh UUID, or the first schema rule it breaks (all are listed).
fn validated_command(req: &EnqueueRequest) -> Result<Command, CoreError> {
    let request_type = req.request_type.trim();
    if request_type.is_empty() {
        return Err(CoreError::invalid("request_type", "must not be empty"));
    }
    if cultivar_mdm_proto::schema::command(request_type).is_none() {
        return Err(CoreError::invalid(
            "request_type",
            &format!("unknown RequestType {request_type:?} (not in Apple's command schemas)"),
        ));
    }
    let command = Command::new(request_type, req.payload.clone());
    validate_command(&command).map_err(|issues| {
        let field = issues
            .first()
            .map(|i| payload_field(&i.path))
            .unwrap_or_else(|| "payload".to_owned());
        let rules: Vec<String> = issues.iter().map(ToString::to_string).collect();
        CoreError::Invalid {
            field,
            rule: rules.join("; "),
        }
    })?;
    Ok(command)
}

/// `Command.Queries[0]` → `payload.Queries[0]` (the API's name for the dictionary).
fn payload_field(path: &str) -> String {
    match path.strip_prefix("Command") {
        Some(rest) => format!("payload{rest}"),
        None => path.to_owned(),
    }
}

/// Refuses a command Apple's schema does not allow on this channel.
fn check_allowed(request_type: &str, e: &MdmEnrollment, index: usize) -> Result<(), CoreError> {
    // Without a known platform the schema cannot decide; the device's own answer will.
    let Some(target) = target_of(e) else {
        return Ok(());
    };
    command_allowed_for(request_type, &target).map_err(|refusal| CoreError::Invalid {
        field: format!("targets[{index}]"),
        rule: format!("{}: {} not allowed: {}", e.id, request_type, refusal.reason),
    })
}

/// What the schema checks need to know about a channel.
pub(crate) fn target_of(e: &MdmEnrollment) -> Option<Target> {
    let platform = platform_of(e)?;
    let enrollment = match e.enrollment_type.as_str() {
        "ade" => EnrollmentKind::Ade,
        "user_enrollment" => EnrollmentKind::UserEnrollment,
        _ => EnrollmentKind::Device,
    };
    let mut target = Target::new(platform, enrollment);
    target.os_version = e
        .os_version
        .as_deref()
        .and_then(|v| v.parse::<OsVersion>().ok());
    if e.channel == "user" {
        target.channel = Channel::User;
    }
    Some(target)
}

/// The platform from the model identifier the device reported (`iPhone16,1`, `Mac14,2`).
pub(crate) fn platform_of(e: &MdmEnrollment) -> Option<Platform> {
    let product = e.product_name.as_deref().or(e.model.as_deref())?;
    let prefixes: [(&str, Platform); 8] = [
        ("iPhone", Platform::IOs),
        ("iPad", Platform::IOs),
        ("iPod", Platform::IOs),
        ("AppleTV", Platform::TvOs),
        ("Watch", Platform::WatchOs),
        ("RealityDevice", Platform::VisionOs),
        ("iMac", Platform::MacOs),
        ("Mac", Platform::MacOs),
    ];
    prefixes
        .iter()
        .find(|(p, _)| product.starts_with(p))
        .map(|(_, platform)| *platform)
        .or_else(|| product.contains("Mac").then_some(Platform::MacOs))
}
