//! What the ABM templates show: [`AbmServerView`] turned into display strings and style classes.

use cultivar_api_types::abm::AbmServerView;
use cultivar_core::abm::EXPIRING_WITHIN_DAYS;
use time::{macros::format_description, OffsetDateTime, UtcOffset};

use super::super::ConsoleError;
use crate::error::ApiError;

/// One entry, ready for a template.
pub(super) struct EntryView {
    pub id: String,
    pub name: String,
    pub base_url: String,
    /// CSS class of the status badge: `ok`, `warn`, `error` or `pending`.
    pub badge: &'static str,
    pub status_label: String,
    pub status_fix: String,
    pub status_detail: Option<String>,
    pub checked_at: Option<String>,
    pub org_name: Option<String>,
    pub server_name: Option<String>,
    pub server_uuid: Option<String>,
    pub token_owner: Option<String>,
    pub token: Option<TokenView>,
    pub renewal_pending: bool,
}

/// The uploaded token's public facts.
pub(super) struct TokenView {
    /// `YYYY-MM-DD` (UTC).
    pub expires_on: String,
    /// "in 364 days", "today", "3 days ago".
    pub days_text: String,
    /// CSS class: `ok`, `warn` (≤ 30 days left) or `error` (expired).
    pub expiry_class: &'static str,
    pub uploaded_at: String,
    pub consumer_key: String,
}

impl From<&AbmServerView> for EntryView {
    fn from(v: &AbmServerView) -> Self {
        let account = v.account.as_ref();
        EntryView {
            id: v.id.to_string(),
            name: v.name.clone(),
            base_url: v.base_url.clone(),
            badge: badge_class(&v.status),
            status_label: v.status_label.clone(),
            status_fix: v.status_fix.clone(),
            status_detail: v.status_detail.clone(),
            checked_at: v.status_checked_at.map(timestamp),
            org_name: account.map(|a| a.org_name.clone()),
            server_name: account.map(|a| a.server_name.clone()),
            server_uuid: account.map(|a| a.server_uuid.clone()),
            token_owner: account.and_then(|a| a.token_owner.clone()),
            token: v.token.as_ref().map(|t| TokenView {
                expires_on: date(t.expires_at),
                days_text: days_text(t.days_left),
                expiry_class: expiry_class(t.days_left, v.status == "expired"),
                uploaded_at: timestamp(t.uploaded_at),
                consumer_key: t.consumer_key.clone(),
            }),
            renewal_pending: v.renewal_pending,
        }
    }
}

fn badge_class(status: &str) -> &'static str {
    match status {
        "active" => "ok",
        "expiring" => "warn",
        "awaiting_token" => "pending",
        _ => "error",
    }
}

fn expiry_class(days_left: i64, expired: bool) -> &'static str {
    // `days_left` counts whole days, so the last partial day reads 0: core's status (same clock)
    // says whether that day has already run out.
    if expired || days_left < 0 {
        "error"
    } else if days_left <= EXPIRING_WITHIN_DAYS {
        "warn"
    } else {
        "ok"
    }
}

fn days_text(days_left: i64) -> String {
    match days_left {
        0 => "today".to_owned(),
        1 => "in 1 day".to_owned(),
        -1 => "1 day ago".to_owned(),
        d if d > 0 => format!("in {d} days"),
        d => format!("{} days ago", d.unsigned_abs()),
    }
}

/// `YYYY-MM-DD` in UTC.
pub(super) fn date(at: OffsetDateTime) -> String {
    at.to_offset(UtcOffset::UTC).date().to_string()
}

/// `YYYY-MM-DD HH:MM UTC`.
pub(super) fn timestamp(at: OffsetDateTime) -> String {
    let utc = at.to_offset(UtcOffset::UTC);
    utc.format(format_description!(
        "[year]-[month]-[day] [hour]:[minute] UTC"
    ))
    .unwrap_or_else(|_| utc.to_string())
}

/// An error to show on the page itself (next to the form that caused it), with its status.
pub(super) struct PageError {
    pub status: http::StatusCode,
    pub message: String,
}

impl PageError {
    /// The status and caller-facing message of any failure (server faults are logged and shown
    /// generically by [`ApiError::to_body`]).
    pub fn from_api(err: ApiError) -> Self {
        PageError {
            status: err.status(),
            message: err.to_body().error.message,
        }
    }

    /// Errors that concern the whole page (a missing entry, a broken database) are not shown
    /// next to a form but as the error page.
    pub fn shown_inline(err: impl Into<ApiError>) -> Result<Self, ConsoleError> {
        match err.into() {
            err @ (ApiError::NotFound(_)
            | ApiError::Unavailable { .. }
            | ApiError::Internal { .. }) => Err(ConsoleError::Api(err)),
            err => Ok(PageError::from_api(err)),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn days_read_naturally() {
        assert_eq!(days_text(364), "in 364 days");
        assert_eq!(days_text(1), "in 1 day");
        assert_eq!(days_text(0), "today");
        assert_eq!(days_text(-3), "3 days ago");
    }

    #[test]
    fn expiry_warns_within_thirty_days_and_errors_once_past() {
        assert_eq!(expiry_class(200, false), "ok");
        assert_eq!(expiry_class(31, false), "ok");
        assert_eq!(expiry_class(30, false), "warn");
        assert_eq!(expiry_class(0, false), "warn");
        assert_eq!(expiry_class(0, true), "error");
        assert_eq!(expiry_class(-5, true), "error");
    }

    #[test]
    fn dates_are_utc() {
        let at = OffsetDateTime::from_unix_timestamp(1_795_000_000).unwrap();
        assert_eq!(date(at), "2026-11-18");
        assert_eq!(timestamp(at), "2026-11-18 11:06 UTC");
    }
}
