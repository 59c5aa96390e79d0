//! Enrollment identity: which enrollment (device channel or user channel) a message belongs to.
//!
//! The IDs follow NanoMDM's `EnrollID` rules (see `shared/reference/mdm-protocol.md` §2.2) so
//! they stay stable for the lifetime of an enrollment and match what other servers store:
//!
//! | identifiers in the message | kind | id |
//! |---|---|---|
//! | `UDID` | device | `UDID` |
//! | `UDID` + `UserID` | user (macOS) | `UDID:UserID` |
//! | `UDID` + Shared iPad `UserID` + `UserShortName` | Shared iPad user | `UDID:UserShortName` |
//! | `EnrollmentID` | User Enrollment device | `EnrollmentID` |
//! | `EnrollmentID` + `EnrollmentUserID` | User Enrollment user | `EnrollmentID:EnrollmentUserID` |

use plist::Dictionary;

use crate::error::ProtoError;
use crate::fields::{put_str, Fields};

/// The `UserID` a Shared iPad sends for its (Managed Apple Account) user channel.
pub const SHARED_IPAD_USER_ID: &str = "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF";

/// The identifier keys carried by check-in messages and command reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnrollmentIds {
    /// `UDID`: the device (absent in User Enrollment, where it is forbidden).
    pub udid: Option<String>,
    /// `EnrollmentID`: the per-enrollment device identifier of a User Enrollment.
    pub enrollment_id: Option<String>,
    /// `EnrollmentUserID`: the user of a User Enrollment's user channel (macOS).
    pub enrollment_user_id: Option<String>,
    /// `UserID`: a macOS user's GUID, or [`SHARED_IPAD_USER_ID`] on Shared iPad.
    pub user_id: Option<String>,
    /// `UserShortName`: macOS short name, or the Managed Apple Account on Shared iPad.
    pub user_short_name: Option<String>,
    /// `UserLongName`: the user's full name (macOS).
    pub user_long_name: Option<String>,
}

/// Which kind of channel an enrollment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EnrollmentType {
    /// A device channel identified by `UDID`.
    Device,
    /// A macOS user channel (`UDID` + `UserID`).
    User,
    /// A Shared iPad user (`UDID` + `UserShortName`).
    SharedIpadUser,
    /// The device channel of a User Enrollment (`EnrollmentID`).
    UserEnrollmentDevice,
    /// The user channel of a User Enrollment (`EnrollmentID` + `EnrollmentUserID`).
    UserEnrollmentUser,
}

/// A resolved enrollment: its ID, its kind, and for user channels the device channel's ID.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EnrollmentIdentity {
    /// The enrollment ID (see the module table).
    pub id: String,
    /// What kind of channel this is.
    pub kind: EnrollmentType,
    /// For user channels, the device channel's ID (`UDID` or `EnrollmentID`).
    pub parent_id: Option<String>,
}

impl EnrollmentIdentity {
    /// True for user channels (including Shared iPad and User Enrollment users).
    pub fn is_user_channel(&self) -> bool {
        self.parent_id.is_some()
    }

    /// True for both channels of a User Enrollment (`EnrollmentID`).
    pub fn is_user_enrollment(&self) -> bool {
        matches!(
            self.kind,
            EnrollmentType::UserEnrollmentDevice | EnrollmentType::UserEnrollmentUser
        )
    }

    /// The device channel's ID: this ID for a device channel, the parent's for a user channel.
    /// Certificate bindings are kept against this ID (user channels share the device's).
    pub fn device_id(&self) -> &str {
        self.parent_id.as_deref().unwrap_or(&self.id)
    }
}

/// Why identifiers do not name one enrollment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("UDID/EnrollmentID: neither present (a device channel is named by UDID, a User Enrollment by EnrollmentID)")]
    Missing,
    #[error("UDID/EnrollmentID: both present (UDID is forbidden in User Enrollment, so a message carries exactly one)")]
    Both,
}

/// Empty strings count as absent, as Apple's clients never send an empty identifier on purpose.
fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|s| !s.is_empty())
}

impl EnrollmentIds {
    /// Reads the identifier keys; each is optional here, [`EnrollmentIds::resolve`] applies the rules.
    pub(crate) fn read(fields: &Fields<'_>) -> Result<Self, ProtoError> {
        Ok(Self {
            udid: fields.string("UDID")?,
            enrollment_id: fields.string("EnrollmentID")?,
            enrollment_user_id: fields.string("EnrollmentUserID")?,
            user_id: fields.string("UserID")?,
            user_short_name: fields.string("UserShortName")?,
            user_long_name: fields.string("UserLongName")?,
        })
    }

    /// Writes the identifier keys (absent ones are removed).
    pub(crate) fn write(&self, dict: &mut Dictionary) {
        put_str(dict, "UDID", self.udid.as_deref());
        put_str(dict, "EnrollmentID", self.enrollment_id.as_deref());
        put_str(dict, "EnrollmentUserID", self.enrollment_user_id.as_deref());
        put_str(dict, "UserID", self.user_id.as_deref());
        put_str(dict, "UserShortName", self.user_short_name.as_deref());
        put_str(dict, "UserLongName", self.user_long_name.as_deref());
    }

    /// Identifiers of a device channel.
    pub fn device(udid: impl Into<String>) -> Self {
        Self {
            udid: Some(udid.into()),
            ..Self::default()
        }
    }

    /// Identifiers of a User Enrollment's device channel.
    pub fn user_enrollment(enrollment_id: impl Into<String>) -> Self {
        Self {
            enrollment_id: Some(enrollment_id.into()),
            ..Self::default()
        }
    }

    /// The enrollment these identifiers name.
    pub fn resolve(&self) -> Result<EnrollmentIdentity, IdentityError> {
        match (present(&self.udid), present(&self.enrollment_id)) {
            (Some(_), Some(_)) => Err(IdentityError::Both),
            (None, None) => Err(IdentityError::Missing),
            (Some(udid), None) => Ok(self.resolve_udid(udid)),
            (None, Some(enrollment_id)) => Ok(match present(&self.enrollment_user_id) {
                Some(user) => user_channel(enrollment_id, user, EnrollmentType::UserEnrollmentUser),
                None => device_channel(enrollment_id, EnrollmentType::UserEnrollmentDevice),
            }),
        }
    }

    fn resolve_udid(&self, udid: &str) -> EnrollmentIdentity {
        let user_id = present(&self.user_id);
        match (user_id, present(&self.user_short_name)) {
            (Some(SHARED_IPAD_USER_ID), Some(short)) => {
                user_channel(udid, short, EnrollmentType::SharedIpadUser)
            }
            (Some(user), _) => user_channel(udid, user, EnrollmentType::User),
            (None, _) => device_channel(udid, EnrollmentType::Device),
        }
    }
}

fn device_channel(id: &str, kind: EnrollmentType) -> EnrollmentIdentity {
    EnrollmentIdentity {
        id: id.to_string(),
        kind,
        parent_id: None,
    }
}

fn user_channel(device: &str, user: &str, kind: EnrollmentType) -> EnrollmentIdentity {
    EnrollmentIdentity {
        id: format!("{device}:{user}"),
        kind,
        parent_id: Some(device.to_string()),
    }
}
