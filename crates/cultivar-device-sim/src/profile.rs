//! Configuration profiles as a device reads them: plain XML/binary plists or CMS-signed
//! (the signature must verify; an untrusted signer only makes a profile "unverified").
//! [`EnrollmentProfile`] picks out the `com.apple.mdm` and `com.apple.security.scep` payloads.

use plist::{Dictionary, Value};

use crate::error::SimError;

/// One payload of a profile's `PayloadContent`.
#[derive(Debug, Clone, PartialEq)]
pub struct Payload {
    pub payload_type: String,
    pub identifier: String,
    pub uuid: String,
    pub version: i64,
    pub display_name: Option<String>,
    /// The payload dictionary as received.
    pub raw: Dictionary,
}

/// A parsed configuration profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// `PayloadIdentifier`: the key `RemoveProfile` names.
    pub identifier: String,
    pub uuid: String,
    pub version: i64,
    pub display_name: Option<String>,
    pub organization: Option<String>,
    pub description: Option<String>,
    pub removal_disallowed: bool,
    pub payloads: Vec<Payload>,
    /// The signer certificate (DER) when the profile was CMS-signed.
    pub signer_certificate_der: Option<Vec<u8>>,
    /// The top-level dictionary as received.
    pub raw: Dictionary,
}

fn profile_err(reason: impl Into<String>) -> SimError {
    SimError::Profile {
        reason: reason.into(),
    }
}

fn string(d: &Dictionary, key: &str, at: &str) -> Result<Option<String>, SimError> {
    match d.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(profile_err(format!("{at}{key}: must be a string"))),
    }
}

fn required(d: &Dictionary, key: &str, at: &str) -> Result<String, SimError> {
    string(d, key, at)?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| profile_err(format!("{at}{key}: required and must not be empty")))
}

fn integer(d: &Dictionary, key: &str, at: &str) -> Result<Option<i64>, SimError> {
    match d.get(key) {
        None => Ok(None),
        Some(Value::Integer(i)) => i
            .as_signed()
            .map(Some)
            .ok_or_else(|| profile_err(format!("{at}{key}: out of range"))),
        Some(_) => Err(profile_err(format!("{at}{key}: must be an integer"))),
    }
}

fn boolean(d: &Dictionary, key: &str, at: &str) -> Result<Option<bool>, SimError> {
    match d.get(key) {
        None => Ok(None),
        Some(Value::Boolean(b)) => Ok(Some(*b)),
        Some(_) => Err(profile_err(format!("{at}{key}: must be a boolean"))),
    }
}

/// True when `bytes` look like a plist (XML or binary) rather than DER CMS.
fn is_plist(bytes: &[u8]) -> bool {
    let trimmed = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map_or(&[][..], |i| &bytes[i..]);
    trimmed.starts_with(b"<?xml") || trimmed.starts_with(b"<plist") || bytes.starts_with(b"bplist")
}

impl Profile {
    /// Parses a `.mobileconfig`, plain or CMS-signed.
    pub fn parse(bytes: &[u8]) -> Result<Self, SimError> {
        if bytes.is_empty() {
            return Err(profile_err("empty"));
        }
        let (content, signer) = if is_plist(bytes) {
            (bytes.to_vec(), None)
        } else {
            let opened = cultivar_crypto::device_keys::open_signed_profile(bytes)
                .map_err(SimError::crypto("signed profile"))?;
            (opened.content, Some(opened.signer_certificate_der))
        };
        let raw: Dictionary = plist::from_bytes(&content)
            .map_err(|e| profile_err(format!("not a plist dictionary ({e})")))?;
        Self::from_dictionary(raw, signer)
    }

    fn from_dictionary(raw: Dictionary, signer: Option<Vec<u8>>) -> Result<Self, SimError> {
        let kind = required(&raw, "PayloadType", "")?;
        if kind != "Configuration" {
            return Err(profile_err(format!(
                "PayloadType: {kind:?} is not \"Configuration\""
            )));
        }
        let payloads = match raw.get("PayloadContent") {
            None => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| read_payload(item, i))
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(profile_err("PayloadContent: must be an array")),
        };
        Ok(Self {
            identifier: required(&raw, "PayloadIdentifier", "")?,
            uuid: required(&raw, "PayloadUUID", "")?,
            version: integer(&raw, "PayloadVersion", "")?.unwrap_or(1),
            display_name: string(&raw, "PayloadDisplayName", "")?,
            organization: string(&raw, "PayloadOrganization", "")?,
            description: string(&raw, "PayloadDescription", "")?,
            removal_disallowed: boolean(&raw, "PayloadRemovalDisallowed", "")?.unwrap_or(false),
            payloads,
            signer_certificate_der: signer,
            raw,
        })
    }

    /// The payloads of one `PayloadType`.
    pub fn payloads_of<'a>(&'a self, payload_type: &'a str) -> impl Iterator<Item = &'a Payload> {
        self.payloads
            .iter()
            .filter(move |p| p.payload_type == payload_type)
    }

    /// True when the profile carries the MDM payload (removing it unenrolls the device).
    pub fn is_mdm_profile(&self) -> bool {
        self.payloads_of(MDM_PAYLOAD).next().is_some()
    }
}

fn read_payload(item: &Value, index: usize) -> Result<Payload, SimError> {
    let at = format!("PayloadContent[{index}].");
    let Value::Dictionary(d) = item else {
        return Err(profile_err(format!(
            "PayloadContent[{index}]: must be a dictionary"
        )));
    };
    Ok(Payload {
        payload_type: required(d, "PayloadType", &at)?,
        identifier: required(d, "PayloadIdentifier", &at)?,
        uuid: required(d, "PayloadUUID", &at)?,
        version: integer(d, "PayloadVersion", &at)?.unwrap_or(1),
        display_name: string(d, "PayloadDisplayName", &at)?,
        raw: d.clone(),
    })
}

