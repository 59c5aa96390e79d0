//! The check-in URL (`PUT`, `application/x-apple-aspen-mdm-checkin`): the enrollment lifecycle
//! (Authenticate, TokenUpdate, CheckOut) and the check-ins that ask the server for something
//! (see `checkin_services`). A body with `Status` and no `MessageType` is a command report,
//! sent here when the profile's ServerURL equals its CheckInURL.

use cultivar_mdm_proto::checkin::{Authenticate, TokenUpdate};
use cultivar_mdm_proto::{CheckinMessage, Command, EnrollmentIdentity};
use cultivar_store::{CommandState, MdmAuthenticate, MdmCommandQuery, MdmTokenUpdate, StoreError};
use plist::Dictionary;

use super::identity::{DeviceCertificate, DeviceRequest};
use super::{MdmError, MdmReply, MdmService};

/// What `DeviceInformation` asks a device for after it enrolls.
pub const DEVICE_QUERIES: &[&str] = &[
    "UDID",
    "SerialNumber",
    "DeviceName",
    "OSVersion",
    "BuildVersion",
    "ProductName",
    "Model",
    "ModelName",
    "DeviceCapacity",
    "AvailableDeviceCapacity",
    "IMEI",
    "MEID",
    "WiFiMAC",
    "BluetoothMAC",
    "IsSupervised",
    "IsActivationLockEnabled",
];

/// The same for User Enrollment, which forbids hardware identifiers.
pub const USER_ENROLLMENT_QUERIES: &[&str] = &[
    "DeviceName",
    "OSVersion",
    "BuildVersion",
    "ProductName",
    "Model",
    "ModelName",
    "DeviceCapacity",
    "AvailableDeviceCapacity",
];

/// The AAD an unlock token is sealed under (`ClearPasscode` opens it with the same).
pub fn unlock_token_aad(enrollment_id: &str) -> String {
    format!("mdm_enrollment:{enrollment_id}:unlock_token")
}

/// The AAD a bootstrap token is sealed under.
pub fn bootstrap_token_aad(enrollment_id: &str) -> String {
    format!("mdm_enrollment:{enrollment_id}:bootstrap_token")
}

/// Reads a body as a plist dictionary (XML or binary).
pub(crate) fn parse_body(body: &[u8]) -> Result<Dictionary, MdmError> {
    // Through `Value` (not serde) so dates and data keep their plist types.
    let value = plist::Value::from_reader(std::io::Cursor::new(body))
        .map_err(|e| MdmError::bad(format!("body: not a property list ({e})")))?;
    value
        .into_dictionary()
        .ok_or_else(|| MdmError::bad("body: the property list is not a dictionary"))
}

impl MdmService {
    /// Handles a request to the check-in URL; a refusal (400/403) is audited.
    pub async fn checkin(&self, req: DeviceRequest<'_>) -> Result<MdmReply, MdmError> {
        let result = self.handle_checkin(req).await;
        if let Err(e) = &result {
            self.audit_device_refusal("checkin", req.body, e).await;
        }
        result
    }

    async fn handle_checkin(&self, req: DeviceRequest<'_>) -> Result<MdmReply, MdmError> {
        let cert = self.device_certificate(&req).await?;
        let dict = parse_body(req.body)?;
        if dict.contains_key("Status") && !dict.contains_key("MessageType") {
            return self.command_report(req.body, dict, &cert).await;
        }
        let msg = CheckinMessage::from_dictionary(dict).map_err(MdmError::bad)?;
        if let CheckinMessage::Unknown { message_type, .. } = &msg {
            return Err(MdmError::bad(format!(
                "check-in: MessageType {message_type:?} is not one cultivar handles"
            )));
        }
        let identity = msg.identity().map_err(MdmError::bad)?;
        if let CheckinMessage::Authenticate(m) = msg {
            return self.authenticate(m, &identity, req.body, &cert).await;
        }
        self.check_bound(&cert, identity.device_id()).await?;
        let now = self.clock.now();
        self.store.touch_mdm_enrollment(&identity.id, now).await?;
        match msg {
            CheckinMessage::TokenUpdate(m) => self.token_update(m, &identity, req.body).await,
            CheckinMessage::CheckOut(_) => {
                self.store.store_check_out(&identity.id, now).await?;
                Ok(MdmReply::Empty)
            }
            // Declining is the safe default: cultivar does not manage macOS network users.
            CheckinMessage::UserAuthenticate(_) => Ok(MdmReply::Gone),
            other => self.service_checkin(other, &identity).await,
        }
    }

