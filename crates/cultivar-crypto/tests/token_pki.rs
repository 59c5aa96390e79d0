//! Generating the ABM key pair and inspecting certificates.
#![allow(clippy::unwrap_used)]

mod common;

use common::{CERT_PEM, KEY_DER, KEY_PEM};
use cultivar_crypto::{
    certificate_info, check_key_matches_certificate, generate_token_keypair, CryptoError,
};
use openssl::x509::X509;

#[test]
fn generated_certificate_has_the_requested_shape() {
    let pair = generate_token_keypair("cultivar.example.com").unwrap();
    assert!(pair
        .private_key_pem
        .starts_with("-----BEGIN PRIVATE KEY-----"));
    assert!(pair
        .certificate_pem
        .starts_with("-----BEGIN CERTIFICATE-----"));

    let info = certificate_info(pair.certificate_pem.as_bytes()).unwrap();
    assert_eq!(
        info.subject_common_name.as_deref(),
        Some("cultivar.example.com")
    );
    assert_eq!(info.not_after - info.not_before, 365 * 86_400 + 3600);
    assert!(!info.serial_hex.starts_with('-') && info.serial_hex.len() <= 32);
    assert_eq!(info.sha256_fingerprint_hex.len(), 64);

    let cert = X509::from_pem(pair.certificate_pem.as_bytes()).unwrap();
    assert_eq!(cert.version(), 2);
    assert_eq!(cert.public_key().unwrap().bits(), 2048);
    let text = String::from_utf8(cert.to_text().unwrap()).unwrap();
    assert!(text.contains("sha256WithRSAEncryption"), "{text}");
    assert!(text.contains("CA:FALSE"), "{text}");
    assert!(
        text.contains("Digital Signature, Key Encipherment"),
        "{text}"
    );
    assert!(text.contains("Issuer: CN=cultivar.example.com"), "{text}");

    check_key_matches_certificate(
        pair.private_key_pem.as_bytes(),
        pair.certificate_pem.as_bytes(),
    )
    .unwrap();
    assert!(!format!("{pair:?}").contains("PRIVATE KEY"));
}

#[test]
fn keypairs_differ() {
    let a = generate_token_keypair("a").unwrap();
    let b = generate_token_keypair("a").unwrap();
    let (ia, ib) = (
        certificate_info(a.certificate_pem.as_bytes()).unwrap(),
        certificate_info(b.certificate_pem.as_bytes()).unwrap(),
    );
    assert_ne!(ia.serial_hex, ib.serial_hex);
    assert_ne!(a.private_key_pem, b.private_key_pem);
    let err =
        check_key_matches_certificate(a.private_key_pem.as_bytes(), b.certificate_pem.as_bytes())
            .unwrap_err();
    assert!(
        matches!(err, CryptoError::KeyCertificateMismatch),
        "{err:?}"
    );
}

#[test]
fn rejects_unusable_common_names() {
    for cn in ["", "   ", "line\nbreak", &"x".repeat(65)] {
        let err = generate_token_keypair(cn).unwrap_err();
        assert!(
            matches!(err, CryptoError::InvalidCommonName { .. }),
            "{cn:?}: {err:?}"
        );
        assert!(err.to_string().starts_with("common_name: "));
    }
}

#[test]
fn fixture_certificate_info() {
    let info = certificate_info(CERT_PEM).unwrap();
    assert_eq!(
        info.subject_common_name.as_deref(),
        Some("apple-mdm-client-tests")
    );
    assert_eq!(info.serial_hex, "70feddc7d5afa393");
    assert_eq!(info.not_before, 1_737_111_480); // 2025-01-17T10:58:00Z
    assert_eq!(info.not_after, 1_894_877_880); // 2030-01-17T10:58:00Z
    assert_eq!(
        info.sha256_fingerprint_hex,
        "c23677f953b1d56aa6054662e6dd9fd53a43df4b0316800400360 2bcefab30e1".replace(' ', "")
    );
    // DER certificates are accepted too.
    let der = X509::from_pem(CERT_PEM).unwrap().to_der().unwrap();
    assert_eq!(certificate_info(&der).unwrap(), info);
}

#[test]
fn fixture_key_matches_its_certificate_in_pem_and_der() {
    check_key_matches_certificate(KEY_PEM, CERT_PEM).unwrap();
    check_key_matches_certificate(KEY_DER, CERT_PEM).unwrap();
}

#[test]
fn unreadable_inputs() {
    let err = certificate_info(b"nope").unwrap_err();
    assert!(
        matches!(
            err,
            CryptoError::InvalidCertificate {
                field: "certificate",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err
        .to_string()
        .starts_with("certificate: not a PEM or DER X.509 certificate"));
    let err = check_key_matches_certificate(b"-----BEGIN PRIVATE KEY-----\nAA==\n", CERT_PEM)
        .unwrap_err();
    assert!(
        matches!(err, CryptoError::InvalidPrivateKey { .. }),
        "{err:?}"
    );
}
