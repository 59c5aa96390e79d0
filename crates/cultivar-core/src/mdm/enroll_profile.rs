//! The enrollment profile (`.mobileconfig`) for profile-based (non-ADE) device enrollment:
//! a SCEP payload with a fresh one-time challenge, the device CA as a trusted root and the
//! `com.apple.mdm` payload, CMS-signed by an identity issued from the device CA. Also the
//! one-time download links that hand it out.

use cultivar_crypto::device_keys::{build_csr_for_key, generate_device_key};
use cultivar_store::ChallengePurpose;
use plist::{Dictionary, Value};
use time::{Duration, OffsetDateTime};

use super::scep::{secret_hash, DEFAULT_CHALLENGE_TTL};
use super::MdmService;
use crate::CoreError;

/// Where devices run SCEP, under the public base URL.
pub const SCEP_PATH: &str = "/scep";
/// Where a download link fetches the profile, under the public base URL.
pub const ENROLL_PATH: &str = "/mdm/enroll";
/// `AccessRights`: every right (Apple's 8191).
pub const ACCESS_RIGHTS_ALL: i64 = 8191;
/// The longest a download link may live.
pub const MAX_LINK_HOURS: u32 = 24 * 30;
const PROFILE_IDENTIFIER: &str = "com.cultivar.mdm.enrollment";
const SIGNER_CN: &str = "cultivar Enrollment Profile Signing";

/// A one-time enrollment-profile download link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrollLink {
    /// The full URL (carries the one-time token).
    pub url: String,
    pub expires_at: OffsetDateTime,
}

impl MdmService {
    /// A freshly signed enrollment profile (DER CMS around the XML plist), with a new one-time
    /// SCEP challenge bound to `enrollment_ref`. Refused until an APNs push certificate is
    /// uploaded: the profile's `Topic` comes from it.
    pub async fn enrollment_profile(&self, enrollment_ref: &str) -> Result<Vec<u8>, CoreError> {
        let topic = self.push_topic().await?;
        let ca = self.device_ca().await?;
        let challenge = self
            .create_scep_challenge(enrollment_ref, DEFAULT_CHALLENGE_TTL)
            .await?;
        let ca_der = ca
            .authority()
            .certificate_der()
            .map_err(CoreError::crypto)?;
        let xml = self.profile_xml(&topic, &challenge, ca_der)?;
        let key_pem = generate_device_key(2048).map_err(CoreError::crypto)?;
        let csr = build_csr_for_key(key_pem.as_bytes(), &[("CN".into(), SIGNER_CN.into())], None)
            .map_err(CoreError::crypto)?;
        let signer = self
            .issue_device_identity(&csr, Some(SIGNER_CN), Some(self.settings.device_cert_days))
            .await?;
        cultivar_crypto::sign_profile(
            &xml,
            key_pem.as_bytes(),
            signer.certificate_pem.as_bytes(),
            &[ca.certificate_pem().as_bytes()],
        )
        .map_err(CoreError::crypto)
    }

    async fn push_topic(&self) -> Result<String, CoreError> {
        let cert = self.store.mdm_push_cert().await?;
        cert.active
            .map(|a| a.topic)
            .ok_or_else(|| CoreError::Conflict {
                what: "no APNs push certificate is uploaded yet, so the profile has no Topic: run \
                   `cultivar mdm push-cert csr`, have Apple sign it, then \
                   `cultivar mdm push-cert upload CERT`"
                    .into(),
            })
    }

    fn profile_xml(
        &self,
        topic: &str,
        challenge: &str,
        ca_der: Vec<u8>,
    ) -> Result<Vec<u8>, CoreError> {
        let base = &self.settings.public_base;
        let scep_uuid = uuid::Uuid::new_v4().to_string().to_uppercase();
        let scep = payload(
            "com.apple.security.scep",
            "scep",
            &scep_uuid,
            "Device Identity",
            scep_content(&format!("{base}{SCEP_PATH}"), challenge),
        );
        let root_uuid = uuid::Uuid::new_v4().to_string().to_uppercase();
        let mut root = payload(
            "com.apple.security.root",
            "root",
            &root_uuid,
            "cultivar Device CA",
            Dictionary::new(),
        );
        root.insert("PayloadContent".into(), Value::Data(ca_der));
        let mdm = payload(
            "com.apple.mdm",
            "mdm",
            &uuid::Uuid::new_v4().to_string().to_uppercase(),
            "Device Management",
            mdm_keys(base, topic, &scep_uuid),
        );
        let mut top = Dictionary::new();
        let content = vec![root, scep, mdm].into_iter().map(Value::Dictionary);
        top.insert("PayloadContent".into(), Value::Array(content.collect()));
        top.insert(
            "PayloadDisplayName".into(),
            "cultivar MDM enrollment".into(),
        );
        top.insert("PayloadIdentifier".into(), PROFILE_IDENTIFIER.into());
        top.insert("PayloadOrganization".into(), "cultivar".into());
        top.insert("PayloadType".into(), "Configuration".into());
        let uuid = uuid::Uuid::new_v4().to_string().to_uppercase();
        top.insert("PayloadUUID".into(), uuid.into());
        top.insert("PayloadVersion".into(), 1.into());
        let mut xml = Vec::new();
        plist::to_writer_xml(&mut xml, &Value::Dictionary(top)).map_err(CoreError::crypto)?;
        Ok(xml)
    }

