//! May a command be sent to this device? Decided from the command's `payload.supportedOS` in
//! Apple's schema: platform and version, User Enrollment mode, supervision, ADE, channel and
//! Shared iPad.

use std::fmt;

use super::model::{Availability, CommandSchema, Mode, OsSupport};
use super::platform::{OsVersion, Platform};

/// How a device is enrolled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EnrollmentKind {
    /// Profile-based device enrollment of an unsupervised device.
    Device,
    /// Profile-based device enrollment of a supervised device (for example Apple Configurator).
    SupervisedDevice,
    /// Automated Device Enrollment (ABM/DEP); such devices are supervised.
    Ade,
    /// User Enrollment (BYOD, `EnrollmentID`).
    UserEnrollment,
}

impl EnrollmentKind {
    pub fn is_supervised(self) -> bool {
        matches!(self, Self::SupervisedDevice | Self::Ade)
    }
}

/// Which MDM channel the command goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    Device,
    User,
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Device => "device",
            Self::User => "user",
        })
    }
}

/// Everything about a device that decides whether a command is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    pub platform: Platform,
    /// The device's OS version, when known; without it, version limits are not checked.
    pub os_version: Option<OsVersion>,
    pub enrollment: EnrollmentKind,
    pub channel: Channel,
    /// The device is a Shared iPad.
    pub shared_ipad: bool,
}

impl Target {
    /// The device channel of a device of this platform and enrollment kind, version unknown.
    pub fn new(platform: Platform, enrollment: EnrollmentKind) -> Self {
        Self {
            platform,
            os_version: None,
            enrollment,
            channel: Channel::Device,
            shared_ipad: false,
        }
    }
}

/// Why a command may not be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    UnknownRequestType,
    NotOnPlatform(Platform),
    NotYetIntroduced {
        platform: Platform,
        introduced: OsVersion,
        device: OsVersion,
    },
    Removed {
        platform: Platform,
        removed: OsVersion,
        device: OsVersion,
    },
    ForbiddenInUserEnrollment(Platform),
    RequiresUserEnrollment(Platform),
    RequiresSupervision(Platform),
    RequiresAde(Platform),
    NotOnChannel {
        platform: Platform,
        channel: Channel,
        shared_ipad: bool,
    },
    ForbiddenOnSharedIpad,
    RequiresSharedIpad,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownRequestType => {
                write!(f, "unknown RequestType (not in Apple's command schemas)")
            }
            Self::NotOnPlatform(p) => {
                write!(
                    f,
                    "not available on {p} (Apple's schema: introduced n/a or not listed)"
                )
            }
            Self::NotYetIntroduced {
                platform,
                introduced,
                device,
            } => write!(
                f,
                "needs {platform} {introduced} or later; the device runs {device}"
            ),
            Self::Removed {
                platform,
                removed,
                device,
            } => write!(
                f,
                "removed in {platform} {removed}; the device runs {device}"
            ),
            Self::ForbiddenInUserEnrollment(p) => write!(
                f,
                "forbidden in User Enrollment on {p} (userenrollment mode)"
            ),
            Self::RequiresUserEnrollment(p) => write!(
                f,
                "only for User Enrollment on {p} (userenrollment mode required)"
            ),
            Self::RequiresSupervision(p) => write!(f, "requires a supervised device on {p}"),
            Self::RequiresAde(p) => write!(
                f,
                "requires Automated Device Enrollment on {p} (requiresdep)"
            ),
            Self::NotOnChannel {
                platform,
                channel,
                shared_ipad,
            } => {
                let ipad = if *shared_ipad {
                    " of a Shared iPad"
                } else {
                    ""
                };
                write!(
                    f,
                    "not supported on the {channel} channel{ipad} on {platform}"
                )
            }
            Self::ForbiddenOnSharedIpad => write!(f, "forbidden on Shared iPad"),
            Self::RequiresSharedIpad => write!(f, "only for Shared iPad"),
        }
    }
}

/// A refusal: the command and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{request_type}: {reason}")]
pub struct NotAllowed {
    pub request_type: String,
    pub reason: Reason,
}

/// May `request_type` be sent on the device channel of a `platform` device enrolled as `kind`?
pub fn command_allowed(
    request_type: &str,
    platform: Platform,
    kind: EnrollmentKind,
) -> Result<(), NotAllowed> {
    command_allowed_for(request_type, &Target::new(platform, kind))
}

/// May `request_type` be sent to `target`?
pub fn command_allowed_for(request_type: &str, target: &Target) -> Result<(), NotAllowed> {
    let refuse = |reason| NotAllowed {
        request_type: request_type.to_string(),
        reason,
    };
    let schema = super::command(request_type).ok_or_else(|| refuse(Reason::UnknownRequestType))?;
    check(schema, target).map_err(refuse)
}

fn check(schema: &CommandSchema, target: &Target) -> Result<(), Reason> {
    let p = target.platform;
    let os = schema.os(p).ok_or(Reason::NotOnPlatform(p))?;
    check_version(os, target)?;
    let ue = os.user_enrollment;
    match (target.enrollment == EnrollmentKind::UserEnrollment, ue) {
        // No mode at all means the platform has no User Enrollment (tvOS, watchOS).
        (true, None | Some(Mode::Forbidden)) => return Err(Reason::ForbiddenInUserEnrollment(p)),
        (false, Some(Mode::Required)) => return Err(Reason::RequiresUserEnrollment(p)),
        _ => {}
    }
    if os.supervised == Some(true) && !target.enrollment.is_supervised() {
        return Err(Reason::RequiresSupervision(p));
    }
    if os.requires_dep == Some(true) && target.enrollment != EnrollmentKind::Ade {
        return Err(Reason::RequiresAde(p));
    }
    check_channel(os, target)
}

fn check_version(os: &OsSupport, target: &Target) -> Result<(), Reason> {
    let platform = target.platform;
    let introduced = match os.introduced {
        Some(Availability::NotAvailable) => return Err(Reason::NotOnPlatform(platform)),
        Some(Availability::Since(v)) => Some(v),
        None => None,
    };
    let Some(device) = target.os_version else {
        return Ok(());
    };
    if let Some(introduced) = introduced.filter(|v| device < *v) {
        return Err(Reason::NotYetIntroduced {
            platform,
            introduced,
            device,
        });
    }
    if let Some(removed) = os.removed.filter(|v| device >= *v) {
        return Err(Reason::Removed {
            platform,
            removed,
            device,
        });
    }
    Ok(())
}

/// Channel rules; on a Shared iPad the `sharedipad` entry decides. Absent flags default to what
/// Apple documents: commands go to the device channel, the user channel only where listed.
fn check_channel(os: &OsSupport, target: &Target) -> Result<(), Reason> {
    match (os.shared_ipad.and_then(|s| s.mode), target.shared_ipad) {
        (Some(Mode::Forbidden), true) => return Err(Reason::ForbiddenOnSharedIpad),
        (Some(Mode::Required), false) => return Err(Reason::RequiresSharedIpad),
        _ => {}
    }
    let shared = os.shared_ipad.filter(|_| target.shared_ipad);
    let (device, user) = match shared {
        Some(s) => (s.device_channel, s.user_channel),
        None => (os.device_channel, os.user_channel),
    };
    let allowed = match target.channel {
        Channel::Device => device.unwrap_or(true),
        Channel::User => user.unwrap_or(false),
    };
    if allowed {
        Ok(())
    } else {
        Err(Reason::NotOnChannel {
            platform: target.platform,
            channel: target.channel,
            shared_ipad: target.shared_ipad,
        })
    }
}
