//! The built-in SCEP CA (RFC 8894): `GetCACaps`, `GetCACert` and `PKIOperation` (PKCSReq),
//! issuing device identities from the device CA against one-time challenges.
//!
//! A request that decodes but is not acceptable (unknown, used or expired challenge, an
//! unsupported message type) gets a signed CertRep FAILURE, as RFC 8894 3.3.2 asks; only a
//! message that cannot be read at all is an HTTP error.

use cultivar_crypto::scep::{FailInfo, MessageType, PkiRequest};
use cultivar_crypto::{ca_caps, decode_pki_message, encode_cert_rep, encode_cert_rep_failure};
use cultivar_store::{ChallengePurpose, MdmChallenge, MdmIssuedCert};
use time::{Duration, OffsetDateTime};

use super::{MdmError, MdmService};
use crate::CoreError;

/// How long a SCEP challenge written into a profile stays usable by default.
pub const DEFAULT_CHALLENGE_TTL: Duration = Duration::days(7);

/// What a SCEP operation answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScepReply {
    /// `GetCACaps`: `text/plain`.
    Caps(&'static str),
    /// `GetCACert`: one DER certificate, `application/x-x509-ca-cert`.
    CaCert(Vec<u8>),
    /// `PKIOperation`: a CertRep, `application/x-pki-message`.
    PkiMessage(Vec<u8>),
}

/// Why a PKCSReq was refused (told to the client as a FAILURE CertRep).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScepRefusal {
    /// The CSR carries no challengePassword.
    NoChallenge,
    /// No such challenge, or issued for something else.
    UnknownChallenge,
    /// The challenge was used before.
    UsedChallenge,
    /// The challenge expired.
    ExpiredChallenge,
    /// Not a PKCSReq (renewal and polling are not offered).
    UnsupportedMessage(MessageType),
}

/// Lowercase hex SHA-256 of a one-time secret: only this is stored.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(cultivar_crypto::sha256(secret.as_bytes()))
}

impl MdmService {
    /// Creates a one-time SCEP challenge (returned once; only its hash is stored) usable for
    /// `ttl`, bound to `enrollment_ref`.
    pub async fn create_scep_challenge(
        &self,
        enrollment_ref: &str,
        ttl: Duration,
    ) -> Result<String, CoreError> {
        self.create_secret(ChallengePurpose::Scep, enrollment_ref, ttl)
            .await
            .map(|(secret, _)| secret)
    }

    /// Creates a one-time secret of `purpose`; returns it and its expiry.
    pub(crate) async fn create_secret(
        &self,
        purpose: ChallengePurpose,
        enrollment_ref: &str,
        ttl: Duration,
    ) -> Result<(String, OffsetDateTime), CoreError> {
        if ttl <= Duration::ZERO {
            return Err(CoreError::invalid("expires", "must be in the future"));
        }
        // Hex: printable in any ASN.1 string type a client may put the challengePassword in.
        let secret = hex::encode(cultivar_crypto::random_bytes(20));
        let now = self.clock.now();
        let row = MdmChallenge {
            challenge_hash: secret_hash(&secret),
            purpose,
            enrollment_ref: Some(enrollment_ref.to_owned()),
            created_at: now,
            expires_at: now + ttl,
            used_at: None,
        };
        self.store.insert_mdm_challenge(&row).await?;
        Ok((secret, row.expires_at))
    }

    /// Answers a SCEP `GET`/`POST` by its `operation`; `message` is the PKIOperation body
    /// (DER), already base64-decoded for the `GET` form.
    pub async fn scep(&self, operation: &str, message: &[u8]) -> Result<ScepReply, MdmError> {
        match operation {
            "GetCACaps" => Ok(ScepReply::Caps(ca_caps())),
            "GetCACert" => {
                let ca = self.device_ca().await.map_err(MdmError::internal)?;
                let der = ca
                    .authority()
                    .certificate_der()
                    .map_err(MdmError::internal)?;
                Ok(ScepReply::CaCert(der))
            }
            "PKIOperation" => self.pki_operation(message).await.map(ScepReply::PkiMessage),
            other => Err(MdmError::bad(format!(
                "operation: {other:?} is not a SCEP operation (GetCACaps, GetCACert, \
                 PKIOperation)"
            ))),
        }
    }

