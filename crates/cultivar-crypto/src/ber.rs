//! A minimal BER/DER reader and writer.
//!
//! Why hand-written: the `openssl` crate exposes no safe accessor for a CMS
//! message's RecipientInfos or algorithms, and this crate forbids `unsafe`, so
//! we walk the ASN.1 ourselves to say *why* a token cannot be used before
//! handing it to OpenSSL. Apple's tokens use indefinite lengths, which the
//! DER-only crates on crates.io reject.

/// Nesting deeper than this is refused; CMS needs about 12 levels, and a
/// limit keeps a hostile file of nested indefinite lengths off the stack.
const MAX_DEPTH: usize = 32;

pub(crate) const CLASS_UNIVERSAL: u8 = 0;
pub(crate) const CLASS_CONTEXT: u8 = 2;

pub(crate) const TAG_INTEGER: u32 = 2;
pub(crate) const TAG_OCTET_STRING: u32 = 4;
pub(crate) const TAG_OID: u32 = 6;
pub(crate) const TAG_SEQUENCE: u32 = 16;
pub(crate) const TAG_SET: u32 = 17;

/// One parsed tag-length-value element.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tlv<'a> {
    pub class: u8,
    pub constructed: bool,
    pub tag: u32,
    /// The contents octets (for indefinite lengths: the children, no EOC).
    pub content: &'a [u8],
    /// The whole element, header and end-of-contents included.
    pub raw: &'a [u8],
}

impl<'a> Tlv<'a> {
    pub fn is(&self, class: u8, tag: u32) -> bool {
        self.class == class && self.tag == tag
    }

    /// Iterator over the children of a constructed element.
    pub fn children(&self) -> Children<'a> {
        Children { rest: self.content }
    }

    /// The bytes of an OCTET STRING, joining the chunks of a constructed one.
    pub fn octets(&self) -> Result<Vec<u8>, String> {
        if !self.constructed {
            return Ok(self.content.to_vec());
        }
        let mut out = Vec::new();
        for child in self.children() {
            out.extend_from_slice(&child?.octets()?);
        }
        Ok(out)
    }
}

/// Iterates over sibling elements; stops at the first error.
pub(crate) struct Children<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Children<'a> {
    type Item = Result<Tlv<'a>, String>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        match parse(self.rest) {
            Ok((tlv, rest)) => {
                self.rest = rest;
                Some(Ok(tlv))
            }
            Err(e) => {
                self.rest = &[];
                Some(Err(e))
            }
        }
    }
}

/// Parses one element from the front of `input`, returning it and the rest.
pub(crate) fn parse(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), String> {
    parse_at(input, 0)
}

fn parse_at(input: &[u8], depth: usize) -> Result<(Tlv<'_>, &[u8]), String> {
    if depth > MAX_DEPTH {
        return Err(format!("ASN.1 nesting deeper than {MAX_DEPTH} levels"));
    }
    let (class, constructed, tag, id_len) = parse_identifier(input)?;
    let (length, start) = parse_length(input, id_len)?;
    let (content_end, end) = match length {
        Some(len) => {
            let end = start
                .checked_add(len)
                .filter(|end| *end <= input.len())
                .ok_or_else(|| {
                    format!(
                        "ASN.1 element declares {len} bytes but only {} remain (data ends early)",
                        input.len() - start
                    )
                })?;
            (end, end)
        }
        None if !constructed => {
            return Err("ASN.1 indefinite length on a primitive element".into());
        }
        None => {
            let eoc = find_end_of_contents(input, start, depth)?;
            (eoc, eoc + 2)
        }
    };
    let content = &input[start..content_end];
    let tlv = Tlv {
        class,
        constructed,
        tag,
        content,
        raw: &input[..end],
    };
    Ok((tlv, &input[end..]))
}

/// Reads the length octets at `pos`: `None` for indefinite. Also returns
/// where the contents start.
fn parse_length(input: &[u8], pos: usize) -> Result<(Option<usize>, usize), String> {
    let first = *input
        .get(pos)
        .ok_or("ASN.1 length missing (data ends early)")?;
    if first == 0x80 {
        return Ok((None, pos + 1));
    }
    if first < 0x80 {
        return Ok((Some(usize::from(first)), pos + 1));
    }
    let n = usize::from(first & 0x7f);
    if n > 4 {
        return Err(format!("ASN.1 length of {n} octets is not supported"));
    }
    let bytes = input
        .get(pos + 1..pos + 1 + n)
        .ok_or("ASN.1 length truncated")?;
    let len = bytes
        .iter()
        .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
    Ok((Some(len), pos + 1 + n))
}

/// Skips the children of an indefinite-length element starting at `pos`
/// and returns the offset of its end-of-contents octets.
fn find_end_of_contents(input: &[u8], mut pos: usize, depth: usize) -> Result<usize, String> {
    loop {
        let rest = &input[pos..];
        if rest.starts_with(&[0, 0]) {
            return Ok(pos);
        }
        if rest.is_empty() {
            return Err("ASN.1 end-of-contents missing (data ends early)".into());
        }
        let (_, after) = parse_at(rest, depth + 1)?;
        pos = input.len() - after.len();
    }
}

/// Returns (class, constructed, tag number, header bytes consumed).
fn parse_identifier(input: &[u8]) -> Result<(u8, bool, u32, usize), String> {
    let first = *input
        .first()
        .ok_or("ASN.1 element missing (data ends early)")?;
    let class = first >> 6;
    let constructed = first & 0x20 != 0;
    if first & 0x1f != 0x1f {
        return Ok((class, constructed, u32::from(first & 0x1f), 1));
    }
    // High tag number form: base-128 digits, at most 4 of them here.
    let mut tag: u32 = 0;
    for (i, b) in input.iter().enumerate().skip(1).take(4) {
        tag = (tag << 7) | u32::from(b & 0x7f);
        if b & 0x80 == 0 {
            return Ok((class, constructed, tag, i + 1));
        }
    }
    Err("ASN.1 tag number too long or truncated".into())
}

