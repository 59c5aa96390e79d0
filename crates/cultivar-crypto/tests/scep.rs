#![allow(clippy::unwrap_used)]

mod pki;

use cultivar_crypto::{
    build_csr, build_pkcs_req, ca_caps, decode_cert_rep, decode_pki_message, encode_cert_rep,
    encode_cert_rep_failure, CertificateAuthority, ContentCipher, CryptoError, FailInfo,
    MessageType,
};
use openssl::pkey::{PKey, Private};
use openssl::x509::{X509Req, X509};

struct Device {
    key: PKey<Private>,
    key_pem: Vec<u8>,
    self_signed_pem: Vec<u8>,
    csr: Vec<u8>,
}

fn device(challenge: Option<&str>) -> Device {
    let key = pki::rsa_key(2048);
    let self_signed = pki::cert(&key, "scep-client", None, false);
    let csr = build_csr(&key, &pki::name("device-42"), challenge).unwrap();
    Device {
        key_pem: key.private_key_to_pem_pkcs8().unwrap(),
        self_signed_pem: self_signed.to_pem().unwrap(),
        key,
        csr,
    }
}

fn ca() -> CertificateAuthority {
    CertificateAuthority::generate("Cultivar SCEP CA", 3650).unwrap()
}

fn request(d: &Device, ca: &CertificateAuthority, cipher: ContentCipher) -> (Vec<u8>, Vec<u8>) {
    let ca_pem = ca.certificate_pem().unwrap();
    build_pkcs_req(
        &d.csr,
        &d.key_pem,
        &d.self_signed_pem,
        ca_pem.as_bytes(),
        cipher,
        "TXN-0001",
    )
    .unwrap()
}

#[test]
fn round_trip_with_aes128_aes256_and_3des() {
    let ca = ca();
    let ca_pem = ca.certificate_pem().unwrap();
    for cipher in [
        ContentCipher::Aes128Cbc,
        ContentCipher::Aes256Cbc,
        ContentCipher::Des3Cbc,
    ] {
        let d = device(Some("s3cret-challenge"));
        let (der, nonce) = request(&d, &ca, cipher);
        let req = decode_pki_message(&der, &ca).unwrap();
        assert_eq!(req.message_type, MessageType::PkcsReq);
        assert_eq!(req.transaction_id, "TXN-0001");
        assert_eq!(req.sender_nonce, nonce);
        assert_eq!(req.content_cipher, cipher);
        assert_eq!(req.challenge_password.as_deref(), Some("s3cret-challenge"));
        assert_eq!(req.csr_der, d.csr);
        let signer = X509::from_der(&req.signer_cert_der).unwrap();
        assert!(signer.public_key().unwrap().public_eq(&d.key));

        let issued = ca
            .issue_client_certificate(&req.csr_der, None, 365, 1000)
            .unwrap();
        let rep = encode_cert_rep(&req, &issued, &ca).unwrap();
        let decoded = decode_cert_rep(&rep, &d.key_pem, ca_pem.as_bytes()).unwrap();
        assert_eq!(decoded.certificate_der, issued.certificate_der);
        assert_eq!(decoded.recipient_nonce, nonce);
        assert_eq!(decoded.transaction_id, "TXN-0001");
        let cert = X509::from_der(&decoded.certificate_der).unwrap();
        let csr = X509Req::from_der(&d.csr).unwrap();
        assert_eq!(
            cert.subject_name().to_der().unwrap(),
            csr.subject_name().to_der().unwrap()
        );
        assert!(cert.public_key().unwrap().public_eq(&d.key));
    }
}

#[test]
fn cert_rep_is_standard_cms_that_openssl_verifies() {
    let ca = ca();
    let d = device(None);
    let (der, _) = request(&d, &ca, ContentCipher::Aes128Cbc);
    let req = decode_pki_message(&der, &ca).unwrap();
    assert_eq!(req.challenge_password, None);
    let issued = ca
        .issue_client_certificate(&req.csr_der, None, 30, 5)
        .unwrap();
    let rep = encode_cert_rep(&req, &issued, &ca).unwrap();
    // OpenSSL's own CMS_verify, chained to the CA as trust anchor.
    let mut store = openssl::x509::store::X509StoreBuilder::new().unwrap();
    store.add_cert(ca.certificate().clone()).unwrap();
    let store = store.build();
    let mut cms = openssl::cms::CmsContentInfo::from_der(&rep).unwrap();
    let mut envelope = Vec::new();
    cms.verify(
        None,
        Some(&store),
        None,
        Some(&mut envelope),
        openssl::cms::CMSOptions::BINARY,
    )
    .unwrap();
    // The envelope decrypts with the device key to a certs-only PKCS#7.
    let env = openssl::cms::CmsContentInfo::from_der(&envelope).unwrap();
    let signer = X509::from_der(&req.signer_cert_der).unwrap();
    let inner = env.decrypt(&d.key, &signer).unwrap();
    let p7 = openssl::pkcs7::Pkcs7::from_der(&inner).unwrap();
    let certs = p7.signed().unwrap().certificates().unwrap();
    assert_eq!(certs.len(), 1);
    assert_eq!(
        certs.iter().next().unwrap().to_der().unwrap(),
        issued.certificate_der
    );
}

