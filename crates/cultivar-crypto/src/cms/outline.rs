//! Reading the parts of a CMS SignedData that the `openssl` crate does not
//! expose: digest algorithms, signed attributes and which embedded
//! certificate is the signer's. Signature checks stay with OpenSSL.

use openssl::x509::X509;

use crate::ber::{
    self, Tlv, CLASS_CONTEXT, CLASS_UNIVERSAL, TAG_INTEGER, TAG_OID, TAG_SEQUENCE, TAG_SET,
};

pub(crate) const OID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
pub(crate) const OID_DATA: &str = "1.2.840.113549.1.7.1";
pub(crate) const OID_SHA256: &str = "2.16.840.1.101.3.4.2.1";
pub(crate) const OID_SHA1: &str = "1.3.14.3.2.26";

/// One signed attribute: its type and the raw DER of each value.
#[derive(Debug, Clone)]
pub(crate) struct Attribute<'a> {
    pub oid: String,
    pub values: Vec<Tlv<'a>>,
}

#[derive(Debug, Clone)]
pub(crate) struct SignerOutline<'a> {
    /// issuerAndSerialNumber; `None` for a subjectKeyIdentifier signer.
    pub issuer: Option<&'a [u8]>,
    pub serial: Option<&'a [u8]>,
    pub digest_oid: String,
    pub signed_attrs: Vec<Attribute<'a>>,
}

#[derive(Debug, Clone)]
pub(crate) struct SignedOutline<'a> {
    pub content_type: String,
    /// The encapsulated content; `None` for a detached signature.
    pub content: Option<Vec<u8>>,
    /// DER of each embedded X.509 certificate.
    pub certificates: Vec<&'a [u8]>,
    pub signers: Vec<SignerOutline<'a>>,
}

impl<'a> SignedOutline<'a> {
    /// The embedded certificate matching the first signer's issuer+serial.
    pub fn signer_certificate(&self) -> Option<X509> {
        let signer = self.signers.first()?;
        let (issuer, serial) = (signer.issuer?, ber::minimal_integer(signer.serial?));
        self.certificates.iter().find_map(|der| {
            let cert = X509::from_der(der).ok()?;
            let cert_issuer = cert.issuer_name().to_der().ok()?;
            let cert_serial = cert.serial_number().to_bn().ok()?.to_vec();
            let same_serial = ber::minimal_integer(serial) == cert_serial.as_slice()
                || serial.strip_prefix(&[0]) == Some(cert_serial.as_slice());
            (cert_issuer == issuer && same_serial).then_some(cert)
        })
    }

    /// The first value of the first signer's attribute `oid`.
    pub fn attribute(&self, oid: &str) -> Option<Tlv<'a>> {
        let signer = self.signers.first()?;
        let attr = signer.signed_attrs.iter().find(|a| a.oid == oid)?;
        attr.values.first().copied()
    }
}

/// Outlines a ContentInfo{SignedData}; errors are human-readable reasons.
pub(crate) fn outline(der: &[u8]) -> Result<SignedOutline<'_>, String> {
    let (info, _) = ber::parse(der)?;
    let mut parts = info.children();
    let oid = next(&mut parts, "contentType", CLASS_UNIVERSAL, TAG_OID)?;
    let content_type = ber::oid_to_string(oid.content)?;
    if content_type != OID_SIGNED_DATA {
        return Err(format!("content type is {content_type}, not signed-data"));
    }
    let wrapper = next(&mut parts, "content", CLASS_CONTEXT, 0)?;
    let signed = first_child(wrapper, "SignedData", TAG_SEQUENCE)?;
    let mut fields = signed.children();
    next(&mut fields, "version", CLASS_UNIVERSAL, TAG_INTEGER)?;
    next(&mut fields, "digestAlgorithms", CLASS_UNIVERSAL, TAG_SET)?;
    let encap = next(
        &mut fields,
        "encapContentInfo",
        CLASS_UNIVERSAL,
        TAG_SEQUENCE,
    )?;
    let (content_type, content) = encapsulated(encap)?;
    let mut certificates = Vec::new();
    let mut signers = Vec::new();
    for field in fields {
        let field = field?;
        if field.is(CLASS_CONTEXT, 0) {
            for cert in field.children() {
                let cert = cert?;
                if cert.is(CLASS_UNIVERSAL, TAG_SEQUENCE) {
                    certificates.push(cert.raw);
                }
            }
        } else if field.is(CLASS_UNIVERSAL, TAG_SET) {
            for si in field.children() {
                signers.push(signer(si?)?);
            }
        }
    }
    Ok(SignedOutline {
        content_type,
        content,
        certificates,
        signers,
    })
}

