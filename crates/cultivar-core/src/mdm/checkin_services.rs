//! Check-ins that ask the server for something: bootstrap tokens (sealed at rest), a minimal
//! Declarative Management answer (no declarations yet), and `GetToken` (not supported).

use cultivar_mdm_proto::checkin::DeclarativeManagement;
use cultivar_mdm_proto::{CheckinMessage, EnrollmentIdentity};
use plist::{Dictionary, Value};

use super::checkin::bootstrap_token_aad;
use super::{MdmError, MdmReply, MdmService};

/// The declarations token of the empty declaration set. Constant, so a device that has synced
/// once is not told to sync again.
const EMPTY_DECLARATIONS_TOKEN: &str = "cultivar-empty-1";
/// The timestamp paired with it (the empty set never changed).
const EMPTY_DECLARATIONS_TIMESTAMP: &str = "1970-01-01T00:00:00Z";

impl MdmService {
    /// SetBootstrapToken, GetBootstrapToken, DeclarativeManagement, GetToken.
    pub(crate) async fn service_checkin(
        &self,
        msg: CheckinMessage,
        identity: &EnrollmentIdentity,
    ) -> Result<MdmReply, MdmError> {
        match msg {
            CheckinMessage::SetBootstrapToken(m) => {
                let sealed = match m.bootstrap_token.as_deref() {
                    // Absent or empty means "delete it" (Apple's schema).
                    None | Some([]) => None,
                    Some(token) => Some(
                        self.secrets
                            .seal(&bootstrap_token_aad(&identity.id), token)
                            .map_err(MdmError::internal)?,
                    ),
                };
                let now = self.clock.now();
                self.store
                    .set_bootstrap_token(&identity.id, sealed.as_deref(), now)
                    .await?;
                Ok(MdmReply::Empty)
            }
            CheckinMessage::GetBootstrapToken(_) => self.get_bootstrap_token(identity).await,
            CheckinMessage::DeclarativeManagement(m) => declarative_management(&m),
            CheckinMessage::GetToken(m) => Err(MdmError::bad(format!(
                "GetToken: TokenServiceType {:?} is not supported by cultivar",
                m.token_service_type
            ))),
            other => Err(MdmError::bad(format!(
                "check-in: MessageType {:?} is not one cultivar handles",
                other.message_type()
            ))),
        }
    }

    async fn get_bootstrap_token(
        &self,
        identity: &EnrollmentIdentity,
    ) -> Result<MdmReply, MdmError> {
        let sealed = match self.store.mdm_enrollment(&identity.id).await? {
            Some(e) => e.bootstrap_token,
            None => None,
        };
        let Some(sealed) = sealed else {
            return Ok(MdmReply::Empty);
        };
        let token = self
            .secrets
            .open(&bootstrap_token_aad(&identity.id), &sealed)
            .map_err(MdmError::internal)?;
        let mut dict = Dictionary::new();
        dict.insert("BootstrapToken".to_owned(), Value::Data(token));
        Ok(MdmReply::Plist(plist_xml(dict)?))
    }
}

/// Minimal DDM: valid answers for an empty declaration set.
fn declarative_management(m: &DeclarativeManagement) -> Result<MdmReply, MdmError> {
    let json = match m.endpoint.as_str() {
        "tokens" => serde_json::json!({
            "SyncTokens": {
                "DeclarationsToken": EMPTY_DECLARATIONS_TOKEN,
                "Timestamp": EMPTY_DECLARATIONS_TIMESTAMP,
            }
        }),
        "declaration-items" => serde_json::json!({
            "Declarations": {
                "Activations": [],
                "Assets": [],
                "Configurations": [],
                "Management": [],
            },
            "DeclarationsToken": EMPTY_DECLARATIONS_TOKEN,
        }),
        "status" => return Ok(MdmReply::Empty),
        other => {
            return Err(MdmError::bad(format!(
                "DeclarativeManagement: Endpoint {other:?}: no such declaration \
                 (cultivar serves no declarations yet)"
            )))
        }
    };
    Ok(MdmReply::Json(json.to_string().into_bytes()))
}

/// A dictionary as an XML plist body.
pub(crate) fn plist_xml(dict: Dictionary) -> Result<Vec<u8>, MdmError> {
    let mut out = Vec::new();
    plist::to_writer_xml(&mut out, &Value::Dictionary(dict)).map_err(MdmError::internal)?;
    Ok(out)
}
