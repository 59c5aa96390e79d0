#![allow(clippy::unwrap_used)]

mod pki;

use cultivar_crypto::{CertificateAuthority, CryptoError};
use openssl::nid::Nid;
use openssl::x509::X509;

fn ca() -> CertificateAuthority {
    CertificateAuthority::generate("Cultivar Test SCEP CA", 3650).unwrap()
}

#[test]
fn generated_ca_is_a_ca_and_round_trips_through_pem() {
    let ca = ca();
    let cert = ca.certificate();
    let text = String::from_utf8(cert.to_text().unwrap()).unwrap();
    assert!(text.contains("CA:TRUE"), "{text}");
    assert!(text.contains("Certificate Sign, CRL Sign"), "{text}");
    assert!(cert.verify(&cert.public_key().unwrap()).unwrap());
    let pem = ca.to_pem().unwrap();
    assert!(pem.private_key_pem.contains("BEGIN PRIVATE KEY"));
    let again = CertificateAuthority::from_pem(
        pem.private_key_pem.as_bytes(),
        pem.certificate_pem.as_bytes(),
    )
    .unwrap();
    assert_eq!(
        again.certificate_der().unwrap(),
        ca.certificate_der().unwrap()
    );
    assert!(!format!("{again:?}").contains("PRIVATE"));
}

#[test]
fn from_pem_rejects_mismatch_and_non_ca() {
    let a = ca().to_pem().unwrap();
    let b = ca().to_pem().unwrap();
    let err =
        CertificateAuthority::from_pem(a.private_key_pem.as_bytes(), b.certificate_pem.as_bytes())
            .unwrap_err();
    assert!(matches!(err, CryptoError::KeyCertificateMismatch), "{err}");
    let key = pki::rsa_key(2048);
    let leaf = pki::cert(&key, "leaf", None, false);
    let err = CertificateAuthority::from_pem(
        &key.private_key_to_pem_pkcs8().unwrap(),
        &leaf.to_pem().unwrap(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("CA:TRUE"), "{err}");
}

#[test]
fn issues_client_certificate_with_csr_subject_and_key() {
    let ca = ca();
    let key = pki::rsa_key(2048);
    let csr = pki::csr(&key, "device-1234");
    let issued = ca
        .issue_client_certificate(&csr.to_pem().unwrap(), None, 365, 42)
        .unwrap();
    let cert = X509::from_der(&issued.certificate_der).unwrap();
    assert_eq!(
        cert.subject_name().to_der().unwrap(),
        csr.subject_name().to_der().unwrap()
    );
    assert!(cert.public_key().unwrap().public_eq(&key));
    assert!(cert
        .verify(&ca.certificate().public_key().unwrap())
        .unwrap());
    assert_eq!(issued.info.serial_hex, "2a");
    assert_eq!(
        issued.info.subject_common_name.as_deref(),
        Some("device-1234")
    );
    let lifetime = issued.info.not_after - issued.info.not_before;
    assert_eq!(lifetime, 365 * 86_400 + 3600);
    let text = String::from_utf8(cert.to_text().unwrap()).unwrap();
    assert!(text.contains("TLS Web Client Authentication"), "{text}");
    assert!(
        text.contains("Digital Signature, Key Encipherment"),
        "{text}"
    );
    assert!(text.contains("CA:FALSE"), "{text}");
}

#[test]
fn subject_override_and_ec_keys() {
    let ca = ca();
    let key = pki::ec_key(Nid::X9_62_PRIME256V1);
    let csr = pki::csr(&key, "ignored");
    let issued = ca
        .issue_client_certificate(&csr.to_der().unwrap(), Some("enrollment-7"), 30, 7)
        .unwrap();
    assert_eq!(
        issued.info.subject_common_name.as_deref(),
        Some("enrollment-7")
    );
    let cert = X509::from_pem(issued.certificate_pem.as_bytes()).unwrap();
    assert!(cert.public_key().unwrap().public_eq(&key));
}

#[test]
fn rejects_weak_keys_bad_signatures_and_bad_parameters() {
    let ca = ca();
    let weak = pki::csr(&pki::rsa_key(1024), "weak");
    let err = ca
        .issue_client_certificate(&weak.to_der().unwrap(), None, 30, 1)
        .unwrap_err();
    assert!(err.to_string().contains("csr: public key"), "{err}");
    let secp521 = pki::csr(&pki::ec_key(Nid::SECP521R1), "p521");
    assert!(ca
        .issue_client_certificate(&secp521.to_der().unwrap(), None, 30, 1)
        .is_err());

    let mut der = pki::csr(&pki::rsa_key(2048), "x").to_der().unwrap();
    let n = der.len();
    der[n - 5] ^= 0x01; // inside the signature
    let err = ca.issue_client_certificate(&der, None, 30, 1).unwrap_err();
    assert!(
        err.to_string().contains("signature does not verify"),
        "{err}"
    );

    let good = pki::csr(&pki::rsa_key(2048), "x").to_der().unwrap();
    let err = ca.issue_client_certificate(&good, None, 0, 1).unwrap_err();
    assert!(err.to_string().starts_with("validity_days:"), "{err}");
    let err = ca.issue_client_certificate(&good, None, 30, 0).unwrap_err();
    assert!(err.to_string().starts_with("serial:"), "{err}");
    let err = ca
        .issue_client_certificate(b"junk", None, 30, 1)
        .unwrap_err();
    assert!(
        err.to_string().starts_with("csr: not a PEM or DER"),
        "{err}"
    );
}
