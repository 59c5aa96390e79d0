//! OAuth 1.0a (RFC 5849) HMAC-SHA1 signatures for `GET /session`.
//!
//! Apple signs only the `oauth_*` protocol parameters (there is no query or body), puts the result in
//! an `Authorization: OAuth realm="ADM", …` header, and leaves `realm` out of the signature.

use crate::error::ProtoError;
use base64::Engine;
use hmac::{Hmac, Mac};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha1::Sha1;
use std::collections::BTreeMap;

/// RFC 5849 §3.6: everything but ALPHA, DIGIT, `-`, `.`, `_`, `~` is encoded.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The four secrets of a server token, as OAuth sees them.
#[derive(Clone, Copy)]
pub struct Credentials<'a> {
    pub consumer_key: &'a str,
    pub consumer_secret: &'a str,
    pub token: &'a str,
    pub token_secret: &'a str,
}

/// Percent-encodes per RFC 5849 §3.6.
pub fn encode(s: &str) -> String {
    utf8_percent_encode(s, UNRESERVED).to_string()
}

/// The base string URI of RFC 5849 §3.4.1.2: lower-case scheme and host, default port dropped,
/// query and fragment removed.
pub fn base_string_uri(url: &str) -> Result<String, ProtoError> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| ProtoError::OAuth(format!("url {url:?} has no scheme")))?;
    let scheme = scheme.to_ascii_lowercase();
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let path = path.split(['?', '#']).next().unwrap_or("/");
    let authority = authority.to_ascii_lowercase();
    let host = match (scheme.as_str(), authority.rsplit_once(':')) {
        ("http", Some((h, "80"))) | ("https", Some((h, "443"))) => h.to_string(),
        _ => authority,
    };
    if host.is_empty() {
        return Err(ProtoError::OAuth(format!("url {url:?} has no host")));
    }
    Ok(format!("{scheme}://{host}{path}"))
}

/// The signature base string of RFC 5849 §3.4.1 from already-decoded parameters.
pub fn signature_base_string(method: &str, base_uri: &str, params: &[(String, String)]) -> String {
    let mut encoded: Vec<(String, String)> =
        params.iter().map(|(k, v)| (encode(k), encode(v))).collect();
    encoded.sort();
    let normalized = encoded
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        encode(base_uri),
        encode(&normalized)
    )
}

fn mac(consumer_secret: &str, token_secret: &str) -> Hmac<Sha1> {
    let key = format!("{}&{}", encode(consumer_secret), encode(token_secret));
    // HMAC accepts keys of any length, so this cannot fail.
    <Hmac<Sha1> as Mac>::new_from_slice(key.as_bytes()).unwrap_or_else(|_| unreachable!())
}

/// HMAC-SHA1 signature (base64) of a base string.
pub fn sign(base_string: &str, consumer_secret: &str, token_secret: &str) -> String {
    let mut m = mac(consumer_secret, token_secret);
    m.update(base_string.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(m.finalize().into_bytes())
}

/// Builds the `Authorization` header for a request (Apple's form, with `realm="ADM"`).
pub fn authorization_header(
    method: &str,
    url: &str,
    creds: Credentials<'_>,
    timestamp: u64,
    nonce: &str,
) -> Result<String, ProtoError> {
    let mut params = vec![
        (
            "oauth_consumer_key".to_string(),
            creds.consumer_key.to_string(),
        ),
        ("oauth_nonce".to_string(), nonce.to_string()),
        (
            "oauth_signature_method".to_string(),
            "HMAC-SHA1".to_string(),
        ),
        ("oauth_timestamp".to_string(), timestamp.to_string()),
        ("oauth_token".to_string(), creds.token.to_string()),
        ("oauth_version".to_string(), "1.0".to_string()),
    ];
    let base = signature_base_string(method, &base_string_uri(url)?, &params);
    let signature = sign(&base, creds.consumer_secret, creds.token_secret);
    params.push(("oauth_signature".to_string(), signature));
    let fields: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", encode(v)))
        .collect();
    Ok(format!("OAuth realm=\"ADM\", {}", fields.join(", ")))
}

/// A parsed `Authorization: OAuth …` header: decoded parameters, `realm` kept apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedHeader {
    pub realm: Option<String>,
    pub params: BTreeMap<String, String>,
}

impl ParsedHeader {
    /// A required parameter, or an error naming it.
    pub fn get(&self, name: &str) -> Result<&str, ProtoError> {
        self.params
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| ProtoError::OAuth(format!("missing parameter {name}")))
    }
}

