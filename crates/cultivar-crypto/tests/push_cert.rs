#![allow(clippy::unwrap_used)]

use cultivar_crypto::{
    check_key_matches_certificate, generate_push_csr, generate_tls_server_identity,
    push_certificate_info, CertificateAuthority, CryptoError,
};
use openssl::nid::Nid;
use openssl::x509::{X509Req, X509};

const TOPIC: &str = "com.apple.mgmt.External.e3b8ceac-1f18-4b5d-a6a3-1e3f0c6f3d6a";

fn ca() -> CertificateAuthority {
    CertificateAuthority::generate("Test Push CA", 3650).unwrap()
}

#[test]
fn csr_is_rsa_2048_self_signed_with_the_common_name() {
    let csr = generate_push_csr("Cultivar MDM push").unwrap();
    assert!(csr.private_key_pem.contains("BEGIN PRIVATE KEY"));
    assert!(!format!("{csr:?}").contains("BEGIN PRIVATE KEY"));
    let req = X509Req::from_pem(csr.csr_pem.as_bytes()).unwrap();
    let public = req.public_key().unwrap();
    assert_eq!(public.bits(), 2048);
    assert!(req.verify(&public).unwrap());
    let cn = req
        .subject_name()
        .entries_by_nid(Nid::COMMONNAME)
        .next()
        .unwrap();
    assert_eq!(cn.data().to_string().unwrap(), "Cultivar MDM push");
    let err = generate_push_csr("  ").unwrap_err();
    assert!(err.to_string().starts_with("common_name:"), "{err}");
}

#[test]
fn info_reads_topic_cn_serial_and_validity_of_an_issued_push_certificate() {
    let csr = generate_push_csr("push").unwrap();
    let issued = ca()
        .issue_push_certificate(csr.csr_pem.as_bytes(), TOPIC, 365, 77)
        .unwrap();
    let info = push_certificate_info(issued.certificate_pem.as_bytes()).unwrap();
    assert_eq!(info.topic, TOPIC);
    assert_eq!(
        info.subject_cn.as_deref(),
        Some("APSP:e3b8ceac-1f18-4b5d-a6a3-1e3f0c6f3d6a")
    );
    assert_eq!(info.serial_hex, "4d");
    assert_eq!(info.not_after - info.not_before, 365 * 86_400 + 3600);
    // DER works too, and the uploaded certificate pairs with our key.
    let der_info = push_certificate_info(&issued.certificate_der).unwrap();
    assert_eq!(der_info, info);
    check_key_matches_certificate(
        csr.private_key_pem.as_bytes(),
        issued.certificate_pem.as_bytes(),
    )
    .unwrap();
    let other = generate_push_csr("other").unwrap();
    let err = check_key_matches_certificate(
        other.private_key_pem.as_bytes(),
        issued.certificate_pem.as_bytes(),
    )
    .unwrap_err();
    assert!(matches!(err, CryptoError::KeyCertificateMismatch), "{err}");
}

#[test]
fn certificate_without_uid_is_refused_with_a_clear_error() {
    let csr = generate_push_csr("device").unwrap();
    let plain = ca()
        .issue_client_certificate(csr.csr_pem.as_bytes(), None, 30, 5)
        .unwrap();
    let err = push_certificate_info(plain.certificate_pem.as_bytes()).unwrap_err();
    assert!(
        matches!(err, CryptoError::InvalidPushCertificate { .. }),
        "{err}"
    );
    let msg = err.to_string();
    assert!(
        msg.starts_with("push_certificate: the subject has no UID"),
        "{msg}"
    );
    assert!(msg.contains("com.apple.mgmt."), "{msg}");
}

#[test]
fn non_mdm_topics_are_refused_at_issue_and_info() {
    let csr = generate_push_csr("push").unwrap();
    for bad in ["com.example.app", "com.apple.mgmt.", "com.apple.mgmt.x y"] {
        let err = ca()
            .issue_push_certificate(csr.csr_pem.as_bytes(), bad, 30, 1)
            .unwrap_err();
        assert!(
            err.to_string().contains("is not an MDM topic"),
            "{bad}: {err}"
        );
    }
    // A certificate whose UID is some other topic (an app push certificate).
    let key = openssl::pkey::PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
    let mut name = openssl::x509::X509NameBuilder::new().unwrap();
    name.append_entry_by_nid(Nid::USERID, "com.example.app")
        .unwrap();
    let name = name.build();
    let mut b = openssl::x509::X509Builder::new().unwrap();
    b.set_version(2).unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(&name).unwrap();
    b.set_pubkey(&key).unwrap();
    b.set_not_before(openssl::asn1::Asn1Time::days_from_now(0).unwrap().as_ref())
        .unwrap();
    b.set_not_after(openssl::asn1::Asn1Time::days_from_now(1).unwrap().as_ref())
        .unwrap();
    b.sign(&key, openssl::hash::MessageDigest::sha256())
        .unwrap();
    let pem = b.build().to_pem().unwrap();
    let err = push_certificate_info(&pem).unwrap_err();
    assert!(
        err.to_string()
            .contains("\"com.example.app\" is not an MDM topic"),
        "{err}"
    );
    let err = push_certificate_info(b"not a certificate").unwrap_err();
    assert!(err.to_string().starts_with("push_certificate:"), "{err}");
}

#[test]
fn tls_server_identity_has_dns_and_ip_alt_names() {
    let pair = generate_tls_server_identity(&["localhost", "127.0.0.1"], 10).unwrap();
    let cert = X509::from_pem(pair.certificate_pem.as_bytes()).unwrap();
    let sans = cert.subject_alt_names().unwrap();
    assert_eq!(sans.len(), 2);
    assert_eq!(sans.get(0).unwrap().dnsname(), Some("localhost"));
    assert_eq!(
        sans.get(1).unwrap().ipaddress(),
        Some(&[127u8, 0, 0, 1][..])
    );
    let text = String::from_utf8(cert.to_text().unwrap()).unwrap();
    assert!(text.contains("TLS Web Server Authentication"), "{text}");
    check_key_matches_certificate(
        pair.private_key_pem.as_bytes(),
        pair.certificate_pem.as_bytes(),
    )
    .unwrap();
    assert!(generate_tls_server_identity(&[], 10).is_err());
}
