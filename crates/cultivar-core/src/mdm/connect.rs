//! The command channel (`PUT` to the ServerURL, `application/x-apple-aspen-mdm`): store the
//! device's report, hand out its next command.
//!
//! A report whose response keys fail typed parsing is still stored (raw) and still settles its
//! command, so one odd answer never blocks the queue behind it.

use cultivar_mdm_proto::{CheckinMessage, CommandResult, EnrollmentIdentity};
use cultivar_store::{MdmCertCheck, MdmExchange, MdmReport, NextCommand};
use plist::{Dictionary, Value};

use super::checkin::parse_body;
use super::identity::{binding_refusal, DeviceCertificate, DeviceRequest};
use super::inventory::{inventory_update, plist_to_json};
use super::{MdmError, MdmReply, MdmService};

/// What the server needs from a report, typed parsing or not.
struct Report {
    identity: EnrollmentIdentity,
    status: String,
    command_uuid: Option<String>,
}

impl Report {
    fn read(dict: &Dictionary) -> Result<Self, MdmError> {
        match CommandResult::from_dictionary(dict.clone()) {
            Ok(r) => Ok(Report {
                identity: r.identity().map_err(MdmError::bad)?,
                status: r.status.as_str().to_owned(),
                command_uuid: r.command_uuid,
            }),
            Err(e) => Self::read_loosely(dict, &e),
        }
    }

    /// Reads only the envelope from the raw keys, so the report can still be attributed.
    fn read_loosely(dict: &Dictionary, err: &dyn std::fmt::Display) -> Result<Self, MdmError> {
        // An unknown check-in type resolves its identity from raw keys alone.
        let probe = CheckinMessage::Unknown {
            message_type: String::new(),
            raw: dict.clone(),
        };
        let identity = probe
            .identity()
            .map_err(|e| MdmError::bad(format!("command report: {e}")))?;
        let text = |k: &str| dict.get(k).and_then(Value::as_string).map(str::to_owned);
        let status = text("Status").filter(|s| !s.is_empty());
        let command_uuid = text("CommandUUID").filter(|s| !s.is_empty());
        if command_uuid.is_none() && status.as_deref() != Some("Idle") {
            return Err(MdmError::bad(format!("command report: {err}")));
        }
        tracing::warn!(enrollment = %identity.id, error = %err,
            "command report failed typed parsing; storing it raw");
        Ok(Report {
            identity,
            status: status.unwrap_or_else(|| "Unreadable".to_owned()),
            command_uuid,
        })
    }
}

impl MdmService {
    /// Handles a request to the ServerURL: a report (or an Idle poll) in, the next command
    /// out. A refusal (400/403) is audited.
    pub async fn connect(&self, req: DeviceRequest<'_>) -> Result<MdmReply, MdmError> {
        let result = self.handle_connect(req).await;
        if let Err(e) = &result {
            self.audit_device_refusal("connect", req.body, e).await;
        }
        result
    }

    async fn handle_connect(&self, req: DeviceRequest<'_>) -> Result<MdmReply, MdmError> {
        let cert = self.device_certificate(&req).await?;
        let dict = parse_body(req.body)?;
        self.command_report(req.body, dict, &cert).await
    }

    pub(crate) async fn command_report(
        &self,
        body: &[u8],
        dict: Dictionary,
        cert: &DeviceCertificate,
    ) -> Result<MdmReply, MdmError> {
        let report = Report::read(&dict)?;
        let id = report.identity.id.as_str();
        let device_id = report.identity.device_id();
        let now = self.clock.now();
        let mode = match report.status.as_str() {
            "Idle" => NextCommand::AfterIdle,
            "NotNow" => NextCommand::AfterNotNow,
            _ => NextCommand::AfterReport,
        };
        let stored = match (report.status == "Idle", &report.command_uuid) {
            (false, Some(uuid)) => Some(MdmReport {
                enrollment_id: id.to_owned(),
                command_uuid: uuid.clone(),
                status: report.status.clone(),
                error_chain: dict.get("ErrorChain").map(plist_to_json),
                raw: body.to_vec(),
                at: now,
            }),
            _ => None,
        };
        // Only an acknowledged DeviceInformation stores it; the store knows the command type.
        let inventory = match &stored {
            Some(r) if r.status == "Acknowledged" => inventory_update(id, &dict, now),
            _ => None,
        };
        let exchange = MdmExchange {
            enrollment_id: id.to_owned(),
            report: stored,
            inventory,
            mode,
            at: now,
            // Checked inside the exchange, so a refused request writes nothing.
            cert: Some(MdmCertCheck {
                cert_sha256: cert.sha256.clone(),
                device_id: device_id.to_owned(),
            }),
        };
        let done = self.store.mdm_exchange(&exchange).await?;
        if let Some(refusal) = binding_refusal(done.cert_bound_to.as_deref(), device_id) {
            return Err(refusal);
        }
        match done.next {
            Some(command) => Ok(MdmReply::Plist(command.raw)),
            None => Ok(MdmReply::Empty),
        }
    }
}
