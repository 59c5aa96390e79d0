//! Getting the CMS bytes out of whatever an administrator uploaded: the
//! S/MIME file from ABM, a PEM block, or raw DER/BER.
//!
//! We unwrap MIME ourselves instead of `SMIME_read_CMS` so each way a file
//! can be wrong gets its own message.

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;

use crate::error::CryptoError;

/// Base64 that tolerates missing padding; line breaks are removed first.
const LENIENT_B64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

const PEM_LABELS: [&str; 2] = ["PKCS7", "CMS"];
const MIME_TYPES: [&str; 2] = ["application/pkcs7-mime", "application/x-pkcs7-mime"];

/// Returns the DER/BER bytes of the CMS ContentInfo inside `input`.
pub(crate) fn unwrap(input: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let start = input
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .ok_or(CryptoError::TokenEmpty)?;
    let trimmed = &input[start..];
    if trimmed[0] == 0x30 {
        return Ok(trimmed.to_vec());
    }
    if trimmed.starts_with(b"-----BEGIN ") {
        return unwrap_pem(trimmed);
    }
    unwrap_mime(trimmed)
}

fn unwrap_pem(input: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let text = std::str::from_utf8(input).map_err(|_| not_smime("PEM text is not valid UTF-8"))?;
    let first_line = text.lines().next().unwrap_or_default().trim();
    let label = first_line
        .strip_prefix("-----BEGIN ")
        .and_then(|l| l.strip_suffix("-----"))
        .ok_or_else(|| not_smime("malformed PEM BEGIN line"))?;
    if !PEM_LABELS.contains(&label) {
        return Err(not_smime(&format!(
            "PEM block is labelled {label:?}, expected PKCS7 or CMS"
        )));
    }
    let end_marker = format!("-----END {label}-----");
    let body_start = first_line.len();
    let body_len = text[body_start..]
        .find(&end_marker)
        .ok_or_else(|| corrupt(&format!("PEM block has no {end_marker} line")))?;
    decode_base64(&text[body_start..body_start + body_len])
}

fn unwrap_mime(input: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let (headers, body) = split_headers(input)?;
    let content_type = header(&headers, "content-type")
        .ok_or_else(|| not_smime("no Content-Type header and no PEM or DER content"))?;
    let mut params = content_type.split(';').map(str::trim);
    let media_type = params.next().unwrap_or_default().to_ascii_lowercase();
    if !MIME_TYPES.contains(&media_type.as_str()) {
        return Err(not_smime(&format!("Content-Type is {media_type:?}")));
    }
    for param in params {
        if let Some((name, value)) = param.split_once('=') {
            let value = value.trim().trim_matches('"').to_ascii_lowercase();
            if name.trim().eq_ignore_ascii_case("smime-type") && value != "enveloped-data" {
                return Err(CryptoError::NotEnvelopedData {
                    found: format!("S/MIME smime-type={value}"),
                });
            }
        }
    }
    let encoding = header(&headers, "content-transfer-encoding")
        .unwrap_or("binary")
        .to_ascii_lowercase();
    match encoding.as_str() {
        "base64" => {
            let text = std::str::from_utf8(body)
                .map_err(|_| corrupt("base64 body contains non-text bytes"))?;
            decode_base64(text)
        }
        "binary" | "8bit" => Ok(body.to_vec()),
        other => Err(not_smime(&format!(
            "Content-Transfer-Encoding {other:?} (expected base64)"
        ))),
    }
}

/// Header (lowercased name, value) pairs in file order.
type Headers = Vec<(String, String)>;

