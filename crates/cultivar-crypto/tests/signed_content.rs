//! MachineInfo and signed profiles: CMS SignedData with attached content
//! whose signer must chain to configured anchors.
#![allow(clippy::unwrap_used)]

mod pki;

use cultivar_crypto::{
    sign_machine_info, sign_profile, verify_signed_machine_info, verify_signed_profile, CryptoError,
};
use openssl::pkey::{PKey, Private};
use openssl::x509::X509;

const PLIST: &[u8] = b"<?xml version=\"1.0\"?>\n<plist version=\"1.0\"><dict><key>UDID</key><string>00008030-0011</string><key>SERIAL</key><string>C02XYZ</string></dict></plist>\n";

/// root -> intermediate ("Apple device CA") -> device leaf.
struct Chain {
    root: X509,
    intermediate: X509,
    leaf_key: PKey<Private>,
    leaf: X509,
}

fn chain() -> Chain {
    let root_key = pki::rsa_key(2048);
    let root = pki::cert(&root_key, "Test Apple Root CA", None, true);
    let int_key = pki::rsa_key(2048);
    let intermediate = pki::cert(
        &int_key,
        "Test Apple Device CA",
        Some((&root_key, &root)),
        true,
    );
    let leaf_key = pki::rsa_key(2048);
    let leaf = pki::cert(&leaf_key, "device", Some((&int_key, &intermediate)), false);
    Chain {
        root,
        intermediate,
        leaf_key,
        leaf,
    }
}

fn sign(c: &Chain, content: &[u8]) -> Vec<u8> {
    let int_der = c.intermediate.to_der().unwrap();
    sign_machine_info(
        content,
        &c.leaf_key.private_key_to_pem_pkcs8().unwrap(),
        &c.leaf.to_pem().unwrap(),
        &[&int_der],
    )
    .unwrap()
}

#[test]
fn machine_info_round_trip() {
    let c = chain();
    let der = sign(&c, PLIST);
    let root_pem = c.root.to_pem().unwrap();
    assert_eq!(
        verify_signed_machine_info(&der, &[&root_pem]).unwrap(),
        PLIST
    );
    // Several anchors: any one of them may be the root.
    let other = pki::cert(&pki::rsa_key(2048), "Unrelated Root", None, true);
    let other_pem = other.to_pem().unwrap();
    assert_eq!(
        verify_signed_machine_info(&der, &[&other_pem, &root_pem]).unwrap(),
        PLIST
    );
}

#[test]
fn wrong_anchor_is_untrusted() {
    let c = chain();
    let der = sign(&c, PLIST);
    let other = pki::cert(&pki::rsa_key(2048), "Test Apple Root CA", None, true);
    let err = verify_signed_machine_info(&der, &[&other.to_pem().unwrap()]).unwrap_err();
    assert!(matches!(err, CryptoError::UntrustedSigner { .. }), "{err}");
    assert!(err
        .to_string()
        .starts_with("MachineInfo: signer certificate is not trusted"));
    let err = verify_signed_machine_info(&der, &[]).unwrap_err();
    assert!(matches!(err, CryptoError::UntrustedSigner { .. }), "{err}");
}

#[test]
fn tampered_content_is_a_signature_error() {
    let c = chain();
    let mut der = sign(&c, PLIST);
    let at = der.windows(6).position(|w| w == b"C02XYZ").unwrap();
    der[at] = b'D';
    let root_pem = c.root.to_pem().unwrap();
    let err = verify_signed_machine_info(&der, &[&root_pem]).unwrap_err();
    assert!(matches!(err, CryptoError::SignatureInvalid { .. }), "{err}");
}

#[test]
fn rejects_non_cms_and_detached() {
    let c = chain();
    let root_pem = c.root.to_pem().unwrap();
    let err = verify_signed_machine_info(PLIST, &[&root_pem]).unwrap_err();
    assert!(matches!(err, CryptoError::NotSignedData { .. }), "{err}");
    let flags = openssl::cms::CMSOptions::DETACHED | openssl::cms::CMSOptions::BINARY;
    let detached = openssl::cms::CmsContentInfo::sign(
        Some(&c.leaf),
        Some(&c.leaf_key),
        None,
        Some(PLIST),
        flags,
    )
    .unwrap();
    let err = verify_signed_machine_info(&detached.to_der().unwrap(), &[&root_pem]).unwrap_err();
    assert!(err.to_string().contains("detached"), "{err}");
}

#[test]
fn profile_round_trip_and_openssl_parses_it() {
    let c = chain();
    let xml = b"<?xml version=\"1.0\"?>\r\n<plist><dict><key>PayloadType</key><string>Configuration</string></dict></plist>";
    let int_der = c.intermediate.to_der().unwrap();
    let der = sign_profile(
        xml,
        &c.leaf_key.private_key_to_der().unwrap(),
        &c.leaf.to_der().unwrap(),
        &[&int_der],
    )
    .unwrap();
    let root_pem = c.root.to_pem().unwrap();
    // Byte for byte, CRLF kept.
    assert_eq!(verify_signed_profile(&der, &[&root_pem]).unwrap(), xml);
    let p7 = openssl::pkcs7::Pkcs7::from_der(&der).unwrap();
    assert_eq!(p7.signed().unwrap().certificates().unwrap().len(), 2);

    let mut tampered = der.clone();
    let at = tampered
        .windows(13)
        .position(|w| w == b"Configuration")
        .unwrap();
    tampered[at] = b'X';
    let err = verify_signed_profile(&tampered, &[&root_pem]).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("profile: signature does not verify"),
        "{err}"
    );
    assert!(sign_profile(b"", &[], &[], &[]).is_err());
}

#[test]
fn device_certificate_with_client_auth_eku_is_accepted() {
    use openssl::x509::extension::ExtendedKeyUsage;
    let root_key = pki::rsa_key(2048);
    let root = pki::cert(&root_key, "Root", None, true);
    let leaf_key = pki::rsa_key(2048);
    let mut b = openssl::x509::X509Builder::new().unwrap();
    b.set_version(2).unwrap();
    b.set_subject_name(&pki::name("eku-device")).unwrap();
    b.set_issuer_name(root.subject_name()).unwrap();
    b.set_pubkey(&leaf_key).unwrap();
    b.set_not_before(&openssl::asn1::Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    b.set_not_after(&openssl::asn1::Asn1Time::days_from_now(9).unwrap())
        .unwrap();
    b.append_extension(ExtendedKeyUsage::new().client_auth().build().unwrap())
        .unwrap();
    b.sign(&root_key, openssl::hash::MessageDigest::sha256())
        .unwrap();
    let leaf = b.build();
    let der = sign_machine_info(
        PLIST,
        &leaf_key.private_key_to_pem_pkcs8().unwrap(),
        &leaf.to_pem().unwrap(),
        &[],
    )
    .unwrap();
    let root_pem = root.to_pem().unwrap();
    assert_eq!(
        verify_signed_machine_info(&der, &[&root_pem]).unwrap(),
        PLIST
    );
}
