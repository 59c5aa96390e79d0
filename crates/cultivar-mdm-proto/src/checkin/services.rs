//! Check-ins that ask the server for something: `UserAuthenticate`, `SetBootstrapToken`,
//! `GetBootstrapToken`, `DeclarativeManagement`, `GetToken`.
//! Keys per `vendor/apple-device-management/mdm/checkin/*.yaml`.

use plist::{Dictionary, Value};

use super::Message;
use crate::error::ProtoError;
use crate::fields::{put, put_bool, put_data, put_str, Fields};
use crate::identity::EnrollmentIds;

/// `UserAuthenticate` (macOS network/mobile users). The first round has no `DigestResponse`;
/// the server answers it with a `DigestChallenge`, or declines the user channel (HTTP 410).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserAuthenticate {
    /// `UDID` and `UserID` (both required for this message).
    pub ids: EnrollmentIds,
    /// `DigestResponse`: present in the second round only.
    pub digest_response: Option<String>,
    /// The whole dictionary as received.
    pub raw: Dictionary,
}

impl Message for UserAuthenticate {
    const MESSAGE_TYPE: &'static str = "UserAuthenticate";

    fn read(f: &Fields<'_>, ids: EnrollmentIds, raw: Dictionary) -> Result<Self, ProtoError> {
        if ids.user_id.is_none() {
            return Err(f.missing("UserID"));
        }
        Ok(Self {
            ids,
            digest_response: f.string("DigestResponse")?,
            raw,
        })
    }

    fn write(&self, d: &mut Dictionary) {
        put_str(d, "DigestResponse", self.digest_response.as_deref());
    }

    fn parts(&self) -> (&EnrollmentIds, &Dictionary) {
        (&self.ids, &self.raw)
    }
}

/// `SetBootstrapToken` (macOS): escrow the bootstrap token; absent or empty means delete it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SetBootstrapToken {
    pub ids: EnrollmentIds,
    /// `BootstrapToken`.
    pub bootstrap_token: Option<Vec<u8>>,
    /// `AwaitingConfiguration`.
    pub awaiting_configuration: Option<bool>,
    /// The whole dictionary as received.
    pub raw: Dictionary,
}

impl Message for SetBootstrapToken {
    const MESSAGE_TYPE: &'static str = "SetBootstrapToken";

    fn read(f: &Fields<'_>, ids: EnrollmentIds, raw: Dictionary) -> Result<Self, ProtoError> {
        Ok(Self {
            ids,
            bootstrap_token: f.data("BootstrapToken")?,
            awaiting_configuration: f.boolean("AwaitingConfiguration")?,
            raw,
        })
    }

    fn write(&self, d: &mut Dictionary) {
        put_data(d, "BootstrapToken", self.bootstrap_token.as_deref());
        put_bool(d, "AwaitingConfiguration", self.awaiting_configuration);
    }

    fn parts(&self) -> (&EnrollmentIds, &Dictionary) {
        (&self.ids, &self.raw)
    }
}

/// `GetBootstrapToken` (macOS): answered with `{BootstrapToken: <data>}` or an empty body.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GetBootstrapToken {
    pub ids: EnrollmentIds,
    /// `AwaitingConfiguration`.
    pub awaiting_configuration: Option<bool>,
    /// The whole dictionary as received.
    pub raw: Dictionary,
}

impl Message for GetBootstrapToken {
    const MESSAGE_TYPE: &'static str = "GetBootstrapToken";

    fn read(f: &Fields<'_>, ids: EnrollmentIds, raw: Dictionary) -> Result<Self, ProtoError> {
        Ok(Self {
            ids,
            awaiting_configuration: f.boolean("AwaitingConfiguration")?,
            raw,
        })
    }

    fn write(&self, d: &mut Dictionary) {
        put_bool(d, "AwaitingConfiguration", self.awaiting_configuration);
    }

    fn parts(&self) -> (&EnrollmentIds, &Dictionary) {
        (&self.ids, &self.raw)
    }
}

/// `DeclarativeManagement`: a DDM request to `Endpoint` (`tokens`, `declaration-items`,
/// `status`, `declaration/<type>/<id>`), with `Data` (JSON) for status reports.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeclarativeManagement {
    pub ids: EnrollmentIds,
    /// `Endpoint` (required).
    pub endpoint: String,
    /// `Data`: JSON bytes.
    pub data: Option<Vec<u8>>,
    /// The whole dictionary as received.
    pub raw: Dictionary,
}

impl Message for DeclarativeManagement {
    const MESSAGE_TYPE: &'static str = "DeclarativeManagement";

    fn read(f: &Fields<'_>, ids: EnrollmentIds, raw: Dictionary) -> Result<Self, ProtoError> {
        Ok(Self {
            ids,
            endpoint: f.req_string("Endpoint")?,
            data: f.data("Data")?,
            raw,
        })
    }

    fn write(&self, d: &mut Dictionary) {
        put_str(d, "Endpoint", Some(&self.endpoint));
        put_data(d, "Data", self.data.as_deref());
    }

    fn parts(&self) -> (&EnrollmentIds, &Dictionary) {
        (&self.ids, &self.raw)
    }
}

/// `GetToken` (needs the `com.apple.mdm.token` capability): answered with `{TokenData: <data>}`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GetToken {
    pub ids: EnrollmentIds,
    /// `TokenServiceType`, for example `com.apple.maid` (required).
    pub token_service_type: String,
    /// `TokenParameters` (`PhoneUDID`, `SecurityToken`, `WatchUDID`).
    pub token_parameters: Option<Dictionary>,
    /// The whole dictionary as received.
    pub raw: Dictionary,
}

impl Message for GetToken {
    const MESSAGE_TYPE: &'static str = "GetToken";

    fn read(f: &Fields<'_>, ids: EnrollmentIds, raw: Dictionary) -> Result<Self, ProtoError> {
        Ok(Self {
            ids,
            token_service_type: f.req_string("TokenServiceType")?,
            token_parameters: f.dictionary("TokenParameters")?,
            raw,
        })
    }

    fn write(&self, d: &mut Dictionary) {
        put_str(d, "TokenServiceType", Some(&self.token_service_type));
        put(
            d,
            "TokenParameters",
            self.token_parameters.clone().map(Value::Dictionary),
        );
    }

    fn parts(&self) -> (&EnrollmentIds, &Dictionary) {
        (&self.ids, &self.raw)
    }
}