/// Splits RFC 822 headers (LF or CRLF, folded lines joined) from the body.
fn split_headers(input: &[u8]) -> Result<(Headers, &[u8]), CryptoError> {
    let mut headers: Headers = Vec::new();
    let mut pos = 0;
    loop {
        let line_end = input[pos..]
            .iter()
            .position(|b| *b == b'\n')
            .map(|i| pos + i)
            .ok_or_else(|| not_smime("MIME headers are not followed by a blank line and a body"))?;
        let raw = &input[pos..line_end];
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        pos = line_end + 1;
        if raw.is_empty() {
            return Ok((headers, &input[pos..]));
        }
        let line = std::str::from_utf8(raw).map_err(|_| not_smime("header line is not text"))?;
        if line.starts_with([' ', '\t']) {
            let (_, value) = headers
                .last_mut()
                .ok_or_else(|| not_smime("file starts with a continuation line"))?;
            value.push(' ');
            value.push_str(line.trim());
            continue;
        }
        let (name, value) = line
            .split_once(':')
            .filter(|(name, _)| is_header_name(name))
            .ok_or_else(|| not_smime("does not start with MIME headers, PEM or DER"))?;
        headers.push((name.to_ascii_lowercase(), value.trim().to_string()));
    }
}

fn is_header_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn decode_base64(text: &str) -> Result<Vec<u8>, CryptoError> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if compact.is_empty() {
        return Err(corrupt("the base64 body is empty"));
    }
    LENIENT_B64
        .decode(compact.as_bytes())
        .map_err(|e| corrupt(&format!("base64 body: {e}")))
}

fn not_smime(reason: &str) -> CryptoError {
    CryptoError::NotSmime {
        reason: reason.to_string(),
    }
}

fn corrupt(reason: &str) -> CryptoError {
    CryptoError::TokenCorrupt {
        reason: reason.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mime_with_folded_header_and_crlf() {
        let input = b"Content-Type: application/pkcs7-mime;\r\n\tsmime-type=enveloped-data\r\nContent-Transfer-Encoding: base64\r\n\r\nMAMCAQA=\r\n";
        assert_eq!(unwrap(input).unwrap(), vec![0x30, 0x03, 0x02, 0x01, 0x00]);
    }

    #[test]
    fn mime_rejects_other_types() {
        let signed = b"Content-Type: application/pkcs7-mime; smime-type=signed-data\n\nMAA=\n";
        assert!(matches!(
            unwrap(signed),
            Err(CryptoError::NotEnvelopedData { .. })
        ));
        let text = b"Content-Type: text/plain\n\nhello\n";
        assert!(matches!(unwrap(text), Err(CryptoError::NotSmime { .. })));
        let qp = b"Content-Type: application/pkcs7-mime\nContent-Transfer-Encoding: quoted-printable\n\nx\n";
        assert!(matches!(unwrap(qp), Err(CryptoError::NotSmime { .. })));
        let no_body = b"Content-Type: application/pkcs7-mime";
        assert!(matches!(unwrap(no_body), Err(CryptoError::NotSmime { .. })));
    }

    #[test]
    fn pem_labels() {
        let pem = b"-----BEGIN PKCS7-----\nMAA=\n-----END PKCS7-----\n";
        assert_eq!(unwrap(pem).unwrap(), vec![0x30, 0x00]);
        let cms = b"-----BEGIN CMS-----\nMAA=\n-----END CMS-----\n";
        assert_eq!(unwrap(cms).unwrap(), vec![0x30, 0x00]);
        let cert = b"-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n";
        assert!(matches!(unwrap(cert), Err(CryptoError::NotSmime { .. })));
        let unterminated = b"-----BEGIN CMS-----\nMAA=\n";
        assert!(matches!(
            unwrap(unterminated),
            Err(CryptoError::TokenCorrupt { .. })
        ));
    }

    #[test]
    fn empty_and_garbage() {
        assert!(matches!(unwrap(b""), Err(CryptoError::TokenEmpty)));
        assert!(matches!(unwrap(b" \r\n"), Err(CryptoError::TokenEmpty)));
        assert!(matches!(
            unwrap(b"hello world\n\n"),
            Err(CryptoError::NotSmime { .. })
        ));
        let bad_b64 =
            b"Content-Type: application/pkcs7-mime\nContent-Transfer-Encoding: base64\n\n!!!!\n";
        assert!(matches!(
            unwrap(bad_b64),
            Err(CryptoError::TokenCorrupt { .. })
        ));
    }
}
