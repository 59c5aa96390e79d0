//! Decrypting Apple's real ABM token and the ways a token upload can be wrong.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use cultivar_crypto::{decrypt_server_token, generate_token_keypair, CryptoError};

fn decrypt(file: &[u8]) -> Result<Vec<u8>, CryptoError> {
    decrypt_server_token(file, KEY_PEM, CERT_PEM)
}

fn assert_token_plaintext(plaintext: &[u8]) {
    let text = String::from_utf8(plaintext.to_vec()).unwrap();
    assert!(
        text.starts_with("Content-Type: text/plain;charset=UTF-8\r\n"),
        "{text}"
    );
    assert!(text.contains("-----BEGIN MESSAGE-----"), "{text}");
    assert!(text.contains("-----END MESSAGE-----"), "{text}");
    assert!(text.contains("\"consumer_key\":\"CK_"), "{text}");
    assert!(
        text.contains("\"access_token_expiry\":\"2026-01-17T11:02:21Z\""),
        "{text}"
    );
}

#[test]
fn decrypts_real_abm_token() {
    assert_token_plaintext(&decrypt(TOKEN).unwrap());
}

#[test]
fn accepts_der_private_key() {
    assert_token_plaintext(&decrypt_server_token(TOKEN, KEY_DER, CERT_PEM).unwrap());
}

#[test]
fn accepts_raw_ber_pem_and_crlf() {
    let (_, ber) = split_smime(TOKEN);
    assert_eq!(
        &ber[..2],
        &[0x30, 0x80],
        "fixture is BER with indefinite length"
    );
    assert_token_plaintext(&decrypt(&ber).unwrap());

    let pem = format!(
        "-----BEGIN PKCS7-----\n{}-----END PKCS7-----\n",
        String::from_utf8(rewrap(&ber))
            .unwrap()
            .split_once("\n\n")
            .unwrap()
            .1
    );
    assert_token_plaintext(&decrypt(pem.as_bytes()).unwrap());
    let cms_pem = pem.replace("PKCS7", "CMS");
    assert_token_plaintext(&decrypt(cms_pem.as_bytes()).unwrap());

    assert_token_plaintext(&decrypt(&to_crlf(TOKEN)).unwrap());
}

#[test]
fn flipped_ciphertext_bytes_fail_to_decrypt() {
    let (_, ber) = split_smime(TOKEN);
    // Encrypted content: [0] indefinite holding one 512-byte OCTET STRING.
    let content = find(&ber, &[0xa0, 0x80, 0x04, 0x82, 0x02, 0x00]) + 6;
    // Encrypted content-encryption key: 256-byte OCTET STRING.
    let key = find(&ber, &[0x04, 0x82, 0x01, 0x00]) + 4;
    for (what, offset) in [
        ("last block (padding)", content + 512 - 3),
        ("middle block (garbled text)", content + 200),
        ("encrypted key", key + 100),
    ] {
        let mut tampered = ber.clone();
        tampered[offset] ^= 0x01;
        let err = decrypt(&rewrap(&tampered)).unwrap_err();
        assert!(
            matches!(err, CryptoError::DecryptionFailed { .. }),
            "{what}: {err:?}"
        );
        assert!(err.to_string().contains("modified or damaged"), "{err}");
    }
}

#[test]
fn flipped_base64_character_fails() {
    let text = std::str::from_utf8(TOKEN).unwrap();
    let body_start = text.find("\n\n").unwrap() + 2;
    // Character ~1200 of the body decodes to byte ~900: inside the ciphertext.
    let mut pos = body_start + 1200 + 1200 / 76;
    while !text.as_bytes()[pos].is_ascii_alphanumeric() {
        pos += 1;
    }
    let mut tampered = TOKEN.to_vec();
    tampered[pos] = if tampered[pos] == b'A' { b'B' } else { b'A' };
    let err = decrypt(&tampered).unwrap_err();
    assert!(
        matches!(err, CryptoError::DecryptionFailed { .. }),
        "{err:?}"
    );
}