    async fn pki_operation(&self, der: &[u8]) -> Result<Vec<u8>, MdmError> {
        if der.is_empty() {
            return Err(MdmError::bad("message: the pkiMessage is empty"));
        }
        let ca = self.device_ca().await.map_err(MdmError::internal)?;
        let request =
            decode_pki_message(der, ca.authority()).map_err(|e| MdmError::bad(e.to_string()))?;
        let challenge = match self.check_request(&request).await? {
            Ok(hash) => hash,
            Err(refusal) => {
                self.audit_scep_refusal(&request, &refusal).await?;
                return encode_cert_rep_failure(&request, FailInfo::BadRequest, ca.authority())
                    .map_err(MdmError::internal);
            }
        };
        let days = self.settings.device_cert_days;
        let issued = self
            .issue_device_identity(&request.csr_der, None, Some(days))
            .await;
        let issued = match issued {
            Ok(issued) => issued,
            // A CSR with a weak key or bad subject: the client's fault, told by CertRep.
            Err(CoreError::Invalid { .. }) => {
                return encode_cert_rep_failure(&request, FailInfo::BadRequest, ca.authority())
                    .map_err(MdmError::internal)
            }
            Err(e) => return Err(MdmError::internal(e)),
        };
        self.record_issued(&issued, Some(challenge)).await?;
        encode_cert_rep(&request, &issued, ca.authority()).map_err(MdmError::internal)
    }

    /// The challenge's hash when the request may be served (the challenge is consumed).
    async fn check_request(
        &self,
        request: &PkiRequest,
    ) -> Result<Result<String, ScepRefusal>, MdmError> {
        if request.message_type != MessageType::PkcsReq {
            return Ok(Err(ScepRefusal::UnsupportedMessage(request.message_type)));
        }
        let Some(password) = request.challenge_password.as_deref() else {
            return Ok(Err(ScepRefusal::NoChallenge));
        };
        let hash = secret_hash(password);
        let now = self.clock.now();
        let consumed = self
            .store
            .consume_mdm_challenge(&hash, ChallengePurpose::Scep, now)
            .await?;
        if consumed.is_some() {
            return Ok(Ok(hash));
        }
        let why = match self.store.mdm_challenge(&hash).await? {
            Some(c) if c.purpose != ChallengePurpose::Scep => ScepRefusal::UnknownChallenge,
            Some(c) if c.used_at.is_some() => ScepRefusal::UsedChallenge,
            Some(_) => ScepRefusal::ExpiredChallenge,
            None => ScepRefusal::UnknownChallenge,
        };
        Ok(Err(why))
    }

    async fn record_issued(
        &self,
        issued: &cultivar_crypto::IssuedCertificate,
        challenge_hash: Option<String>,
    ) -> Result<(), MdmError> {
        let not_after = OffsetDateTime::from_unix_timestamp(issued.info.not_after)
            .map_err(MdmError::internal)?;
        let row = MdmIssuedCert {
            serial: issued.info.serial_hex.to_ascii_lowercase(),
            subject: issued.info.subject_common_name.clone().unwrap_or_default(),
            sha256: hex::encode(cultivar_crypto::sha256(&issued.certificate_der)),
            not_after,
            issued_at: self.clock.now(),
            challenge_hash,
        };
        self.store.record_mdm_issued_cert(&row).await?;
        Ok(())
    }

    async fn audit_scep_refusal(
        &self,
        request: &PkiRequest,
        refusal: &ScepRefusal,
    ) -> Result<(), MdmError> {
        let entry = cultivar_store::NewAuditEntry {
            actor: "device".to_owned(),
            action: "scep.refused".to_owned(),
            target: Some(request.transaction_id.clone()),
            detail: serde_json::json!({ "reason": refusal.reason() }),
        };
        self.store.append_audit(&entry).await?;
        Ok(())
    }
}

impl ScepRefusal {
    /// Why, in words (for the audit log).
    pub fn reason(&self) -> String {
        match self {
            ScepRefusal::NoChallenge => "the CSR has no challengePassword".into(),
            ScepRefusal::UnknownChallenge => "unknown challenge".into(),
            ScepRefusal::UsedChallenge => "the challenge was used before".into(),
            ScepRefusal::ExpiredChallenge => "the challenge expired".into(),
            ScepRefusal::UnsupportedMessage(t) => {
                format!("messageType {} is not served (only PKCSReq)", t.code())
            }
        }
    }
}
