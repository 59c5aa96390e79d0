//! How a device request fails. Device endpoints answer 400 or 403 — never 401, which makes a
//! device unenroll itself — so these are kept apart from [`crate::CoreError`].

use cultivar_store::StoreError;

/// Why a check-in or command-channel request was refused.
#[derive(Debug, thiserror::Error)]
pub enum MdmError {
    /// The request cannot be read: not a plist, a missing or malformed key, no identity (400).
    #[error("{0}")]
    BadRequest(String),
    /// The identity is readable but not acceptable: another CA, expired, not bound to this
    /// enrollment (403).
    #[error("{0}")]
    Forbidden(String),
    /// The database failed; the device retries later.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A fault of cultivar itself (sealing, the device CA).
    #[error("{0}")]
    Internal(String),
}

impl MdmError {
    pub(crate) fn bad(what: impl std::fmt::Display) -> Self {
        MdmError::BadRequest(what.to_string())
    }

    pub(crate) fn forbidden(what: impl std::fmt::Display) -> Self {
        MdmError::Forbidden(what.to_string())
    }

    pub(crate) fn internal(what: impl std::fmt::Display) -> Self {
        MdmError::Internal(what.to_string())
    }
}

/// What the server answers a device with (always HTTP 200, except [`MdmReply::Gone`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MdmReply {
    /// An empty body: acknowledged, or no command waiting.
    Empty,
    /// An XML plist (`application/xml`): a command, or a check-in's answer.
    Plist(Vec<u8>),
    /// JSON (`application/json`): a DeclarativeManagement answer.
    Json(Vec<u8>),
    /// HTTP 410: the server declines (a `UserAuthenticate` for a user channel it does not manage).
    Gone,
}
