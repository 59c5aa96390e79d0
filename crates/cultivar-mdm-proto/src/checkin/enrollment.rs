//! The enrollment lifecycle check-ins: `Authenticate`, `TokenUpdate`, `CheckOut`.
//! Keys per `vendor/apple-device-management/mdm/checkin/{authenticate,tokenupdate,checkout}.yaml`.

use plist::Dictionary;

use super::Message;
use crate::error::ProtoError;
use crate::fields::{put_bool, put_data, put_str, Fields};
use crate::identity::EnrollmentIds;

/// `Authenticate`: the device is installing the MDM payload. The server must not assume the
/// enrollment exists yet; it becomes usable with the first `TokenUpdate`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Authenticate {
    pub ids: EnrollmentIds,
    /// `Topic`: the APNs topic the device subscribes to (required).
    pub topic: String,
    /// `SerialNumber` (forbidden in User Enrollment).
    pub serial_number: Option<String>,
    /// `Model` (macOS only).
    pub model: Option<String>,
    /// `ModelName` (macOS only).
    pub model_name: Option<String>,
    /// `DeviceName` (macOS only).
    pub device_name: Option<String>,
    /// `ProductName`, for example `iPad2,5`.
    pub product_name: Option<String>,
    /// `OSVersion`.
    pub os_version: Option<String>,
    /// `BuildVersion`.
    pub build_version: Option<String>,
    /// `IMEI`.
    pub imei: Option<String>,
    /// `MEID`.
    pub meid: Option<String>,
    /// The whole dictionary as received (keys Apple adds later live only here).
    pub raw: Dictionary,
}

impl Message for Authenticate {
    const MESSAGE_TYPE: &'static str = "Authenticate";

    fn read(f: &Fields<'_>, ids: EnrollmentIds, raw: Dictionary) -> Result<Self, ProtoError> {
        Ok(Self {
            ids,
            topic: f.req_string("Topic")?,
            serial_number: f.string("SerialNumber")?,
            model: f.string("Model")?,
            model_name: f.string("ModelName")?,
            device_name: f.string("DeviceName")?,
            product_name: f.string("ProductName")?,
            os_version: f.string("OSVersion")?,
            build_version: f.string("BuildVersion")?,
            imei: f.string("IMEI")?,
            meid: f.string("MEID")?,
            raw,
        })
    }

    fn write(&self, d: &mut Dictionary) {
        put_str(d, "Topic", Some(&self.topic));
        put_str(d, "SerialNumber", self.serial_number.as_deref());
        put_str(d, "Model", self.model.as_deref());
        put_str(d, "ModelName", self.model_name.as_deref());
        put_str(d, "DeviceName", self.device_name.as_deref());
        put_str(d, "ProductName", self.product_name.as_deref());
        put_str(d, "OSVersion", self.os_version.as_deref());
        put_str(d, "BuildVersion", self.build_version.as_deref());
        put_str(d, "IMEI", self.imei.as_deref());
        put_str(d, "MEID", self.meid.as_deref());
    }

    fn parts(&self) -> (&EnrollmentIds, &Dictionary) {
        (&self.ids, &self.raw)
    }
}

/// `TokenUpdate`: push token and magic for the channel; the first one completes enrollment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TokenUpdate {
    pub ids: EnrollmentIds,
    /// `Topic` (required).
    pub topic: String,
    /// `Token`: the APNs device token (required; sent to APNs as hex).
    pub token: Vec<u8>,
    /// `PushMagic`: the value to put in the push body `{"mdm": …}` (required).
    pub push_magic: String,
    /// `UnlockToken`: keep it to clear the passcode later (iOS, not in User Enrollment).
    pub unlock_token: Option<Vec<u8>>,
    /// `AwaitingConfiguration`: the device waits in Setup Assistant for `DeviceConfigured`.
    pub awaiting_configuration: Option<bool>,
    /// `NotOnConsole` (macOS user channel).
    pub not_on_console: Option<bool>,
    /// The whole dictionary as received.
    pub raw: Dictionary,
}

impl TokenUpdate {
    /// The push token as lower-case hex, the form APNs URLs use.
    pub fn token_hex(&self) -> String {
        hex::encode(&self.token)
    }

    /// `AwaitingConfiguration`, with Apple's default (`false`) when absent.
    pub fn is_awaiting_configuration(&self) -> bool {
        self.awaiting_configuration.unwrap_or(false)
    }
}

impl Message for TokenUpdate {
    const MESSAGE_TYPE: &'static str = "TokenUpdate";

    fn read(f: &Fields<'_>, ids: EnrollmentIds, raw: Dictionary) -> Result<Self, ProtoError> {
        Ok(Self {
            ids,
            topic: f.req_string("Topic")?,
            token: f.req_data("Token")?,
            push_magic: f.req_string("PushMagic")?,
            unlock_token: f.data("UnlockToken")?,
            awaiting_configuration: f.boolean("AwaitingConfiguration")?,
            not_on_console: f.boolean("NotOnConsole")?,
            raw,
        })
    }

    fn write(&self, d: &mut Dictionary) {
        put_str(d, "Topic", Some(&self.topic));
        put_data(d, "Token", Some(&self.token));
        put_str(d, "PushMagic", Some(&self.push_magic));
        put_data(d, "UnlockToken", self.unlock_token.as_deref());
        put_bool(d, "AwaitingConfiguration", self.awaiting_configuration);
        put_bool(d, "NotOnConsole", self.not_on_console);
    }

    fn parts(&self) -> (&EnrollmentIds, &Dictionary) {
        (&self.ids, &self.raw)
    }
}

/// `CheckOut`: the MDM profile was removed (sent once, best effort).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CheckOut {
    pub ids: EnrollmentIds,
    /// `Topic` (required).
    pub topic: String,
    /// The whole dictionary as received.
    pub raw: Dictionary,
}

impl Message for CheckOut {
    const MESSAGE_TYPE: &'static str = "CheckOut";

    fn read(f: &Fields<'_>, ids: EnrollmentIds, raw: Dictionary) -> Result<Self, ProtoError> {
        Ok(Self {
            ids,
            topic: f.req_string("Topic")?,
            raw,
        })
    }

    fn write(&self, d: &mut Dictionary) {
        put_str(d, "Topic", Some(&self.topic));
    }

    fn parts(&self) -> (&EnrollmentIds, &Dictionary) {
        (&self.ids, &self.raw)
    }
}
