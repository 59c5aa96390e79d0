//! Minting tokens as ABM does and reading them back.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use cultivar_crypto::{
    decrypt_server_token, encrypt_server_token, generate_token_keypair, ContentCipher, CryptoError,
};

const PLAINTEXT: &str = "Content-Type: text/plain;charset=UTF-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n-----BEGIN MESSAGE-----\r\n{\"consumer_key\":\"CK_1\",\"consumer_secret\":\"CS_2\",\"access_token\":\"AT_O1O2O3\",\"access_secret\":\"AS_4\",\"access_token_expiry\":\"2030-01-01T00:00:00Z\"}\r\n-----END MESSAGE-----";

#[test]
fn round_trips_every_cipher() {
    let pair = generate_token_keypair("cultivar test").unwrap();
    let (key, cert) = (
        pair.private_key_pem.as_bytes(),
        pair.certificate_pem.as_bytes(),
    );
    for cipher in ContentCipher::ALL {
        let file = encrypt_server_token(PLAINTEXT.as_bytes(), cert, cipher).unwrap();
        let plain = decrypt_server_token(&file, key, cert).unwrap();
        assert_eq!(plain, PLAINTEXT.as_bytes(), "{cipher:?}");
    }
}

#[test]
fn output_looks_like_an_abm_token() {
    let pair = generate_token_keypair("cultivar test").unwrap();
    let file = encrypt_server_token(
        PLAINTEXT.as_bytes(),
        pair.certificate_pem.as_bytes(),
        ContentCipher::Aes128Cbc,
    )
    .unwrap();
    let (head, ber) = split_smime(&file);
    let (apple_head, _) = split_smime(TOKEN);
    assert_eq!(head, apple_head);
    let text = std::str::from_utf8(&file).unwrap();
    let body = text.split_once("\n\n").unwrap().1;
    let lines: Vec<&str> = body.lines().collect();
    assert!(lines[..lines.len() - 1].iter().all(|l| l.len() == 76));
    assert!(lines.last().unwrap().len() <= 76 && text.ends_with('\n'));
    // BER: indefinite-length ContentInfo, ends with end-of-contents octets.
    assert_eq!(&ber[..2], &[0x30, 0x80]);
    assert_eq!(&ber[ber.len() - 2..], &[0, 0]);
    // Encrypted content is a constructed [0] of OCTET STRING chunks.
    find(&ber, &[0xa0, 0x80, 0x04]);
}

#[test]
fn raw_ber_and_crlf_variants_of_minted_tokens() {
    let pair = generate_token_keypair("cultivar test").unwrap();
    let (key, cert) = (
        pair.private_key_pem.as_bytes(),
        pair.certificate_pem.as_bytes(),
    );
    let file = encrypt_server_token(PLAINTEXT.as_bytes(), cert, ContentCipher::Aes256Cbc).unwrap();
    let (_, ber) = split_smime(&file);
    assert_eq!(
        decrypt_server_token(&ber, key, cert).unwrap(),
        PLAINTEXT.as_bytes()
    );
    assert_eq!(
        decrypt_server_token(&to_crlf(&file), key, cert).unwrap(),
        PLAINTEXT.as_bytes()
    );
}

#[test]
fn large_plaintext_spans_several_chunks() {
    let pair = generate_token_keypair("cultivar test").unwrap();
    let (key, cert) = (
        pair.private_key_pem.as_bytes(),
        pair.certificate_pem.as_bytes(),
    );
    let plain = "0123456789abcdef\n".repeat(300);
    let file = encrypt_server_token(plain.as_bytes(), cert, ContentCipher::Des3Cbc).unwrap();
    assert_eq!(
        decrypt_server_token(&file, key, cert).unwrap(),
        plain.as_bytes()
    );
}

#[test]
fn minted_for_one_server_is_refused_by_another() {
    let a = generate_token_keypair("server a").unwrap();
    let b = generate_token_keypair("server b").unwrap();
    let file = encrypt_server_token(
        PLAINTEXT.as_bytes(),
        a.certificate_pem.as_bytes(),
        ContentCipher::Aes128Cbc,
    )
    .unwrap();
    let err = decrypt_server_token(
        &file,
        b.private_key_pem.as_bytes(),
        b.certificate_pem.as_bytes(),
    )
    .unwrap_err();
    assert!(matches!(err, CryptoError::WrongRecipient { .. }), "{err:?}");
}

