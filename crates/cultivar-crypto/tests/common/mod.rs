//! Shared helpers for the token tests (fixture access and re-wrapping).
#![allow(dead_code)]
#![allow(clippy::unwrap_used)]

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

pub const TOKEN: &[u8] =
    include_bytes!("../../../../fixtures/abm-token/apple-mdm-client-tests-1-server-token.p7m");
pub const KEY_PEM: &[u8] =
    include_bytes!("../../../../fixtures/abm-token/apple-mdm-client-tests-1.pem");
pub const KEY_DER: &[u8] =
    include_bytes!("../../../../fixtures/abm-token/apple-mdm-client-tests-1.der");
pub const CERT_PEM: &[u8] =
    include_bytes!("../../../../fixtures/abm-token/apple-mdm-client-tests-1.crt");

/// Splits an S/MIME file into (header block incl. blank line, decoded body).
pub fn split_smime(file: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let text = std::str::from_utf8(file).unwrap();
    let (head, body) = text.split_once("\n\n").unwrap();
    let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    (
        format!("{head}\n\n").into_bytes(),
        STANDARD.decode(compact).unwrap(),
    )
}

/// Wraps DER/BER bytes in the same headers as the fixture.
pub fn rewrap(der: &[u8]) -> Vec<u8> {
    let (head, _) = split_smime(TOKEN);
    let mut out = head;
    let b64 = STANDARD.encode(der);
    for line in b64.as_bytes().chunks(76) {
        out.extend_from_slice(line);
        out.push(b'\n');
    }
    out
}

pub fn find(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap()
}

pub fn to_crlf(file: &[u8]) -> Vec<u8> {
    let text = std::str::from_utf8(file).unwrap();
    text.replace('\n', "\r\n").into_bytes()
}
