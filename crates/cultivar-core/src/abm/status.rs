//! The status vocabulary of an ABM server entry, each with a one-line fix in plain language.

use cultivar_abm_client::AbmError;
use time::OffsetDateTime;

/// Tokens this close to expiry are reported as expiring (Apple tokens live one year).
pub const EXPIRING_WITHIN_DAYS: i64 = 30;

/// Where an ABM server entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbmStatus {
    AwaitingToken,
    Active,
    Expiring,
    Expired,
    TermsNotSigned,
    AccessDenied,
    TokenRejected,
    Unreachable,
}

impl AbmStatus {
    pub const ALL: [AbmStatus; 8] = [
        AbmStatus::AwaitingToken,
        AbmStatus::Active,
        AbmStatus::Expiring,
        AbmStatus::Expired,
        AbmStatus::TermsNotSigned,
        AbmStatus::AccessDenied,
        AbmStatus::TokenRejected,
        AbmStatus::Unreachable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AbmStatus::AwaitingToken => "awaiting_token",
            AbmStatus::Active => "active",
            AbmStatus::Expiring => "expiring",
            AbmStatus::Expired => "expired",
            AbmStatus::TermsNotSigned => "terms_not_signed",
            AbmStatus::AccessDenied => "access_denied",
            AbmStatus::TokenRejected => "token_rejected",
            AbmStatus::Unreachable => "unreachable",
        }
    }

    pub fn parse(s: &str) -> Option<AbmStatus> {
        AbmStatus::ALL.into_iter().find(|st| st.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            AbmStatus::AwaitingToken => "Awaiting server token",
            AbmStatus::Active => "Active",
            AbmStatus::Expiring => "Token expiring soon",
            AbmStatus::Expired => "Token expired",
            AbmStatus::TermsNotSigned => "Terms and conditions not accepted",
            AbmStatus::AccessDenied => "Access denied by Apple",
            AbmStatus::TokenRejected => "Token rejected by Apple",
            AbmStatus::Unreachable => "Apple unreachable",
        }
    }

    /// What the administrator should do, in one line.
    pub fn fix(self) -> &'static str {
        match self {
            AbmStatus::AwaitingToken => "Upload this entry's public key to your MDM server in Apple Business Manager, download the server token there and upload it here.",
            AbmStatus::Active => "",
            AbmStatus::Expiring => "Renew now: in Apple Business Manager download a new token for this MDM server and upload it here before it expires.",
            AbmStatus::Expired => "Syncing and new ADE enrollments have stopped: download a new token for this MDM server in Apple Business Manager and upload it here.",
            AbmStatus::TermsNotSigned => "An administrator must sign in to Apple Business Manager and accept the new terms and conditions; syncing resumes by itself afterwards.",
            AbmStatus::AccessDenied => "Apple refuses this MDM server: check that it still exists in Apple Business Manager, then download a new token and upload it here.",
            AbmStatus::TokenRejected => "Apple no longer accepts this token (replaced by a newer download, revoked, or its owner's account was removed): download a new token and upload it here.",
            AbmStatus::Unreachable => "cultivar could not reach Apple: check outbound HTTPS to mdmenrollment.apple.com (proxy, firewall, DNS); cultivar keeps retrying.",
        }
    }

    /// The status an error from Apple's API leads to.
    pub fn from_error(e: &AbmError) -> AbmStatus {
        match e {
            AbmError::TermsNotSigned => AbmStatus::TermsNotSigned,
            AbmError::AccessDenied { .. } => AbmStatus::AccessDenied,
            AbmError::Unauthorized { .. } | AbmError::Forbidden { .. } => AbmStatus::TokenRejected,
            _ => AbmStatus::Unreachable,
        }
    }

    /// The status shown now: a stored status refined by the token's expiry.
    pub fn effective(
        stored: &str,
        expires_at: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> AbmStatus {
        let stored = AbmStatus::parse(stored).unwrap_or(AbmStatus::Unreachable);
        let Some(expires_at) = expires_at else {
            return AbmStatus::AwaitingToken;
        };
        if expires_at <= now {
            return AbmStatus::Expired;
        }
        let expiring = (expires_at - now).whole_days() <= EXPIRING_WITHIN_DAYS;
        match stored {
            AbmStatus::Active | AbmStatus::Expiring if expiring => AbmStatus::Expiring,
            AbmStatus::Expiring | AbmStatus::Expired | AbmStatus::AwaitingToken => {
                AbmStatus::Active
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;

    #[test]
    fn every_problem_status_has_a_fix_and_round_trips() {
        for s in AbmStatus::ALL {
            assert_eq!(AbmStatus::parse(s.as_str()), Some(s));
            assert_eq!(s.fix().is_empty(), s == AbmStatus::Active, "{s:?}");
        }
    }

    #[test]
    fn expiry_refines_the_stored_status() {
        let now = OffsetDateTime::now_utc();
        let eff =
            |stored, days: i64| AbmStatus::effective(stored, Some(now + Duration::days(days)), now);
        assert_eq!(eff("active", 200), AbmStatus::Active);
        assert_eq!(eff("active", 29), AbmStatus::Expiring);
        assert_eq!(eff("active", 30), AbmStatus::Expiring);
        assert_eq!(eff("active", 31), AbmStatus::Active);
        assert_eq!(eff("terms_not_signed", 10), AbmStatus::TermsNotSigned);
        assert_eq!(eff("active", -1), AbmStatus::Expired);
        assert_eq!(
            AbmStatus::effective("active", None, now),
            AbmStatus::AwaitingToken
        );
    }
}