#[test]
fn wrong_ca_key_is_a_decrypt_error() {
    let ca = ca();
    let other = ca_with_same_name();
    let d = device(None);
    let (der, _) = request(&d, &other, ContentCipher::Aes256Cbc);
    let err = decode_pki_message(&der, &ca).unwrap_err();
    assert!(matches!(err, CryptoError::ScepDecrypt { .. }), "{err}");
}

fn ca_with_same_name() -> CertificateAuthority {
    CertificateAuthority::generate("Cultivar SCEP CA", 3650).unwrap()
}

#[test]
fn failure_cert_rep_decodes_as_failure() {
    let ca = ca();
    let d = device(Some("wrong"));
    let (der, _) = request(&d, &ca, ContentCipher::Aes128Cbc);
    let req = decode_pki_message(&der, &ca).unwrap();
    let rep = encode_cert_rep_failure(&req, FailInfo::BadRequest, &ca).unwrap();
    let ca_pem = ca.certificate_pem().unwrap();
    let err = decode_cert_rep(&rep, &d.key_pem, ca_pem.as_bytes()).unwrap_err();
    match err {
        CryptoError::ScepRejected { status, fail_info } => {
            assert_eq!(
                (status.as_str(), fail_info.as_str()),
                ("FAILURE", "badRequest")
            );
        }
        other => panic!("{other}"),
    }
    // A reply signed by another CA is refused.
    let other = ca_with_same_name();
    let err = decode_cert_rep(
        &rep,
        &d.key_pem,
        other.certificate_pem().unwrap().as_bytes(),
    )
    .unwrap_err();
    assert!(matches!(err, CryptoError::UntrustedSigner { .. }), "{err}");
}

#[test]
fn tampered_request_fails_signature_check() {
    let ca = ca();
    let d = device(None);
    let (mut der, _) = request(&d, &ca, ContentCipher::Aes128Cbc);
    let at = der.windows(8).position(|w| w == b"TXN-0001").unwrap();
    der[at + 7] = b'2';
    let err = decode_pki_message(&der, &ca).unwrap_err();
    assert!(matches!(err, CryptoError::SignatureInvalid { .. }), "{err}");
    let err = decode_pki_message(b"garbage", &ca).unwrap_err();
    assert!(matches!(err, CryptoError::NotSignedData { .. }), "{err}");
}

#[test]
fn bad_csr_inside_is_rejected() {
    let ca = ca();
    let d = device(None);
    let ca_pem = ca.certificate_pem().unwrap();
    let (der, _) = build_pkcs_req(
        b"not a csr",
        &d.key_pem,
        &d.self_signed_pem,
        ca_pem.as_bytes(),
        ContentCipher::Aes128Cbc,
        "T",
    )
    .unwrap();
    let err = decode_pki_message(&der, &ca).unwrap_err();
    assert!(err.to_string().starts_with("csr:"), "{err}");
}

#[test]
fn caps_advertise_what_is_implemented_and_not_renewal() {
    let caps: Vec<&str> = ca_caps().lines().collect();
    for cap in [
        "AES",
        "DES3",
        "SHA-256",
        "SHA-1",
        "POSTPKIOperation",
        "SCEPStandard",
    ] {
        assert!(caps.contains(&cap), "{cap}");
    }
    // RenewalReq is refused (FAILURE badRequest), so renewal is not advertised.
    assert!(!caps.contains(&"Renewal"), "{caps:?}");
    let ca = ca();
    let der = ca.certificate_der().unwrap();
    assert_eq!(X509::from_der(&der).unwrap().to_der().unwrap(), der);
}