#[test]
fn encrypting_to_the_fixture_certificate_decrypts_with_its_key() {
    let file = encrypt_server_token(b"hello\n", CERT_PEM, ContentCipher::Aes192Cbc).unwrap();
    assert_eq!(
        decrypt_server_token(&file, KEY_PEM, CERT_PEM).unwrap(),
        b"hello\n"
    );
}

#[test]
fn rejects_bad_recipient_certificate() {
    let err = encrypt_server_token(b"x", b"garbage", ContentCipher::Aes128Cbc).unwrap_err();
    assert!(
        matches!(
            err,
            CryptoError::InvalidCertificate {
                field: "recipient_certificate",
                ..
            }
        ),
        "{err:?}"
    );
}

/// A self-signed RSA certificate with the given serial (Apple's own sample
/// token was issued to a certificate with a negative serial).
fn cert_with_serial(serial: i64) -> (Vec<u8>, Vec<u8>) {
    use openssl::asn1::{Asn1Integer, Asn1Time};
    use openssl::bn::BigNum;
    use openssl::hash::MessageDigest;
    use openssl::pkey::PKey;
    use openssl::rsa::Rsa;
    use openssl::x509::{X509Builder, X509NameBuilder};

    let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", "negative").unwrap();
    let name = name.build();
    let mut bn = BigNum::from_dec_str(&serial.unsigned_abs().to_string()).unwrap();
    bn.set_negative(serial < 0);
    let mut b = X509Builder::new().unwrap();
    b.set_version(2).unwrap();
    b.set_serial_number(&Asn1Integer::from_bn(&bn).unwrap())
        .unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(&name).unwrap();
    b.set_pubkey(&key).unwrap();
    b.set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::days_from_now(1).unwrap())
        .unwrap();
    b.sign(&key, MessageDigest::sha256()).unwrap();
    (
        key.private_key_to_pem_pkcs8().unwrap(),
        b.build().to_pem().unwrap(),
    )
}

#[test]
fn negative_serial_certificates_match() {
    let (key, cert) = cert_with_serial(-0x7CB4_A133_42F0_86E4);
    let info = cultivar_crypto::certificate_info(&cert).unwrap();
    assert_eq!(info.serial_hex, "-7cb4a13342f086e4");
    let file = encrypt_server_token(PLAINTEXT.as_bytes(), &cert, ContentCipher::Aes128Cbc).unwrap();
    assert_eq!(
        decrypt_server_token(&file, &key, &cert).unwrap(),
        PLAINTEXT.as_bytes()
    );
    // A certificate with the same issuer name but the positive serial is not the recipient.
    let (key2, cert2) = cert_with_serial(0x7CB4_A133_42F0_86E4);
    let err = decrypt_server_token(&file, &key2, &cert2).unwrap_err();
    assert!(matches!(err, CryptoError::WrongRecipient { .. }), "{err:?}");
}

#[test]
fn recipients_named_by_subject_key_identifier_match() {
    use openssl::cms::{CMSOptions, CmsContentInfo};
    use openssl::stack::Stack;
    use openssl::symm::Cipher;
    use openssl::x509::X509;

    let pair = generate_token_keypair("key id").unwrap();
    let (key, cert) = (
        pair.private_key_pem.as_bytes(),
        pair.certificate_pem.as_bytes(),
    );
    let mut certs = Stack::new().unwrap();
    certs.push(X509::from_pem(cert).unwrap()).unwrap();
    let flags = CMSOptions::BINARY | CMSOptions::USE_KEYID;
    let cms =
        CmsContentInfo::encrypt(&certs, b"by key id\n", Cipher::aes_128_cbc(), flags).unwrap();
    let der = cms.to_der().unwrap();
    assert_eq!(
        decrypt_server_token(&der, key, cert).unwrap(),
        b"by key id\n"
    );

    let other = generate_token_keypair("other").unwrap();
    let err = decrypt_server_token(
        &der,
        other.private_key_pem.as_bytes(),
        other.certificate_pem.as_bytes(),
    )
    .unwrap_err();
    assert!(matches!(err, CryptoError::WrongRecipient { .. }), "{err:?}");
}