#[test]
fn truncated_files_are_corrupt() {
    let (_, ber) = split_smime(TOKEN);
    for len in [1, 40, 600, ber.len() - 2] {
        let err = decrypt(&rewrap(&ber[..len])).unwrap_err();
        assert!(
            matches!(err, CryptoError::TokenCorrupt { .. }),
            "len {len}: {err:?}"
        );
        assert!(err.to_string().contains("truncated or corrupt"), "{err}");
    }
    let half = &TOKEN[..TOKEN.len() / 2];
    let err = decrypt(half).unwrap_err();
    assert!(matches!(err, CryptoError::TokenCorrupt { .. }), "{err:?}");
}

#[test]
fn token_for_another_certificate_is_named_as_such() {
    let other = generate_token_keypair("other-server").unwrap();
    let err = decrypt_server_token(
        TOKEN,
        other.private_key_pem.as_bytes(),
        other.certificate_pem.as_bytes(),
    )
    .unwrap_err();
    assert!(
        matches!(err, CryptoError::WrongRecipient { recipients: 1 }),
        "{err:?}"
    );
    assert!(err
        .to_string()
        .contains("encrypted for a different certificate"));
}

#[test]
fn key_that_does_not_match_certificate() {
    let other = generate_token_keypair("other-server").unwrap();
    let err = decrypt_server_token(TOKEN, other.private_key_pem.as_bytes(), CERT_PEM).unwrap_err();
    assert!(
        matches!(err, CryptoError::KeyCertificateMismatch),
        "{err:?}"
    );
}

#[test]
fn garbage_empty_and_oversized_inputs() {
    assert!(matches!(decrypt(b""), Err(CryptoError::TokenEmpty)));
    assert!(matches!(decrypt(b"\n\n  "), Err(CryptoError::TokenEmpty)));
    let err = decrypt(b"this is not a token at all").unwrap_err();
    assert!(matches!(err, CryptoError::NotSmime { .. }), "{err:?}");
    assert!(err.to_string().contains("application/pkcs7-mime"));
    let err = decrypt(&[0x30, 0x82, 0xff]).unwrap_err();
    assert!(matches!(err, CryptoError::TokenCorrupt { .. }), "{err:?}");

    let mut big = TOKEN.to_vec();
    big.resize(64 * 1024 + 1, b'A');
    let err = decrypt(&big).unwrap_err();
    assert!(
        matches!(err, CryptoError::TokenTooLarge { size: 65537 }),
        "{err:?}"
    );
    assert!(err.to_string().contains("larger than 64 KiB"));
}

#[test]
fn other_cms_types_are_not_enveloped_data() {
    // ContentInfo { id-data, [0] OCTET STRING "hi" }
    let data = [
        0x30, 0x11, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01, 0xa0, 0x04,
        0x04, 0x02, b'h', b'i',
    ];
    let err = decrypt(&rewrap(&data)).unwrap_err();
    assert!(
        matches!(err, CryptoError::NotEnvelopedData { .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("data (1.2.840.113549.1.7.1)"),
        "{err}"
    );
}

#[test]
fn refuses_unsupported_content_cipher() {
    let (_, mut ber) = split_smime(TOKEN);
    // aes-128-cbc (…1.2) → aes-128-ofb (…1.3).
    let aes = [
        0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x02,
    ];
    let at = find(&ber, &aes);
    ber[at + aes.len() - 1] = 0x03;
    let err = decrypt(&rewrap(&ber)).unwrap_err();
    assert!(
        matches!(err, CryptoError::UnsupportedAlgorithm { ref oid, .. } if oid == "2.16.840.1.101.3.4.1.3"),
        "{err:?}"
    );
}

#[test]
fn bad_key_and_certificate_inputs() {
    let err = decrypt_server_token(TOKEN, b"not a key", CERT_PEM).unwrap_err();
    assert!(
        matches!(err, CryptoError::InvalidPrivateKey { .. }),
        "{err:?}"
    );
    let err = decrypt_server_token(TOKEN, KEY_PEM, b"-----BEGIN CERTIFICATE-----\n").unwrap_err();
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
}