    /// Creates a one-time download link for a signed enrollment profile, valid `hours`.
    pub async fn create_enroll_link(&self, hours: u32) -> Result<EnrollLink, CoreError> {
        if hours == 0 || hours > MAX_LINK_HOURS {
            return Err(CoreError::invalid(
                "expires_hours",
                &format!("must be between 1 and {MAX_LINK_HOURS}"),
            ));
        }
        let ttl = Duration::hours(i64::from(hours));
        let (token, expires_at) = self
            .create_secret(ChallengePurpose::EnrollLink, "link", ttl)
            .await?;
        let base = &self.settings.public_base;
        Ok(EnrollLink {
            url: format!("{base}{ENROLL_PATH}?token={token}"),
            expires_at,
        })
    }

    /// Redeems a download link's token (once) for a freshly signed enrollment profile.
    /// `NotFound` for an unknown, used or expired link (the caller answers 403/404 alike).
    pub async fn redeem_enroll_link(&self, token: &str) -> Result<Vec<u8>, CoreError> {
        // The push certificate is checked first so a refused download leaves the link usable.
        self.push_topic().await?;
        let hash = secret_hash(token);
        let now = self.clock.now();
        let consumed = self
            .store
            .consume_mdm_challenge(&hash, ChallengePurpose::EnrollLink, now)
            .await?;
        if consumed.is_none() {
            return Err(CoreError::NotFound {
                what: "enrollment link (unknown, used or expired)".into(),
            });
        }
        self.enrollment_profile(&format!("link:{}", &hash[..16]))
            .await
    }
}

fn payload(kind: &str, suffix: &str, uuid: &str, name: &str, extra: Dictionary) -> Dictionary {
    let mut d = extra;
    d.insert("PayloadType".into(), kind.into());
    d.insert(
        "PayloadIdentifier".into(),
        format!("{PROFILE_IDENTIFIER}.{suffix}").into(),
    );
    d.insert("PayloadUUID".into(), uuid.into());
    d.insert("PayloadDisplayName".into(), name.into());
    d.insert("PayloadVersion".into(), 1.into());
    d
}

fn scep_content(url: &str, challenge: &str) -> Dictionary {
    let rdn = |k: &str, v: &str| Value::Array(vec![Value::Array(vec![k.into(), v.into()])]);
    let mut c = Dictionary::new();
    c.insert("URL".into(), url.into());
    c.insert("Name".into(), "cultivar".into());
    c.insert("Challenge".into(), challenge.into());
    let subject = vec![rdn("O", "cultivar"), rdn("CN", "cultivar Device Identity")];
    c.insert("Subject".into(), Value::Array(subject));
    c.insert("Keysize".into(), 2048.into());
    c.insert("Key Type".into(), "RSA".into());
    // 5 = signing (1) + encryption (4): the identity signs check-ins and TLS.
    c.insert("Key Usage".into(), 5.into());
    let mut d = Dictionary::new();
    d.insert("PayloadContent".into(), Value::Dictionary(c));
    d
}

fn mdm_keys(base: &str, topic: &str, identity_uuid: &str) -> Dictionary {
    let mut d = Dictionary::new();
    d.insert("IdentityCertificateUUID".into(), identity_uuid.into());
    d.insert("Topic".into(), topic.into());
    d.insert("ServerURL".into(), format!("{base}/mdm/connect").into());
    d.insert("CheckInURL".into(), format!("{base}/mdm/checkin").into());
    d.insert("SignMessage".into(), true.into());
    d.insert("AccessRights".into(), ACCESS_RIGHTS_ALL.into());
    d.insert("CheckOutWhenRemoved".into(), true.into());
    let caps = [
        "com.apple.mdm.per-user-connections",
        "com.apple.mdm.bootstraptoken",
    ];
    d.insert(
        "ServerCapabilities".into(),
        Value::Array(caps.iter().map(|c| Value::from(*c)).collect()),
    );
    d
}
