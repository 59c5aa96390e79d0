//! Server token key pair and `.p7m` decryption, against Apple's real test vector.

use cultivar_abm_client::{decrypt_token, generate_keypair, TokenError};
use cultivar_crypto::{encrypt_server_token, ContentCipher};
use time::macros::datetime;

fn vector(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../fixtures/abm-token/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn p7m() -> Vec<u8> {
    vector("apple-mdm-client-tests-1-server-token.p7m")
}

#[test]
fn decrypts_the_real_abm_token() {
    let key = vector("apple-mdm-client-tests-1.pem");
    let cert = vector("apple-mdm-client-tests-1.crt");
    let token = decrypt_token(&p7m(), &key, &cert).expect("decrypt");
    assert!(token.consumer_key.starts_with("CK_"), "{token:?}");
    assert!(token.consumer_secret.starts_with("CS_"));
    assert!(token.access_token.starts_with("AT_"));
    assert!(token.access_secret.starts_with("AS_"));
    assert_eq!(
        token.access_token_expiry,
        datetime!(2026-01-17 11:02:21 UTC)
    );
}

/// Flips one bit in the base64 payload of the S/MIME file, `from_end` bytes before its end.
fn tamper(p7m: &[u8], from_end: usize) -> Vec<u8> {
    use base64::Engine;
    let text = String::from_utf8(p7m.to_vec()).expect("S/MIME is text");
    let (headers, body) = text
        .split_once("\r\n\r\n")
        .or_else(|| text.split_once("\n\n"))
        .expect("headers");
    let compact: String = body.split_whitespace().collect();
    let engine = base64::engine::general_purpose::STANDARD;
    let mut der = engine.decode(compact).expect("base64");
    let at = der.len() - from_end;
    der[at] ^= 0x01;
    format!("{headers}\n\n{}\n", engine.encode(der)).into_bytes()
}

#[test]
fn a_tampered_token_fails_clearly() {
    let key = vector("apple-mdm-client-tests-1.pem");
    let cert = vector("apple-mdm-client-tests-1.crt");
    // Just before the final cipher blocks and the end-of-contents octets.
    let err = decrypt_token(&tamper(&p7m(), 40), &key, &cert).expect_err("tampered");
    assert!(matches!(err, TokenError::Tampered { .. }), "{err:?}");
    assert!(err.to_string().contains("modified or damaged"), "{err}");
}

#[test]
fn bad_inputs_keep_their_distinct_reasons() {
    let key = vector("apple-mdm-client-tests-1.pem");
    let cert = vector("apple-mdm-client-tests-1.crt");
    let p7m = p7m();

    let err = decrypt_token(b"", &key, &cert).expect_err("empty");
    assert_eq!(err, TokenError::Empty);
    let err = decrypt_token(b"hello, not a token", &key, &cert).expect_err("text");
    assert!(matches!(err, TokenError::NotP7m { .. }), "{err:?}");
    assert!(err.to_string().contains("application/pkcs7-mime"), "{err}");
    let err = decrypt_token(&vec![b'A'; 100_000], &key, &cert).expect_err("huge");
    assert!(
        matches!(err, TokenError::TooLarge { size: 100_000 }),
        "{err:?}"
    );
    let truncated = tamper_truncate(&p7m);
    let err = decrypt_token(&truncated, &key, &cert).expect_err("truncated");
    assert!(matches!(err, TokenError::Truncated { .. }), "{err:?}");

    let other = generate_keypair("other-server").expect("keypair");
    let err = decrypt_token(
        &p7m,
        other.private_key_pem.as_bytes(),
        other.certificate_pem.as_bytes(),
    )
    .expect_err("other cert");
    assert_eq!(err, TokenError::WrongCertificate);
    let err = decrypt_token(&p7m, other.private_key_pem.as_bytes(), &cert).expect_err("mix");
    assert_eq!(err, TokenError::KeyMismatch);
}

/// Keeps the headers and the first half of the payload.
fn tamper_truncate(p7m: &[u8]) -> Vec<u8> {
    use base64::Engine;
    let text = String::from_utf8(p7m.to_vec()).expect("S/MIME is text");
    let (headers, body) = text
        .split_once("\r\n\r\n")
        .or_else(|| text.split_once("\n\n"))
        .expect("headers");
    let compact: String = body.split_whitespace().collect();
    let engine = base64::engine::general_purpose::STANDARD;
    let der = engine.decode(compact).expect("base64");
    format!("{headers}\n\n{}\n", engine.encode(&der[..der.len() / 2])).into_bytes()
}

#[test]
fn a_generated_keypair_decrypts_a_token_minted_for_it() {
    let pair = generate_keypair("cultivar-test").expect("keypair");
    assert!(pair.certificate_pem.contains("BEGIN CERTIFICATE"));
    assert!(!format!("{pair:?}").contains("PRIVATE KEY"));
    let plaintext = crate::mock::token().to_plaintext().expect("plaintext");
    let p7m = encrypt_server_token(
        plaintext.as_bytes(),
        pair.certificate_pem.as_bytes(),
        ContentCipher::Aes128Cbc,
    )
    .expect("encrypt");
    let token = decrypt_token(
        &p7m,
        pair.private_key_pem.as_bytes(),
        pair.certificate_pem.as_bytes(),
    )
    .expect("decrypt");
    assert_eq!(token, crate::mock::token());

    let junk = encrypt_server_token(
        b"hello",
        pair.certificate_pem.as_bytes(),
        ContentCipher::Aes128Cbc,
    )
    .expect("encrypt");
    let err = decrypt_token(
        &junk,
        pair.private_key_pem.as_bytes(),
        pair.certificate_pem.as_bytes(),
    )
    .expect_err("not a token");
    assert!(matches!(err, TokenError::BadJson { .. }), "{err:?}");

    let err = generate_keypair("").expect_err("empty name");
    assert!(matches!(err, TokenError::InvalidName { .. }), "{err:?}");
}
