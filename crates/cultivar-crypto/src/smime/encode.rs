//! Shaping OpenSSL's DER output like an ABM token: BER with indefinite
//! lengths and a chunked encrypted content, inside an S/MIME entity. The ABM
//! simulator mints tokens with this, so token consumers are tested against
//! the same encoding that Apple sends (DER-only decoders fail on it).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::ber::{self, Tlv, CLASS_CONTEXT, CLASS_UNIVERSAL, TAG_OCTET_STRING, TAG_SEQUENCE};

/// The headers of Apple's token file, byte for byte.
const SMIME_HEADERS: &str =
    "Content-Type: application/pkcs7-mime; name=\"smime.p7m\"; smime-type=enveloped-data\n\
Content-Transfer-Encoding: base64\n\
Content-Disposition: attachment; filename=\"smime.p7m\"\n\
Content-Description: S/MIME Encrypted Message\n\n";

const LINE_WIDTH: usize = 76;
const CHUNK: usize = 1024;

/// Re-encodes a DER ContentInfo{EnvelopedData} the way Apple's token is
/// encoded: ContentInfo, its [0], EnvelopedData and EncryptedContentInfo
/// with indefinite lengths, the encrypted content as OCTET STRING chunks.
pub(crate) fn apple_style_ber(der: &[u8]) -> Result<Vec<u8>, String> {
    let (info, _) = ber::parse(der)?;
    let mut out = Vec::with_capacity(der.len() + 32);
    write_spine(&mut out, info, 0)?;
    Ok(out)
}

fn write_spine(out: &mut Vec<u8>, tlv: Tlv<'_>, depth: usize) -> Result<(), String> {
    let mut inner = Vec::with_capacity(tlv.content.len() + 16);
    for child in tlv.children() {
        let child = child?;
        let on_spine = match depth {
            0 => child.is(CLASS_CONTEXT, 0),
            // EnvelopedData, then EncryptedContentInfo (the only SEQUENCE
            // among EnvelopedData's fields).
            1 | 2 => child.is(CLASS_UNIVERSAL, TAG_SEQUENCE),
            _ => false,
        };
        if on_spine {
            write_spine(&mut inner, child, depth + 1)?;
        } else if depth == 3 && child.is(CLASS_CONTEXT, 0) && !child.constructed {
            write_chunked(&mut inner, child.content);
        } else {
            inner.extend_from_slice(child.raw);
        }
    }
    let identifier = *tlv.raw.first().ok_or("empty element")?;
    ber::write_indefinite(out, identifier, &inner);
    Ok(())
}

/// [0] IMPLICIT OCTET STRING in its constructed, indefinite form.
fn write_chunked(out: &mut Vec<u8>, content: &[u8]) {
    let mut chunks = Vec::with_capacity(content.len() + 16);
    for chunk in content.chunks(CHUNK) {
        ber::write_definite(&mut chunks, TAG_OCTET_STRING as u8, chunk);
    }
    ber::write_indefinite(out, 0x80, &chunks);
}

/// Wraps CMS bytes in the S/MIME entity ABM serves (base64, 76 columns).
pub(crate) fn smime_wrap(cms: &[u8]) -> Vec<u8> {
    let b64 = STANDARD.encode(cms);
    let mut out = String::with_capacity(SMIME_HEADERS.len() + b64.len() * 78 / 76 + 2);
    out.push_str(SMIME_HEADERS);
    for line in b64.as_bytes().chunks(LINE_WIDTH) {
        // base64 output is ASCII, so every chunk is valid UTF-8.
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.into_bytes()
}