/// `PayloadType` of the MDM payload.
pub const MDM_PAYLOAD: &str = "com.apple.mdm";
/// `PayloadType` of the SCEP payload.
pub const SCEP_PAYLOAD: &str = "com.apple.security.scep";

/// The `com.apple.mdm` payload's keys the device acts on.
#[derive(Debug, Clone, PartialEq)]
pub struct MdmPayload {
    pub server_url: String,
    /// `CheckInURL`; when absent the device checks in at `ServerURL`.
    pub check_in_url: Option<String>,
    pub topic: String,
    pub sign_message: bool,
    pub identity_certificate_uuid: String,
    pub access_rights: Option<i64>,
    pub check_out_when_removed: bool,
    pub server_capabilities: Vec<String>,
}

impl MdmPayload {
    /// Where check-in messages go.
    pub fn check_in_url(&self) -> &str {
        self.check_in_url.as_deref().unwrap_or(&self.server_url)
    }
}

/// The `com.apple.security.scep` payload's `PayloadContent`.
#[derive(Debug, Clone, PartialEq)]
pub struct ScepPayload {
    /// `PayloadUUID` of the SCEP payload (what `IdentityCertificateUUID` names).
    pub payload_uuid: String,
    pub url: String,
    /// `Name`: sent as `message` with GetCACert/GetCACaps (the CA-IDENT).
    pub name: Option<String>,
    pub challenge: Option<String>,
    /// `Subject` flattened to (attribute, value) pairs, in order.
    pub subject: Vec<(String, String)>,
    /// `Keysize`; Apple's default is 1024 when absent.
    pub keysize: u32,
}

/// A device-enrollment profile: the MDM payload and the SCEP payload its identity comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct EnrollmentProfile {
    pub profile: Profile,
    pub mdm: MdmPayload,
    /// The SCEP payload named by `IdentityCertificateUUID` (None when the identity is a
    /// PKCS#12 or ACME payload, which the simulator does not handle).
    pub scep: Option<ScepPayload>,
}

impl EnrollmentProfile {
    /// Parses an enrollment `.mobileconfig` (plain or signed).
    pub fn parse(bytes: &[u8]) -> Result<Self, SimError> {
        let profile = Profile::parse(bytes)?;
        let mdm_payloads: Vec<&Payload> = profile.payloads_of(MDM_PAYLOAD).collect();
        let mdm = match mdm_payloads.as_slice() {
            [one] => read_mdm(&one.raw)?,
            [] => {
                return Err(profile_err(
                    "no com.apple.mdm payload (not an enrollment profile)",
                ))
            }
            _ => return Err(profile_err("more than one com.apple.mdm payload")),
        };
        let scep = profile
            .payloads_of(SCEP_PAYLOAD)
            .find(|p| p.uuid == mdm.identity_certificate_uuid)
            .map(read_scep)
            .transpose()?;
        Ok(Self { profile, mdm, scep })
    }
}

fn read_mdm(d: &Dictionary) -> Result<MdmPayload, SimError> {
    let at = "com.apple.mdm.";
    let capabilities = match d.get("ServerCapabilities") {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_string().map(str::to_string))
            .collect(),
        Some(_) => {
            return Err(profile_err(format!(
                "{at}ServerCapabilities: must be an array"
            )))
        }
    };
    Ok(MdmPayload {
        server_url: required(d, "ServerURL", at)?,
        check_in_url: string(d, "CheckInURL", at)?,
        topic: required(d, "Topic", at)?,
        sign_message: boolean(d, "SignMessage", at)?.unwrap_or(false),
        identity_certificate_uuid: required(d, "IdentityCertificateUUID", at)?,
        access_rights: integer(d, "AccessRights", at)?,
        check_out_when_removed: boolean(d, "CheckOutWhenRemoved", at)?.unwrap_or(false),
        server_capabilities: capabilities,
    })
}

fn read_scep(payload: &Payload) -> Result<ScepPayload, SimError> {
    let at = "com.apple.security.scep.PayloadContent.";
    let Some(Value::Dictionary(d)) = payload.raw.get("PayloadContent") else {
        return Err(profile_err(
            "com.apple.security.scep.PayloadContent: required dictionary missing",
        ));
    };
    let keysize = match integer(d, "Keysize", at)? {
        None => 1024,
        Some(k) => u32::try_from(k)
            .map_err(|_| profile_err(format!("{at}Keysize: {k} is not a key size")))?,
    };
    Ok(ScepPayload {
        payload_uuid: payload.uuid.clone(),
        url: required(d, "URL", at)?,
        name: string(d, "Name", at)?,
        challenge: string(d, "Challenge", at)?,
        subject: read_subject(d.get("Subject"))?,
        keysize,
    })
}

/// `Subject` is an array of RDNs, each an array of `[attribute, value]` pairs:
/// `[[["O", "Example"]], [["CN", "Device"]]]`.
fn read_subject(value: Option<&Value>) -> Result<Vec<(String, String)>, SimError> {
    let bad = || {
        profile_err(
            "com.apple.security.scep.PayloadContent.Subject: must be an array of arrays of \
             [attribute, value] string pairs",
        )
    };
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let rdns = value.as_array().ok_or_else(bad)?;
    let mut out = Vec::new();
    for rdn in rdns {
        for pair in rdn.as_array().ok_or_else(bad)? {
            match pair.as_array().map(Vec::as_slice) {
                Some([Value::String(k), Value::String(v)]) => out.push((k.clone(), v.clone())),
                _ => return Err(bad()),
            }
        }
    }
    Ok(out)
}
