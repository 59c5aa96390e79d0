//! Command reports: the `application/x-apple-aspen-mdm` bodies a device `PUT`s to the server URL
//! to poll (`Idle`) or to report on a command. The envelope (`Status`, `CommandUUID`,
//! `ErrorChain`) is not in Apple's YAML; it follows Apple's protocol documentation. Response keys
//! specific to a command (for example `QueryResponses`) stay in `raw`.

use std::fmt;

use plist::{Dictionary, Value};

use crate::error::{ProtoError, ReportParseError};
use crate::fields::{parse_dictionary, put, put_str, to_xml, Fields};
use crate::identity::{EnrollmentIdentity, EnrollmentIds};

const CONTEXT: &str = "command report";

/// `Status` of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// The device is polling for a command; there is no `CommandUUID`.
    Idle,
    /// The command ran; response keys are at the top level.
    Acknowledged,
    /// The command failed; see `ErrorChain`.
    Error,
    /// The device could not parse the command; it must not be resent.
    CommandFormatError,
    /// The device cannot run it now; resend on a later connection (not in the same session).
    NotNow,
}

impl Status {
    /// Every status, in protocol order.
    pub const ALL: [Status; 5] = [
        Self::Idle,
        Self::Acknowledged,
        Self::Error,
        Self::CommandFormatError,
        Self::NotNow,
    ];

    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Idle => "Idle",
            Self::Acknowledged => "Acknowledged",
            Self::Error => "Error",
            Self::CommandFormatError => "CommandFormatError",
            Self::NotNow => "NotNow",
        }
    }

    /// Parses a wire value.
    pub fn from_wire(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// True when the command leaves the queue (Acknowledged, Error, CommandFormatError).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Acknowledged | Self::Error | Self::CommandFormatError
        )
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One `ErrorChain` entry, outermost error first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ErrorChainItem {
    /// `ErrorCode`, for example 12021 (unknown command).
    pub error_code: Option<i64>,
    /// `ErrorDomain`, for example `MCMDMErrorDomain`.
    pub error_domain: Option<String>,
    /// `LocalizedDescription` (in the device's language).
    pub localized_description: Option<String>,
    /// `USEnglishDescription`.
    pub us_english_description: Option<String>,
    /// The entry's dictionary as received.
    pub raw: Dictionary,
}

impl ErrorChainItem {
    fn read(raw: &Dictionary, index: usize) -> Result<Self, ProtoError> {
        let f = Fields::nested(raw, CONTEXT, format!("ErrorChain[{index}]."));
        Ok(Self {
            error_code: f.integer("ErrorCode")?,
            error_domain: f.string("ErrorDomain")?,
            localized_description: f.string("LocalizedDescription")?,
            us_english_description: f.string("USEnglishDescription")?,
            raw: raw.clone(),
        })
    }

    fn to_dictionary(&self) -> Dictionary {
        let mut d = self.raw.clone();
        put(&mut d, "ErrorCode", self.error_code.map(Value::from));
        put_str(&mut d, "ErrorDomain", self.error_domain.as_deref());
        put_str(
            &mut d,
            "LocalizedDescription",
            self.localized_description.as_deref(),
        );
        put_str(
            &mut d,
            "USEnglishDescription",
            self.us_english_description.as_deref(),
        );
        d
    }
}

/// A decoded report.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandResult {
    pub ids: EnrollmentIds,
    /// `Status`.
    pub status: Status,
    /// `CommandUUID`: required unless `status` is `Idle`.
    pub command_uuid: Option<String>,
    /// `ErrorChain` (empty when absent).
    pub error_chain: Vec<ErrorChainItem>,
    /// `RejectionReason`, for example `AppAlreadyInstalled` (InstallApplication).
    pub rejection_reason: Option<String>,
    /// The whole dictionary as received, including the command's response keys.
    pub raw: Dictionary,
}

