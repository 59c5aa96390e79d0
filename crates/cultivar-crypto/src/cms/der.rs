//! DER writing helpers for the few structures we assemble by hand.

use crate::ber;

pub(crate) const SEQUENCE: u8 = 0x30;
pub(crate) const SET: u8 = 0x31;
pub(crate) const OCTET_STRING: u8 = 0x04;
pub(crate) const PRINTABLE_STRING: u8 = 0x13;
pub(crate) const NULL: [u8; 2] = [0x05, 0x00];

/// An element with `identifier` around the concatenated `parts`.
pub(crate) fn tlv(identifier: u8, parts: &[&[u8]]) -> Vec<u8> {
    let content = parts.concat();
    let mut out = Vec::with_capacity(content.len() + 6);
    ber::write_definite(&mut out, identifier, &content);
    out
}

pub(crate) fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(SEQUENCE, parts)
}

/// A DER SET OF: members sorted by their encodings (X.690 11.6), which
/// OpenSSL relies on when it re-encodes signed attributes to verify them.
pub(crate) fn set_of(mut members: Vec<Vec<u8>>) -> Vec<u8> {
    members.sort();
    let refs: Vec<&[u8]> = members.iter().map(Vec::as_slice).collect();
    tlv(SET, &refs)
}

pub(crate) fn small_integer(value: u8) -> Vec<u8> {
    if value < 0x80 {
        vec![0x02, 0x01, value]
    } else {
        vec![0x02, 0x02, 0x00, value]
    }
}

/// OBJECT IDENTIFIER from dotted text. Only called with constants of this
/// crate, which are all well formed.
pub(crate) fn oid(dotted: &str) -> Vec<u8> {
    let arcs: Vec<u64> = dotted.split('.').filter_map(|a| a.parse().ok()).collect();
    let mut content = Vec::new();
    if let [first, second, rest @ ..] = arcs.as_slice() {
        push_base128(&mut content, first * 40 + second);
        for arc in rest {
            push_base128(&mut content, *arc);
        }
    }
    tlv(0x06, &[&content])
}

fn push_base128(out: &mut Vec<u8>, mut value: u64) {
    let mut digits = vec![(value & 0x7f) as u8];
    value >>= 7;
    while value > 0 {
        digits.push(0x80 | (value & 0x7f) as u8);
        value >>= 7;
    }
    digits.reverse();
    out.extend_from_slice(&digits);
}

/// AlgorithmIdentifier; `null_params` for the algorithms whose parameters
/// are an explicit NULL (RSA, SHA digests as most encoders write them).
pub(crate) fn algorithm(dotted: &str, null_params: bool) -> Vec<u8> {
    if null_params {
        seq(&[&oid(dotted), &NULL])
    } else {
        seq(&[&oid(dotted)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oid_encoding_matches_reader() {
        for dotted in [
            "1.2.840.113549.1.7.2",
            "2.16.840.1.113733.1.9.7",
            "2.5.29.19",
        ] {
            let der = oid(dotted);
            let (tlv, _) = ber::parse(&der).unwrap();
            assert_eq!(ber::oid_to_string(tlv.content).unwrap(), dotted);
        }
    }

    #[test]
    fn set_of_sorts_members() {
        let s = set_of(vec![vec![0x04, 0x01, 0x02], vec![0x04, 0x01, 0x01]]);
        assert_eq!(s, vec![0x31, 0x06, 0x04, 0x01, 0x01, 0x04, 0x01, 0x02]);
        assert_eq!(small_integer(200), vec![0x02, 0x02, 0x00, 200]);
    }
}
