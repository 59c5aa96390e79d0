//! Turning a stored entry into what the admin sees.

use super::status::AbmStatus;
use cultivar_api_types::abm::{AbmAccountView, AbmServerView, AbmTokenView};
use cultivar_store::AbmServer;
use time::OffsetDateTime;

pub(super) fn server_view(s: &AbmServer, now: OffsetDateTime) -> AbmServerView {
    let status = AbmStatus::effective(&s.status, s.token_expires_at, now);
    let token = match (&s.consumer_key, s.token_expires_at, s.token_uploaded_at) {
        (Some(ck), Some(expires_at), Some(uploaded_at)) => Some(AbmTokenView {
            consumer_key: ck.clone(),
            expires_at,
            days_left: (expires_at - now).whole_days(),
            uploaded_at,
        }),
        _ => None,
    };
    let account = s.account.as_ref().map(|a| AbmAccountView {
        org_name: a.org_name.clone(),
        server_name: a.server_name.clone(),
        server_uuid: a.server_uuid.clone(),
        token_owner: a.admin_id.clone().or_else(|| a.facilitator_id.clone()),
        org_email: a.org_email.clone(),
        org_id: a.org_id.clone(),
    });
    AbmServerView {
        id: s.id,
        name: s.name.clone(),
        base_url: s.base_url.clone(),
        status: status.as_str().to_string(),
        status_label: status.label().to_string(),
        status_fix: status.fix().to_string(),
        status_detail: s.status_detail.clone(),
        status_checked_at: s.status_checked_at,
        token,
        account,
        renewal_pending: s.staging_certificate_pem.is_some(),
        created_at: s.created_at,
    }
}