    async fn authenticate(
        &self,
        m: Authenticate,
        identity: &EnrollmentIdentity,
        body: &[u8],
        cert: &DeviceCertificate,
    ) -> Result<MdmReply, MdmError> {
        if identity.is_user_channel() {
            return Err(MdmError::bad(
                "Authenticate: comes from a device channel (UserID/EnrollmentUserID not expected)",
            ));
        }
        let enrollment_type = self
            .enrollment_type(identity, m.serial_number.as_deref())
            .await?;
        let auth = MdmAuthenticate {
            id: identity.id.clone(),
            device_id: identity.device_id().to_owned(),
            enrollment_type: enrollment_type.to_owned(),
            serial_number: m.serial_number,
            topic: m.topic,
            os_version: m.os_version,
            build_version: m.build_version,
            product_name: m.product_name,
            model: m.model,
            device_name: m.device_name,
            raw: body.to_vec(),
            cert_sha256: cert.sha256.clone(),
            cert_not_after: Some(cert.not_after),
            at: self.clock.now(),
        };
        match self.store.store_authenticate(&auth).await {
            Ok(()) => Ok(MdmReply::Empty),
            Err(StoreError::Conflict { what }) => Err(MdmError::forbidden(what)),
            Err(StoreError::Invalid { field, rule }) => {
                Err(MdmError::bad(format!("Authenticate: {field}: {rule}")))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// `ade` for a serial Apple Business Manager lists, `user_enrollment` for an EnrollmentID,
    /// else `profile`.
    async fn enrollment_type(
        &self,
        identity: &EnrollmentIdentity,
        serial: Option<&str>,
    ) -> Result<&'static str, MdmError> {
        if identity.is_user_enrollment() {
            return Ok("user_enrollment");
        }
        match serial {
            Some(s) if self.store.abm_device(s).await?.is_some() => Ok("ade"),
            _ => Ok("profile"),
        }
    }

    async fn token_update(
        &self,
        m: TokenUpdate,
        identity: &EnrollmentIdentity,
        body: &[u8],
    ) -> Result<MdmReply, MdmError> {
        let unlock_token = match &m.unlock_token {
            Some(t) => Some(
                self.secrets
                    .seal(&unlock_token_aad(&identity.id), t)
                    .map_err(MdmError::internal)?,
            ),
            None => None,
        };
        let awaiting = m.is_awaiting_configuration();
        let update = MdmTokenUpdate {
            id: identity.id.clone(),
            device_id: identity.device_id().to_owned(),
            user_id: m.ids.user_id.clone().or(m.ids.enrollment_user_id.clone()),
            user_short_name: m.ids.user_short_name.clone(),
            user_long_name: m.ids.user_long_name.clone(),
            topic: m.topic.clone(),
            push_magic: m.push_magic.clone(),
            push_token: m.token_hex(),
            unlock_token,
            awaiting_configuration: awaiting,
            raw: body.to_vec(),
            at: self.clock.now(),
        };
        let tally = match self.store.store_token_update(&update).await {
            Ok(tally) => tally,
            Err(StoreError::NotFound { what }) => return Err(MdmError::forbidden(what)),
            Err(StoreError::Invalid { field, rule }) => {
                return Err(MdmError::bad(format!("TokenUpdate: {field}: {rule}")))
            }
            Err(e) => return Err(e.into()),
        };
        if !identity.is_user_channel() {
            self.after_token_update(identity, tally, awaiting).await?;
        }
        Ok(MdmReply::Empty)
    }

    /// The first TokenUpdate completes enrollment: ask for inventory, then release a device
    /// waiting in Setup Assistant. A later TokenUpdate still waiting gets `DeviceConfigured`
    /// if none is on its way (an earlier attempt to queue it failed).
    async fn after_token_update(
        &self,
        identity: &EnrollmentIdentity,
        tally: u64,
        awaiting: bool,
    ) -> Result<(), MdmError> {
        if tally == 1 {
            let queries = if identity.is_user_enrollment() {
                USER_ENROLLMENT_QUERIES
            } else {
                DEVICE_QUERIES
            };
            self.enqueue_one(&identity.id, Command::device_information(queries))
                .await?;
        }
        if awaiting && (tally == 1 || !self.device_configured_pending(&identity.id).await?) {
            self.enqueue_one(&identity.id, Command::device_configured())
                .await?;
        }
        Ok(())
    }

    async fn device_configured_pending(&self, id: &str) -> Result<bool, MdmError> {
        let since = match self.store.mdm_enrollment(id).await? {
            Some(e) => e.authenticated_at,
            None => None,
        };
        let query = MdmCommandQuery {
            enrollment_id: id.to_owned(),
            states: vec![
                CommandState::Queued,
                CommandState::Sent,
                CommandState::NotNow,
                CommandState::Acknowledged,
            ],
            request_type: Some("DeviceConfigured".to_owned()),
            since,
            until: None,
            before_seq: None,
            limit: 1,
        };
        Ok(!self.store.list_mdm_commands(&query).await?.is_empty())
    }

    pub(crate) async fn enqueue_one(&self, id: &str, command: Command) -> Result<(), MdmError> {
        let raw = command.to_plist_xml().map_err(MdmError::internal)?;
        let new = cultivar_store::NewMdmCommand {
            command_uuid: command.command_uuid,
            request_type: command.request_type,
            raw,
            at: self.clock.now(),
        };
        self.store
            .enqueue_mdm_command(&new, &[id.to_owned()])
            .await?;
        Ok(())
    }
}
