//! SCEP one-time secrets (challenges and enrollment links) and the device certificates issued.

use time::OffsetDateTime;

/// What a one-time secret is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChallengePurpose {
    /// A SCEP challenge password written into an enrollment profile.
    Scep,
    /// An enrollment-profile download link.
    EnrollLink,
}

impl ChallengePurpose {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ChallengePurpose::Scep => "scep",
            ChallengePurpose::EnrollLink => "enroll_link",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "scep" => Some(ChallengePurpose::Scep),
            "enroll_link" => Some(ChallengePurpose::EnrollLink),
            _ => None,
        }
    }
}

/// A one-time secret, stored by the SHA-256 (hex) of the secret only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MdmChallenge {
    /// Lowercase hex SHA-256 of the secret.
    pub challenge_hash: String,
    pub purpose: ChallengePurpose,
    /// What it enrolls (free text, e.g. "profile" or a link's label); `None` when unbound.
    pub enrollment_ref: Option<String>,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    /// When it was consumed; `None` while still usable.
    pub used_at: Option<OffsetDateTime>,
}

/// A certificate the device CA issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MdmIssuedCert {
    /// Serial number, lowercase hex.
    pub serial: String,
    pub subject: String,
    /// Lowercase hex SHA-256 of the DER certificate.
    pub sha256: String,
    pub not_after: OffsetDateTime,
    pub issued_at: OffsetDateTime,
    /// The challenge it was issued against (SCEP), if any.
    pub challenge_hash: Option<String>,
}
