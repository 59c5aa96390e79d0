#![allow(clippy::unwrap_used)]

mod pki;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use cultivar_crypto::{
    sign_detached, verify_issued_by, verify_mdm_signature, CertificateAuthority, CryptoError,
    SignatureDigest,
};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;

const BODY: &[u8] = b"<?xml version=\"1.0\"?><plist><dict><key>MessageType</key><string>Authenticate</string></dict></plist>\n";

fn identity() -> (Vec<u8>, Vec<u8>) {
    let key = pki::rsa_key(2048);
    let cert = pki::cert(&key, "device-identity", None, false);
    (
        key.private_key_to_pem_pkcs8().unwrap(),
        cert.to_pem().unwrap(),
    )
}

#[test]
fn round_trip_with_sha256_and_sha1() {
    let (key, cert) = identity();
    for digest in [SignatureDigest::Sha256, SignatureDigest::Sha1] {
        let header = sign_detached(BODY, &key, &cert, digest).unwrap();
        let signer = verify_mdm_signature(&header, BODY).unwrap();
        let x509 = openssl::x509::X509::from_pem(&cert).unwrap();
        assert_eq!(signer.certificate_der, x509.to_der().unwrap());
        let fp: String = x509
            .digest(MessageDigest::sha256())
            .unwrap()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(signer.sha256_fingerprint_hex, fp);
        assert_eq!(signer.subject_cn.as_deref(), Some("device-identity"));
        assert!(signer
            .certificate_pem
            .starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(signer.not_after > 0);
    }
}

#[test]
fn ec_device_key_and_folded_header() {
    let key = pki::ec_key(Nid::X9_62_PRIME256V1);
    let cert = pki::cert(&key, "ec-device", None, false);
    let header = sign_detached(
        BODY,
        &key.private_key_to_pem_pkcs8().unwrap(),
        &cert.to_der().unwrap(),
        SignatureDigest::Sha256,
    )
    .unwrap();
    let folded = format!("{}\r\n {}", &header[..40], &header[40..]);
    verify_mdm_signature(&folded, BODY).unwrap();
}

#[test]
fn openssl_cms_signatures_verify_too() {
    // A signature made by OpenSSL's own CMS_sign, as a device would.
    let key = pki::rsa_key(2048);
    let cert = pki::cert(&key, "openssl-signed", None, false);
    let flags = openssl::cms::CMSOptions::DETACHED | openssl::cms::CMSOptions::BINARY;
    let cms = openssl::cms::CmsContentInfo::sign(Some(&cert), Some(&key), None, Some(BODY), flags)
        .unwrap();
    let header = STANDARD.encode(cms.to_der().unwrap());
    verify_mdm_signature(&header, BODY).unwrap();
}

#[test]
fn tampered_body_is_a_signature_error() {
    let (key, cert) = identity();
    let header = sign_detached(BODY, &key, &cert, SignatureDigest::Sha256).unwrap();
    let mut body = BODY.to_vec();
    body[10] ^= 1;
    let err = verify_mdm_signature(&header, &body).unwrap_err();
    assert!(matches!(err, CryptoError::SignatureInvalid { .. }), "{err}");
    assert!(err
        .to_string()
        .starts_with("Mdm-Signature: signature does not verify"));
}

#[test]
fn distinguishes_bad_inputs() {
    let err = verify_mdm_signature("not base64!!", BODY).unwrap_err();
    assert!(matches!(err, CryptoError::NotBase64 { .. }), "{err}");
    let err = verify_mdm_signature(&STANDARD.encode(b"hello"), BODY).unwrap_err();
    assert!(matches!(err, CryptoError::NotSignedData { .. }), "{err}");

    let key = pki::rsa_key(2048);
    let cert = pki::cert(&key, "no-certs", None, false);
    let flags = openssl::cms::CMSOptions::DETACHED
        | openssl::cms::CMSOptions::BINARY
        | openssl::cms::CMSOptions::CMS_NOCERTS;
    let cms = openssl::cms::CmsContentInfo::sign(Some(&cert), Some(&key), None, Some(BODY), flags)
        .unwrap();
    let err = verify_mdm_signature(&STANDARD.encode(cms.to_der().unwrap()), BODY).unwrap_err();
    assert!(
        matches!(err, CryptoError::NoSignerCertificate { .. }),
        "{err}"
    );

    // SHA-256's OID turned into SHA-512's (…2.1 -> …2.3) in both places.
    let (k, c) = identity();
    let mut der = STANDARD
        .decode(sign_detached(BODY, &k, &c, SignatureDigest::Sha256).unwrap())
        .unwrap();
    let sha256 = [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
    while let Some(at) = der.windows(9).position(|w| w == sha256) {
        der[at + 8] = 0x03;
    }
    let err = verify_mdm_signature(&STANDARD.encode(&der), BODY).unwrap_err();
    assert!(
        matches!(err, CryptoError::UnsupportedDigest { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("2.16.840.1.101.3.4.2.3"), "{err}");
}

#[test]
fn signer_from_a_different_key_fails() {
    let (key, _) = identity();
    let (_, other_cert) = identity();
    let err = sign_detached(BODY, &key, &other_cert, SignatureDigest::Sha256).unwrap_err();
    assert!(matches!(err, CryptoError::KeyCertificateMismatch), "{err}");
}

#[test]
fn issued_by_checks_the_ca() {
    let ca = CertificateAuthority::generate("SCEP CA", 30).unwrap();
    let other = CertificateAuthority::generate("Other CA", 30).unwrap();
    let key = pki::rsa_key(2048);
    let csr = pki::csr(&key, "dev");
    let issued = ca
        .issue_client_certificate(&csr.to_der().unwrap(), None, 30, 9)
        .unwrap();
    let ca_pem = ca.certificate_pem().unwrap();
    verify_issued_by(&issued.certificate_der, ca_pem.as_bytes()).unwrap();
    let err = verify_issued_by(
        &issued.certificate_der,
        other.certificate_pem().unwrap().as_bytes(),
    )
    .unwrap_err();
    assert!(matches!(err, CryptoError::NotIssuedByCa { .. }), "{err}");
    // Same name, different key: the signature check must catch it.
    let twin = CertificateAuthority::generate("SCEP CA", 30).unwrap();
    let err = verify_issued_by(
        &issued.certificate_der,
        twin.certificate_pem().unwrap().as_bytes(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("signature"), "{err}");
}
