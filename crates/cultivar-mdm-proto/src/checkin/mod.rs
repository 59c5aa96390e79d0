//! Check-in messages: the `application/x-apple-aspen-mdm-checkin` bodies a device `PUT`s to the
//! check-in URL. Decoding reads `MessageType` first, then the typed view for that type, and every
//! view keeps the whole dictionary in `raw` (Apple adds keys every year; storage and debugging
//! want them all). Encoding writes the typed fields over `raw`, so a decoded message re-encodes to
//! the same dictionary and a message built from scratch (the device simulator) has only its fields.

mod enrollment;
mod services;

use plist::{Dictionary, Value};

pub use enrollment::{Authenticate, CheckOut, TokenUpdate};
pub use services::{
    DeclarativeManagement, GetBootstrapToken, GetToken, SetBootstrapToken, UserAuthenticate,
};

use crate::error::ProtoError;
use crate::fields::{parse_dictionary, to_xml, Fields};
use crate::identity::{EnrollmentIdentity, EnrollmentIds};

/// The `MessageType` values with a typed view, as listed in Apple's `mdm/checkin` schemas.
pub const MESSAGE_TYPES: [&str; 8] = [
    Authenticate::MESSAGE_TYPE,
    TokenUpdate::MESSAGE_TYPE,
    CheckOut::MESSAGE_TYPE,
    UserAuthenticate::MESSAGE_TYPE,
    SetBootstrapToken::MESSAGE_TYPE,
    GetBootstrapToken::MESSAGE_TYPE,
    DeclarativeManagement::MESSAGE_TYPE,
    GetToken::MESSAGE_TYPE,
];

const CONTEXT: &str = "check-in";

/// One typed check-in message.
pub(crate) trait Message: Sized {
    const MESSAGE_TYPE: &'static str;
    /// Reads the message's own keys (identifiers are already read and resolvable).
    fn read(f: &Fields<'_>, ids: EnrollmentIds, raw: Dictionary) -> Result<Self, ProtoError>;
    /// Writes the message's own keys (absent optional ones are removed).
    fn write(&self, dict: &mut Dictionary);
    fn parts(&self) -> (&EnrollmentIds, &Dictionary);
}

/// A decoded check-in message.
#[derive(Debug, Clone, PartialEq)]
pub enum CheckinMessage {
    Authenticate(Authenticate),
    TokenUpdate(TokenUpdate),
    CheckOut(CheckOut),
    UserAuthenticate(UserAuthenticate),
    SetBootstrapToken(SetBootstrapToken),
    GetBootstrapToken(GetBootstrapToken),
    DeclarativeManagement(DeclarativeManagement),
    GetToken(GetToken),
    /// A `MessageType` this crate has no view for; kept whole so nothing is lost.
    Unknown {
        message_type: String,
        raw: Dictionary,
    },
}

fn decode<M: Message>(raw: Dictionary) -> Result<M, ProtoError> {
    let f = Fields::new(&raw, M::MESSAGE_TYPE);
    let ids = EnrollmentIds::read(&f)?;
    ids.resolve().map_err(|source| ProtoError::Identity {
        context: M::MESSAGE_TYPE,
        source,
    })?;
    M::read(&f, ids, raw.clone())
}

fn encode<M: Message>(message: &M) -> Dictionary {
    let (ids, raw) = message.parts();
    let mut dict = raw.clone();
    dict.insert(
        "MessageType".to_string(),
        Value::String(M::MESSAGE_TYPE.to_string()),
    );
    ids.write(&mut dict);
    message.write(&mut dict);
    dict
}

impl CheckinMessage {
    /// Decodes a check-in body (XML or binary plist).
    pub fn from_plist(bytes: &[u8]) -> Result<Self, ProtoError> {
        Self::from_dictionary(parse_dictionary(bytes, CONTEXT)?)
    }

