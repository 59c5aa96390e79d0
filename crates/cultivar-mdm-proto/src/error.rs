//! Errors of decoding and encoding MDM plists. Messages name the message, the key and the rule.

/// A check-in message, command or report that cannot be decoded (or encoded).
#[derive(Debug, thiserror::Error)]
pub enum ProtoError {
    /// The body is not a property list at all.
    #[error("{context}: not a property list ({source})")]
    Plist {
        context: &'static str,
        #[source]
        source: plist::Error,
    },
    /// The property list's top level (or a nested value that must be one) is not a dictionary.
    #[error("{context}: {key}: expected a dictionary")]
    NotADictionary { context: &'static str, key: String },
    /// A key the protocol requires is absent.
    #[error("{context}: {key}: required key missing")]
    MissingKey { context: &'static str, key: String },
    /// A key holds a value of the wrong plist type.
    #[error("{context}: {key}: expected {expected}, found {found}")]
    WrongType {
        context: &'static str,
        key: String,
        expected: &'static str,
        found: &'static str,
    },
    /// A key holds a value outside the protocol's allowed values.
    #[error("{context}: {key}: {rule}")]
    InvalidValue {
        context: &'static str,
        key: String,
        rule: String,
    },
    /// The enrollment identifiers do not name one enrollment.
    #[error("{context}: {source}")]
    Identity {
        context: &'static str,
        #[source]
        source: crate::identity::IdentityError,
    },
    /// Writing a property list failed.
    #[error("{context}: cannot encode property list ({source})")]
    Encode {
        context: &'static str,
        #[source]
        source: plist::Error,
    },
}

/// A device's command report that could not be decoded. It keeps the exact bytes (so they can be
/// stored) and, when the plist itself was readable, the `CommandUUID` it named, so the queue can
/// settle that command instead of offering it again forever.
#[derive(Debug, thiserror::Error)]
#[error("{source}")]
pub struct ReportParseError {
    /// The report body exactly as received.
    pub raw: Vec<u8>,
    /// `CommandUUID` recovered from the report, if it was a readable dictionary with that string.
    pub command_uuid: Option<String>,
    /// What was wrong.
    #[source]
    pub source: ProtoError,
}
