//! The CA side of `PKIOperation`.

use openssl::cms::{CMSOptions, CmsContentInfo};
use openssl::stack::Stack;
use openssl::x509::X509;

use super::attrs::{self, bad, missing};
use super::des_envelope::{decrypt_des_envelope, OID_DES_CBC};
use super::{csr, FailInfo, MessageType, PkiRequest};
use crate::ca::{load_csr, CertificateAuthority, IssuedCertificate};
use crate::cms::{self, build, SignatureDigest};
use crate::error::CryptoError;
use crate::random::try_random_bytes;
use crate::smime::ContentCipher;
use crate::token_pki::first_reason;

const FIELD: &str = "pkiMessage";
/// A PKCSReq with an RSA-4096 CSR is under 8 KiB.
const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// Verifies a pkiMessage's signature (against the certificate it embeds),
/// reads its SCEP attributes, decrypts the envelope with the CA key and,
/// for PKCSReq/RenewalReq, parses and checks the CSR.
pub fn decode_pki_message(
    der: &[u8],
    ca: &CertificateAuthority,
) -> Result<PkiRequest, CryptoError> {
    if der.len() > MAX_MESSAGE_BYTES {
        return Err(bad(FIELD, "message is over the 64 KiB limit"));
    }
    let (outline, signer) = cms::inspect(der, FIELD)?;
    if outline.content.is_none() {
        return Err(bad(FIELD, "the SignedData has no pkcsPKIEnvelope content"));
    }
    let envelope = cms::verify_signature(der, &signer, None, FIELD)?;
    let message_type = attrs::read_printable(&outline, attrs::OID_MESSAGE_TYPE, "messageType")?
        .ok_or_else(|| missing("messageType"))?;
    let message_type = MessageType::from_code(&message_type)
        .filter(|t| *t != MessageType::CertRep)
        .ok_or_else(|| {
            bad(
                "messageType",
                &format!("{message_type} is not a request type"),
            )
        })?;
    let transaction_id =
        attrs::read_printable(&outline, attrs::OID_TRANSACTION_ID, "transactionID")?
            .ok_or_else(|| missing("transactionID"))?;
    let sender_nonce = attrs::read_nonce(&outline, attrs::OID_SENDER_NONCE, "senderNonce")?
        .ok_or_else(|| missing("senderNonce"))?;
    let (content_cipher, plaintext) = open_envelope(&envelope, ca)?;
    let (csr_der, challenge_password) = match message_type {
        MessageType::PkcsReq | MessageType::RenewalReq => checked_csr(plaintext)?,
        _ => (Vec::new(), None),
    };
    Ok(PkiRequest {
        message_type,
        transaction_id,
        sender_nonce,
        signer_cert_der: signer
            .to_der()
            .map_err(CryptoError::openssl("encode signer certificate"))?,
        csr_der,
        challenge_password,
        content_cipher,
    })
}

/// Decrypts the request envelope; returns it with the cipher the CertRep will use.
fn open_envelope(
    envelope: &[u8],
    ca: &CertificateAuthority,
) -> Result<(ContentCipher, Vec<u8>), CryptoError> {
    let oid = attrs::envelope_cipher_oid(envelope).map_err(|reason| {
        bad(
            "pkcsPKIEnvelope",
            &format!("not a CMS EnvelopedData ({reason})"),
        )
    })?;
    if oid == OID_DES_CBC {
        // Legacy clients: answered with 3DES, which OpenSSL has without its legacy provider.
        let plaintext = decrypt_des_envelope(envelope, ca)?;
        return Ok((ContentCipher::Des3Cbc, plaintext));
    }
    Ok((cipher_of(&oid)?, decrypt(envelope, ca)?))
}

fn cipher_of(oid: &str) -> Result<ContentCipher, CryptoError> {
    Ok(match oid {
        "2.16.840.1.101.3.4.1.2" => ContentCipher::Aes128Cbc,
        "2.16.840.1.101.3.4.1.22" => ContentCipher::Aes192Cbc,
        "2.16.840.1.101.3.4.1.42" => ContentCipher::Aes256Cbc,
        "1.2.840.113549.3.7" => ContentCipher::Des3Cbc,
        other => {
            let reason = format!(
                "content cipher {other} is not supported (expected AES-CBC, 3DES-CBC or DES-CBC)"
            );
            return Err(bad("pkcsPKIEnvelope", &reason));
        }
    })
}

fn decrypt(envelope: &[u8], ca: &CertificateAuthority) -> Result<Vec<u8>, CryptoError> {
    let cms = CmsContentInfo::from_der(envelope).map_err(|e| {
        bad(
            "pkcsPKIEnvelope",
            &format!("not a CMS EnvelopedData ({})", first_reason(&e)),
        )
    })?;
    // With the CA certificate OpenSSL matches the recipient first, so a
    // request for another CA fails instead of decrypting to garbage.
    cms.decrypt(ca.private_key(), ca.certificate())
        .map_err(|e| CryptoError::ScepDecrypt {
            reason: first_reason(&e),
        })
}

fn checked_csr(plaintext: Vec<u8>) -> Result<(Vec<u8>, Option<String>), CryptoError> {
    let req = load_csr(&plaintext)?;
    let key = req.public_key().map_err(|e| CryptoError::InvalidCsr {
        reason: format!("public key unreadable ({})", first_reason(&e)),
    })?;
    if !req.verify(&key).unwrap_or(false) {
        return Err(CryptoError::InvalidCsr {
            reason: "signature does not verify with the request's own public key".into(),
        });
    }
    let der = req.to_der().map_err(CryptoError::openssl("encode CSR"))?;
    let challenge = csr::challenge_password(&der)?;
    Ok((der, challenge))
}

