//! Secrets at rest: AES-256-GCM seal/open.
#![allow(clippy::unwrap_used)]

use cultivar_crypto::{open, seal, CryptoError, SecretKey};

const AD: &[u8] = b"abm_server:42";

#[test]
fn round_trip_and_format() {
    let key = SecretKey::generate();
    let sealed = seal(&key, b"consumer secret", AD).unwrap();
    assert_eq!(sealed[0], 1);
    assert_eq!(sealed.len(), 1 + 12 + b"consumer secret".len() + 16);
    assert_eq!(open(&key, &sealed, AD).unwrap(), b"consumer secret");
    // Random nonces: the same input seals differently each time.
    assert_ne!(seal(&key, b"consumer secret", AD).unwrap(), sealed);
    // Empty plaintext is fine.
    assert_eq!(open(&key, &seal(&key, b"", AD).unwrap(), AD).unwrap(), b"");
}

#[test]
fn wrong_key_or_associated_data() {
    let key = SecretKey::generate();
    let sealed = seal(&key, b"secret", AD).unwrap();
    let err = open(&SecretKey::generate(), &sealed, AD).unwrap_err();
    assert!(matches!(err, CryptoError::SecretOpenFailed), "{err:?}");
    assert_eq!(
        err.to_string(),
        "secret could not be decrypted: wrong secret key or corrupted data"
    );
    let err = open(&key, &sealed, b"abm_server:43").unwrap_err();
    assert!(matches!(err, CryptoError::SecretOpenFailed), "{err:?}");
}

#[test]
fn every_tampered_byte_is_detected() {
    let key = SecretKey::generate();
    let sealed = seal(&key, b"secret", AD).unwrap();
    for i in 0..sealed.len() {
        let mut t = sealed.clone();
        t[i] ^= 0x80;
        let err = open(&key, &t, AD).unwrap_err();
        let expected = if i == 0 {
            matches!(err, CryptoError::SealedFormat { .. })
        } else {
            matches!(err, CryptoError::SecretOpenFailed)
        };
        assert!(expected, "byte {i}: {err:?}");
    }
    assert!(matches!(
        open(&key, &sealed[..20], AD),
        Err(CryptoError::SealedFormat { .. })
    ));
    assert!(matches!(
        open(&key, &[], AD),
        Err(CryptoError::SealedFormat { .. })
    ));
}

#[test]
fn key_encoding() {
    let key = SecretKey::generate();
    let b64 = key.to_base64();
    assert_eq!(SecretKey::from_base64(&b64).unwrap(), key);
    assert_eq!(
        SecretKey::from_base64(&format!(" {}\n", b64.trim_end_matches('='))).unwrap(),
        key
    );
    assert_eq!(format!("{key:?}"), "SecretKey(..)");
    for bad in ["", "not base64!", "AAAA"] {
        let err = SecretKey::from_base64(bad).unwrap_err();
        assert!(
            matches!(err, CryptoError::InvalidSecretKey { .. }),
            "{bad:?}: {err:?}"
        );
        assert!(err.to_string().starts_with("secret_key: "));
    }
    let sealed = seal(&key, b"x", AD).unwrap();
    let same = SecretKey::from_base64(&b64).unwrap();
    assert_eq!(open(&same, &sealed, AD).unwrap(), b"x");
}