impl CommandResult {
    /// A report with only the envelope (for simulated devices); add response keys to `raw`.
    pub fn new(ids: EnrollmentIds, status: Status, command_uuid: Option<String>) -> Self {
        Self {
            ids,
            status,
            command_uuid,
            error_chain: Vec::new(),
            rejection_reason: None,
            raw: Dictionary::new(),
        }
    }

    /// Decodes a report body. The error keeps the bytes so the caller can store them: a report
    /// that cannot be decoded must never block the queue.
    pub fn from_plist(bytes: &[u8]) -> Result<Self, ReportParseError> {
        let fail = |source, command_uuid| ReportParseError {
            raw: bytes.to_vec(),
            command_uuid,
            source,
        };
        let raw = parse_dictionary(bytes, CONTEXT).map_err(|e| fail(e, None))?;
        let uuid = match raw.get("CommandUUID") {
            Some(Value::String(s)) => Some(s.clone()),
            _ => None,
        };
        Self::from_dictionary(raw).map_err(|e| fail(e, uuid))
    }

    /// Decodes an already parsed report.
    pub fn from_dictionary(raw: Dictionary) -> Result<Self, ProtoError> {
        let f = Fields::new(&raw, CONTEXT);
        let ids = EnrollmentIds::read(&f)?;
        ids.resolve().map_err(|source| ProtoError::Identity {
            context: CONTEXT,
            source,
        })?;
        let status_text = f.req_string("Status")?;
        let status = Status::from_wire(&status_text).ok_or_else(|| ProtoError::InvalidValue {
            context: CONTEXT,
            key: "Status".to_string(),
            rule: format!(
                "unknown value {status_text:?} (expected Idle, Acknowledged, Error, \
                 CommandFormatError or NotNow)"
            ),
        })?;
        let command_uuid = f.string("CommandUUID")?;
        if status != Status::Idle && command_uuid.as_deref().is_none_or(str::is_empty) {
            return Err(ProtoError::MissingKey {
                context: CONTEXT,
                key: "CommandUUID".to_string(),
            });
        }
        let error_chain = read_error_chain(&f)?;
        Ok(Self {
            ids,
            status,
            command_uuid,
            error_chain,
            rejection_reason: f.string("RejectionReason")?,
            raw,
        })
    }

    /// The enrollment that sent the report.
    pub fn identity(&self) -> Result<EnrollmentIdentity, ProtoError> {
        self.ids.resolve().map_err(|source| ProtoError::Identity {
            context: CONTEXT,
            source,
        })
    }

    /// The report as a dictionary: typed fields written over `raw`.
    pub fn to_dictionary(&self) -> Dictionary {
        let mut d = self.raw.clone();
        self.ids.write(&mut d);
        put_str(&mut d, "Status", Some(self.status.as_str()));
        put_str(&mut d, "CommandUUID", self.command_uuid.as_deref());
        let empty_in_raw = matches!(d.get("ErrorChain"), Some(Value::Array(a)) if a.is_empty());
        // An empty chain stays as the device sent it (absent or `[]`).
        if !(self.error_chain.is_empty() && empty_in_raw) {
            let chain = (!self.error_chain.is_empty()).then(|| {
                Value::Array(
                    self.error_chain
                        .iter()
                        .map(|item| Value::Dictionary(item.to_dictionary()))
                        .collect(),
                )
            });
            put(&mut d, "ErrorChain", chain);
        }
        put_str(&mut d, "RejectionReason", self.rejection_reason.as_deref());
        d
    }

    /// The report as an XML plist body.
    pub fn to_plist_xml(&self) -> Result<Vec<u8>, ProtoError> {
        to_xml(&self.to_dictionary(), CONTEXT)
    }
}

fn read_error_chain(f: &Fields<'_>) -> Result<Vec<ErrorChainItem>, ProtoError> {
    let Some(items) = f.array("ErrorChain")? else {
        return Ok(Vec::new());
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| match item {
            Value::Dictionary(d) => ErrorChainItem::read(d, i),
            _ => Err(ProtoError::NotADictionary {
                context: CONTEXT,
                key: format!("ErrorChain[{i}]"),
            }),
        })
        .collect()
}