/// A SUCCESS CertRep: the issued certificate in a certs-only PKCS#7,
/// encrypted to the requester's signer certificate, signed by the CA.
pub fn encode_cert_rep(
    request: &PkiRequest,
    issued: &IssuedCertificate,
    ca: &CertificateAuthority,
) -> Result<Vec<u8>, CryptoError> {
    let op = "encrypt CertRep";
    let recipient =
        X509::from_der(&request.signer_cert_der).map_err(|e| CryptoError::InvalidCertificate {
            field: "signer_cert_der",
            reason: first_reason(&e),
        })?;
    let degenerate = build::certs_only(&[&issued.certificate_der]);
    let mut certs = Stack::new().map_err(CryptoError::openssl(op))?;
    certs.push(recipient).map_err(CryptoError::openssl(op))?;
    let cipher = request.content_cipher.openssl();
    let envelope = CmsContentInfo::encrypt(&certs, &degenerate, cipher, CMSOptions::BINARY)
        .and_then(|cms| cms.to_der())
        .map_err(CryptoError::openssl(op))?;
    let status = attrs::printable(attrs::OID_PKI_STATUS, "0");
    sign_reply(request, ca, &envelope, vec![status])
}

/// A FAILURE CertRep with `fail_info`; no envelope (RFC 8894 3.3.2).
pub fn encode_cert_rep_failure(
    request: &PkiRequest,
    fail_info: FailInfo,
    ca: &CertificateAuthority,
) -> Result<Vec<u8>, CryptoError> {
    let extra = vec![
        attrs::printable(attrs::OID_PKI_STATUS, "2"),
        attrs::printable(attrs::OID_FAIL_INFO, &fail_info.code().to_string()),
    ];
    sign_reply(request, ca, &[], extra)
}

fn sign_reply(
    request: &PkiRequest,
    ca: &CertificateAuthority,
    content: &[u8],
    mut extra_attrs: Vec<Vec<u8>>,
) -> Result<Vec<u8>, CryptoError> {
    let nonce = try_random_bytes(16)?;
    extra_attrs.push(attrs::printable(attrs::OID_MESSAGE_TYPE, "3"));
    extra_attrs.push(attrs::printable(
        attrs::OID_TRANSACTION_ID,
        &request.transaction_id,
    ));
    extra_attrs.push(attrs::octets(attrs::OID_SENDER_NONCE, &nonce));
    extra_attrs.push(attrs::octets(
        attrs::OID_RECIPIENT_NONCE,
        &request.sender_nonce,
    ));
    build::sign(build::SignRequest {
        content,
        detached: content.is_empty(),
        digest: SignatureDigest::Sha256,
        key: ca.private_key(),
        cert: ca.certificate(),
        extra_certs: &[],
        extra_attrs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::pkey::PKey;
    use openssl::rsa::Rsa;

    /// A request assembled by hand so that digest and attributes vary.
    fn message(ca: &CertificateAuthority, digest: SignatureDigest, attrs: Vec<Vec<u8>>) -> Vec<u8> {
        let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
        let name = ca.certificate().subject_name();
        let csr = csr::build_csr(&key, name, Some("pw")).unwrap();
        let identity = ca.issue_client_certificate(&csr, None, 30, 77).unwrap();
        let cert = X509::from_der(&identity.certificate_der).unwrap();
        let mut recipients = Stack::new().unwrap();
        recipients.push(ca.certificate().clone()).unwrap();
        let cipher = ContentCipher::Aes128Cbc.openssl();
        let env = CmsContentInfo::encrypt(&recipients, &csr, cipher, CMSOptions::BINARY)
            .unwrap()
            .to_der()
            .unwrap();
        build::sign(build::SignRequest {
            content: &env,
            detached: false,
            digest,
            key: &key,
            cert: &cert,
            extra_certs: &[],
            extra_attrs: attrs,
        })
        .unwrap()
    }

    fn scep_attrs(kind: &str) -> Vec<Vec<u8>> {
        vec![
            attrs::printable(attrs::OID_MESSAGE_TYPE, kind),
            attrs::printable(attrs::OID_TRANSACTION_ID, "abc"),
            attrs::octets(attrs::OID_SENDER_NONCE, &[9; 16]),
        ]
    }

    #[test]
    fn sha1_renewal_request_decodes() {
        let ca = CertificateAuthority::generate("CA", 30).unwrap();
        let der = message(&ca, SignatureDigest::Sha1, scep_attrs("17"));
        let req = decode_pki_message(&der, &ca).unwrap();
        assert_eq!(req.message_type, MessageType::RenewalReq);
        assert_eq!(req.sender_nonce, vec![9; 16]);
        assert_eq!(req.challenge_password.as_deref(), Some("pw"));
    }

    #[test]
    fn missing_or_wrong_attributes_are_named() {
        let ca = CertificateAuthority::generate("CA", 30).unwrap();
        let mut no_type = scep_attrs("19");
        no_type.remove(0);
        let err =
            decode_pki_message(&message(&ca, SignatureDigest::Sha256, no_type), &ca).unwrap_err();
        assert!(
            err.to_string().starts_with("messageType: required"),
            "{err}"
        );
        let err = decode_pki_message(&message(&ca, SignatureDigest::Sha256, scep_attrs("3")), &ca)
            .unwrap_err();
        assert!(err.to_string().contains("not a request type"), "{err}");
        let mut no_nonce = scep_attrs("19");
        no_nonce.pop();
        let err =
            decode_pki_message(&message(&ca, SignatureDigest::Sha256, no_nonce), &ca).unwrap_err();
        assert!(err.to_string().starts_with("senderNonce:"), "{err}");
    }
}