fn encapsulated(encap: Tlv<'_>) -> Result<(String, Option<Vec<u8>>), String> {
    let mut parts = encap.children();
    let oid = next(&mut parts, "eContentType", CLASS_UNIVERSAL, TAG_OID)?;
    let content = match parts.next().transpose()? {
        Some(explicit) if explicit.is(CLASS_CONTEXT, 0) => {
            let inner = explicit.children().next().ok_or("empty eContent")??;
            Some(inner.octets()?)
        }
        Some(_) => return Err("eContent is not tagged [0]".into()),
        None => None,
    };
    Ok((ber::oid_to_string(oid.content)?, content))
}

fn signer(si: Tlv<'_>) -> Result<SignerOutline<'_>, String> {
    let mut parts = si.children();
    next(
        &mut parts,
        "SignerInfo version",
        CLASS_UNIVERSAL,
        TAG_INTEGER,
    )?;
    let sid = parts.next().ok_or("SignerInfo sid missing")??;
    let (issuer, serial) = if sid.is(CLASS_UNIVERSAL, TAG_SEQUENCE) {
        let mut ias = sid.children();
        let issuer = ias.next().ok_or("issuer missing")??;
        let serial = next(&mut ias, "serialNumber", CLASS_UNIVERSAL, TAG_INTEGER)?;
        (Some(issuer.raw), Some(serial.content))
    } else {
        (None, None)
    };
    let alg = next(&mut parts, "digestAlgorithm", CLASS_UNIVERSAL, TAG_SEQUENCE)?;
    let alg_oid = first_child(alg, "digestAlgorithm OID", TAG_OID)?;
    let mut signed_attrs = Vec::new();
    if let Some(attrs) = parts.next().transpose()? {
        if attrs.is(CLASS_CONTEXT, 0) {
            for attr in attrs.children() {
                signed_attrs.push(attribute(attr?)?);
            }
        }
    }
    Ok(SignerOutline {
        issuer,
        serial,
        digest_oid: ber::oid_to_string(alg_oid.content)?,
        signed_attrs,
    })
}

fn attribute(attr: Tlv<'_>) -> Result<Attribute<'_>, String> {
    let mut parts = attr.children();
    let oid = next(&mut parts, "attrType", CLASS_UNIVERSAL, TAG_OID)?;
    let values = next(&mut parts, "attrValues", CLASS_UNIVERSAL, TAG_SET)?;
    Ok(Attribute {
        oid: ber::oid_to_string(oid.content)?,
        values: values.children().collect::<Result<_, _>>()?,
    })
}

fn next<'a>(
    it: &mut ber::Children<'a>,
    what: &str,
    class: u8,
    tag: u32,
) -> Result<Tlv<'a>, String> {
    let tlv = it.next().ok_or_else(|| format!("{what} missing"))??;
    if tlv.is(class, tag) {
        Ok(tlv)
    } else {
        Err(format!("{what} has the wrong ASN.1 type"))
    }
}

fn first_child<'a>(tlv: Tlv<'a>, what: &str, tag: u32) -> Result<Tlv<'a>, String> {
    next(&mut tlv.children(), what, CLASS_UNIVERSAL, tag)
}
