//! The command envelope the server sends: `{CommandUUID: <string>, Command: {RequestType, …}}`.

use plist::{Dictionary, Value};

use crate::error::ProtoError;
use crate::fields::{parse_dictionary, to_xml, Fields};

const CONTEXT: &str = "command";

/// An MDM command. `payload` holds the keys of the inner `Command` dictionary other than
/// `RequestType` (which `request_type` owns).
#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    /// `CommandUUID`: any string; the device echoes it in its report.
    pub command_uuid: String,
    /// `Command.RequestType`, for example `DeviceInformation`.
    pub request_type: String,
    /// The other keys of `Command`.
    pub payload: Dictionary,
}

impl Command {
    /// A command with a fresh random UUID.
    pub fn new(request_type: impl Into<String>, payload: Dictionary) -> Self {
        Self {
            command_uuid: uuid::Uuid::new_v4().to_string().to_uppercase(),
            request_type: request_type.into(),
            payload,
        }
    }

    /// The same command under a chosen UUID.
    pub fn with_uuid(mut self, command_uuid: impl Into<String>) -> Self {
        self.command_uuid = command_uuid.into();
        self
    }

    /// The envelope Apple expects. `RequestType` comes first in `Command` and always from
    /// `request_type`: a `RequestType` key in `payload` is ignored here (validation reports it).
    pub fn to_dictionary(&self) -> Dictionary {
        let mut inner = Dictionary::new();
        inner.insert(
            "RequestType".to_string(),
            Value::String(self.request_type.clone()),
        );
        for (key, value) in &self.payload {
            if key != "RequestType" {
                inner.insert(key.clone(), value.clone());
            }
        }
        let mut outer = Dictionary::new();
        outer.insert(
            "CommandUUID".to_string(),
            Value::String(self.command_uuid.clone()),
        );
        outer.insert("Command".to_string(), Value::Dictionary(inner));
        outer
    }

    /// The envelope as an XML plist, the body of the server's reply to a device.
    pub fn to_plist_xml(&self) -> Result<Vec<u8>, ProtoError> {
        to_xml(&self.to_dictionary(), CONTEXT)
    }

    /// Decodes an envelope (for example a raw command submitted through the API, or one a
    /// simulated device received). Both `CommandUUID` and `Command.RequestType` are required.
    pub fn from_plist(bytes: &[u8]) -> Result<Self, ProtoError> {
        Self::from_dictionary(&parse_dictionary(bytes, CONTEXT)?)
    }

    /// Decodes an already parsed envelope.
    pub fn from_dictionary(envelope: &Dictionary) -> Result<Self, ProtoError> {
        let f = Fields::new(envelope, CONTEXT);
        let command_uuid = f.req_string("CommandUUID")?;
        if command_uuid.is_empty() {
            return Err(ProtoError::InvalidValue {
                context: CONTEXT,
                key: "CommandUUID".to_string(),
                rule: "must not be empty (the device echoes it to name the command)".to_string(),
            });
        }
        let mut payload = f
            .dictionary("Command")?
            .ok_or_else(|| f.missing("Command"))?;
        let inner = Fields::nested(&payload, CONTEXT, "Command.".to_string());
        let request_type = inner.req_string("RequestType")?;
        payload.remove("RequestType");
        Ok(Self {
            command_uuid,
            request_type,
            payload,
        })
    }
}