/// Dotted-decimal text of an OBJECT IDENTIFIER's contents.
pub(crate) fn oid_to_string(content: &[u8]) -> Result<String, String> {
    let mut arcs: Vec<u64> = Vec::new();
    let mut value: u64 = 0;
    for (i, b) in content.iter().enumerate() {
        if value > (u64::MAX >> 7) {
            return Err("OBJECT IDENTIFIER arc too large".into());
        }
        value = (value << 7) | u64::from(b & 0x7f);
        if b & 0x80 != 0 {
            if i + 1 == content.len() {
                return Err("OBJECT IDENTIFIER truncated".into());
            }
            continue;
        }
        if arcs.is_empty() {
            let first = (value / 40).min(2);
            arcs.push(first);
            arcs.push(value - first * 40);
        } else {
            arcs.push(value);
        }
        value = 0;
    }
    if arcs.is_empty() {
        return Err("empty OBJECT IDENTIFIER".into());
    }
    Ok(arcs
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join("."))
}

/// Two's-complement INTEGER contents without redundant leading octets, so
/// that differently padded encodings of one number compare equal.
pub(crate) fn minimal_integer(content: &[u8]) -> &[u8] {
    let mut s = content;
    while s.len() > 1 {
        let redundant = (s[0] == 0x00 && s[1] & 0x80 == 0) || (s[0] == 0xff && s[1] & 0x80 != 0);
        if !redundant {
            break;
        }
        s = &s[1..];
    }
    s
}

/// Writes a definite-length header and the contents.
pub(crate) fn write_definite(out: &mut Vec<u8>, identifier: u8, content: &[u8]) {
    out.push(identifier);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend_from_slice(&bytes);
    }
    out.extend_from_slice(content);
}

/// Writes a constructed element with indefinite length around `content`.
pub(crate) fn write_indefinite(out: &mut Vec<u8>, identifier: u8, content: &[u8]) {
    out.push(identifier | 0x20);
    out.push(0x80);
    out.extend_from_slice(content);
    out.extend_from_slice(&[0, 0]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_definite_and_indefinite() {
        // SEQUENCE(indef) { INTEGER 5, OCTET STRING(constructed, indef) { "ab", "c" } }
        let data = [
            0x30, 0x80, 0x02, 0x01, 0x05, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x04, 0x01, b'c', 0,
            0, 0, 0, 0xff,
        ];
        let (seq, rest) = parse(&data).unwrap();
        assert_eq!(rest, &[0xff]);
        assert!(seq.is(CLASS_UNIVERSAL, TAG_SEQUENCE) && seq.constructed);
        let kids: Vec<_> = seq.children().collect::<Result<_, _>>().unwrap();
        assert_eq!(kids.len(), 2);
        assert_eq!(kids[0].content, &[5]);
        assert_eq!(kids[1].octets().unwrap(), b"abc");
        assert_eq!(seq.raw.len(), data.len() - 1);
    }

    #[test]
    fn rejects_truncation_and_bad_forms() {
        assert!(parse(&[0x30, 0x05, 0x02, 0x01])
            .unwrap_err()
            .contains("ends early"));
        assert!(parse(&[0x30, 0x80, 0x02, 0x01, 0x05]).is_err());
        assert!(parse(&[0x04, 0x80, 0, 0])
            .unwrap_err()
            .contains("primitive"));
        assert!(parse(&[]).is_err());
        let mut deep = Vec::new();
        for _ in 0..40 {
            deep.extend_from_slice(&[0x30, 0x80]);
        }
        assert!(parse(&deep).unwrap_err().contains("nesting"));
    }

    #[test]
    fn high_tag_numbers() {
        let (tlv, _) = parse(&[0x9f, 0x81, 0x00, 0x01, 0x07]).unwrap();
        assert_eq!(
            (tlv.class, tlv.tag, tlv.content),
            (CLASS_CONTEXT, 128, &[7u8][..])
        );
    }

    #[test]
    fn oid_text() {
        let env = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03];
        assert_eq!(oid_to_string(&env).unwrap(), "1.2.840.113549.1.7.3");
        assert!(oid_to_string(&[0x86]).is_err());
        assert!(oid_to_string(&[]).is_err());
    }

    #[test]
    fn integers_normalise() {
        assert_eq!(minimal_integer(&[0x00, 0x00, 0x7f]), &[0x7f]);
        assert_eq!(minimal_integer(&[0x00, 0x80]), &[0x00, 0x80]);
        assert_eq!(minimal_integer(&[0xff, 0xff, 0x83]), &[0x83]);
        assert_eq!(minimal_integer(&[0xff, 0x7f]), &[0xff, 0x7f]);
        assert_eq!(minimal_integer(&[0x00]), &[0x00]);
    }

    #[test]
    fn writers_round_trip() {
        let mut inner = Vec::new();
        write_definite(&mut inner, 0x04, &[7u8; 300]);
        let mut out = Vec::new();
        write_indefinite(&mut out, 0x30, &inner);
        let (seq, rest) = parse(&out).unwrap();
        assert!(rest.is_empty());
        let child = seq.children().next().unwrap().unwrap();
        assert_eq!(child.content.len(), 300);
    }
}