/// Parses an `OAuth k="v", …` header. Duplicate parameters are an error (RFC 5849 §3.5.1).
pub fn parse_authorization_header(value: &str) -> Result<ParsedHeader, ProtoError> {
    let rest = value
        .trim()
        .strip_prefix("OAuth ")
        .ok_or_else(|| ProtoError::OAuth("scheme must be OAuth".into()))?;
    let mut realm = None;
    let mut params = BTreeMap::new();
    for part in rest.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) = part
            .split_once('=')
            .ok_or_else(|| ProtoError::OAuth(format!("parameter {part:?} has no value")))?;
        let v = v
            .trim()
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .ok_or_else(|| ProtoError::OAuth(format!("value of {k} must be quoted")))?;
        let v = percent_encoding::percent_decode_str(v)
            .decode_utf8()
            .map_err(|_| ProtoError::OAuth(format!("value of {k} is not UTF-8")))?
            .into_owned();
        if k == "realm" {
            realm = Some(v);
        } else if params.insert(k.to_string(), v).is_some() {
            return Err(ProtoError::OAuth(format!("parameter {k} appears twice")));
        }
    }
    Ok(ParsedHeader { realm, params })
}

/// Checks the signature of a parsed header in constant time. `realm` and `oauth_signature` are
/// excluded from the base string, as RFC 5849 requires.
pub fn verify(
    method: &str,
    url: &str,
    header: &ParsedHeader,
    consumer_secret: &str,
    token_secret: &str,
) -> Result<bool, ProtoError> {
    if header.get("oauth_signature_method")? != "HMAC-SHA1" {
        return Err(ProtoError::OAuth(
            "oauth_signature_method must be HMAC-SHA1".into(),
        ));
    }
    let presented = base64::engine::general_purpose::STANDARD
        .decode(header.get("oauth_signature")?)
        .map_err(|_| ProtoError::OAuth("oauth_signature is not base64".into()))?;
    let params: Vec<(String, String)> = header
        .params
        .iter()
        .filter(|(k, _)| k.as_str() != "oauth_signature")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let base = signature_base_string(method, &base_string_uri(url)?, &params);
    let mut m = mac(consumer_secret, token_secret);
    m.update(base.as_bytes());
    Ok(m.verify_slice(&presented).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(k: &str, v: &str) -> (String, String) {
        (k.to_string(), v.to_string())
    }

    /// RFC 5849 §3.4.1.1: the worked base string, with query and body parameters.
    #[test]
    fn rfc5849_base_string() {
        let params = vec![
            p("b5", "=%3D"),
            p("a3", "a"),
            p("c@", ""),
            p("a2", "r b"),
            p("oauth_consumer_key", "9djdj82h48djs9d2"),
            p("oauth_token", "kkk9d7dh3k39sjv7"),
            p("oauth_signature_method", "HMAC-SHA1"),
            p("oauth_timestamp", "137131201"),
            p("oauth_nonce", "7d8f3e4a"),
            p("c2", ""),
            p("a3", "2 q"),
        ];
        let uri = base_string_uri("http://EXAMPLE.COM:80/request?b5=%3D%253D").expect("uri");
        assert_eq!(uri, "http://example.com/request");
        let expected = "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q\
            %26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9dj\
            dj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1\
            %26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7";
        assert_eq!(signature_base_string("post", &uri, &params), expected);
    }

    /// RFC 5849 §1.2: the worked HMAC-SHA1 signature of the photos example.
    #[test]
    fn rfc5849_signature() {
        let params = vec![
            p("file", "vacation.jpg"),
            p("size", "original"),
            p("oauth_consumer_key", "dpf43f3p2l4k3l03"),
            p("oauth_token", "nnch734d00sl2jdk"),
            p("oauth_signature_method", "HMAC-SHA1"),
            p("oauth_timestamp", "137131202"),
            p("oauth_nonce", "chapoH"),
        ];
        let uri = base_string_uri("http://photos.example.net/photos").expect("uri");
        let base = signature_base_string("GET", &uri, &params);
        let sig = sign(&base, "kd94hf93k423kf44", "pfkkdhi9sl3r4s00");
        assert_eq!(encode(&sig), "MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D");
    }

    #[test]
    fn header_round_trip_verifies_and_detects_tampering() {
        let creds = Credentials {
            consumer_key: "CK_1",
            consumer_secret: "CS_1",
            token: "AT_1",
            token_secret: "AS_1",
        };
        let url = "http://127.0.0.1:4000/session";
        let h = authorization_header("GET", url, creds, 1_700_000_000, "n0nce").expect("sign");
        assert!(h.starts_with("OAuth realm=\"ADM\", oauth_consumer_key=\"CK_1\""));
        let parsed = parse_authorization_header(&h).expect("parse");
        assert_eq!(parsed.realm.as_deref(), Some("ADM"));
        assert!(verify("GET", url, &parsed, "CS_1", "AS_1").expect("verify"));
        assert!(!verify("GET", url, &parsed, "CS_1", "wrong").expect("verify"));
        assert!(!verify(
            "GET",
            "http://127.0.0.1:4000/account",
            &parsed,
            "CS_1",
            "AS_1"
        )
        .expect("verify"));
    }

    #[test]
    fn parse_rejects_malformed_headers() {
        assert!(parse_authorization_header("Bearer x").is_err());
        assert!(parse_authorization_header("OAuth a=unquoted").is_err());
        let dup = parse_authorization_header("OAuth a=\"1\", a=\"2\"").expect_err("dup");
        assert!(dup.to_string().contains("twice"));
    }
}