    /// Decodes an already parsed check-in dictionary.
    pub fn from_dictionary(raw: Dictionary) -> Result<Self, ProtoError> {
        let message_type = Fields::new(&raw, CONTEXT).req_string("MessageType")?;
        Ok(match message_type.as_str() {
            Authenticate::MESSAGE_TYPE => Self::Authenticate(decode(raw)?),
            TokenUpdate::MESSAGE_TYPE => Self::TokenUpdate(decode(raw)?),
            CheckOut::MESSAGE_TYPE => Self::CheckOut(decode(raw)?),
            UserAuthenticate::MESSAGE_TYPE => Self::UserAuthenticate(decode(raw)?),
            SetBootstrapToken::MESSAGE_TYPE => Self::SetBootstrapToken(decode(raw)?),
            GetBootstrapToken::MESSAGE_TYPE => Self::GetBootstrapToken(decode(raw)?),
            DeclarativeManagement::MESSAGE_TYPE => Self::DeclarativeManagement(decode(raw)?),
            GetToken::MESSAGE_TYPE => Self::GetToken(decode(raw)?),
            _ => Self::Unknown { message_type, raw },
        })
    }

    /// The `MessageType` value.
    pub fn message_type(&self) -> &str {
        match self {
            Self::Authenticate(_) => Authenticate::MESSAGE_TYPE,
            Self::TokenUpdate(_) => TokenUpdate::MESSAGE_TYPE,
            Self::CheckOut(_) => CheckOut::MESSAGE_TYPE,
            Self::UserAuthenticate(_) => UserAuthenticate::MESSAGE_TYPE,
            Self::SetBootstrapToken(_) => SetBootstrapToken::MESSAGE_TYPE,
            Self::GetBootstrapToken(_) => GetBootstrapToken::MESSAGE_TYPE,
            Self::DeclarativeManagement(_) => DeclarativeManagement::MESSAGE_TYPE,
            Self::GetToken(_) => GetToken::MESSAGE_TYPE,
            Self::Unknown { message_type, .. } => message_type,
        }
    }

    /// The identifier keys and the raw dictionary (`None` ids for an unknown message type).
    fn parts(&self) -> (Option<&EnrollmentIds>, &Dictionary) {
        let (ids, raw) = match self {
            Self::Authenticate(m) => m.parts(),
            Self::TokenUpdate(m) => m.parts(),
            Self::CheckOut(m) => m.parts(),
            Self::UserAuthenticate(m) => m.parts(),
            Self::SetBootstrapToken(m) => m.parts(),
            Self::GetBootstrapToken(m) => m.parts(),
            Self::DeclarativeManagement(m) => m.parts(),
            Self::GetToken(m) => m.parts(),
            Self::Unknown { raw, .. } => return (None, raw),
        };
        (Some(ids), raw)
    }

    /// The dictionary as received.
    pub fn raw(&self) -> &Dictionary {
        self.parts().1
    }

    /// The identifier keys (`None` for an unknown message type, which has no typed view).
    pub fn ids(&self) -> Option<&EnrollmentIds> {
        self.parts().0
    }

    /// The enrollment this message belongs to. An unknown message type is resolved from its raw
    /// identifier keys, so even those can be attributed (and stored) per enrollment.
    pub fn identity(&self) -> Result<EnrollmentIdentity, ProtoError> {
        let ids = match self.ids() {
            Some(ids) => ids.clone(),
            None => EnrollmentIds::read(&Fields::new(self.raw(), CONTEXT))?,
        };
        ids.resolve().map_err(|source| ProtoError::Identity {
            context: CONTEXT,
            source,
        })
    }

    /// The message as a dictionary: the typed fields written over the raw dictionary.
    pub fn to_dictionary(&self) -> Dictionary {
        match self {
            Self::Authenticate(m) => encode(m),
            Self::TokenUpdate(m) => encode(m),
            Self::CheckOut(m) => encode(m),
            Self::UserAuthenticate(m) => encode(m),
            Self::SetBootstrapToken(m) => encode(m),
            Self::GetBootstrapToken(m) => encode(m),
            Self::DeclarativeManagement(m) => encode(m),
            Self::GetToken(m) => encode(m),
            Self::Unknown { raw, .. } => raw.clone(),
        }
    }

    /// The message as an XML plist body.
    pub fn to_plist_xml(&self) -> Result<Vec<u8>, ProtoError> {
        to_xml(&self.to_dictionary(), CONTEXT)
    }
}
