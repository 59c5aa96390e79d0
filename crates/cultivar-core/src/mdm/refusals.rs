//! Refused device requests leave an audit entry: a forged signature, a foreign certificate or
//! one bound to another enrollment is worth knowing about. The enrollment named in the body is
//! only *claimed* (the request was refused), so the entry says so.

use cultivar_mdm_proto::CheckinMessage;
use cultivar_store::NewAuditEntry;

use super::checkin::parse_body;
use super::{MdmError, MdmService};

impl MdmService {
    /// Records a 400/403 refusal of a device request. Best effort: the refusal stands even
    /// when the audit write fails (logged). Faults of cultivar itself are not refusals.
    pub(crate) async fn audit_device_refusal(&self, endpoint: &str, body: &[u8], err: &MdmError) {
        let status = match err {
            MdmError::BadRequest(_) => 400,
            MdmError::Forbidden(_) => 403,
            MdmError::Store(_) | MdmError::Internal(_) => return,
        };
        let claimed = claimed_enrollment(body);
        let entry = NewAuditEntry {
            actor: "device".to_owned(),
            action: "mdm.request.refused".to_owned(),
            target: claimed.as_ref().map(|id| format!("mdm_enrollment:{id}")),
            detail: serde_json::json!({
                "endpoint": endpoint,
                "status": status,
                "reason": err.to_string(),
                "claimed_enrollment": claimed,
            }),
        };
        if let Err(e) = self.store.append_audit(&entry).await {
            tracing::warn!(error = %e, "could not audit a refused device request");
        }
    }
}

/// The enrollment id the body names, if it is a readable plist with identifiers.
fn claimed_enrollment(body: &[u8]) -> Option<String> {
    let raw = parse_body(body).ok()?;
    let probe = CheckinMessage::Unknown {
        message_type: String::new(),
        raw,
    };
    probe.identity().ok().map(|identity| identity.id)
}
