//! Random bytes and tokens.
#![allow(clippy::unwrap_used)]

use cultivar_crypto::{random_bytes, random_token, try_random_bytes};

#[test]
fn lengths_and_uniqueness() {
    assert_eq!(random_bytes(0).len(), 0);
    assert_eq!(random_bytes(33).len(), 33);
    assert_eq!(try_random_bytes(16).unwrap().len(), 16);
    assert_ne!(random_bytes(32), random_bytes(32));
}

#[test]
fn tokens_are_url_safe_without_padding() {
    let t = random_token(32);
    assert_eq!(t.len(), 43);
    assert!(
        t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "{t}"
    );
    assert_ne!(random_token(32), t);
}
