//! The device's SCEP client (RFC 8894), as an iPhone runs a profile's SCEP payload:
//! `GetCACaps`, `GetCACert`, then `PKIOperation` with a PKCSReq signed by a transient
//! self-signed certificate, sent by `POST` when the CA advertises `POSTPKIOperation` or
//! `SCEPStandard` (falling back to `GET` when the POST is refused), else by `GET`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use cultivar_crypto::device_keys::{
    build_csr_for_key, generate_device_key, scep_recipient_certificate, self_signed_certificate,
};
use cultivar_crypto::{build_pkcs_req, decode_cert_rep, ContentCipher};

use crate::checkin::Identity;
use crate::error::SimError;
use crate::profile::ScepPayload;

const CA_CERT: &str = "application/x-x509-ca-cert";
const CA_RA_CERT: &str = "application/x-x509-ca-ra-cert";

/// What SCEP enrollment produced.
#[derive(Debug, Clone)]
pub struct ScepEnrollment {
    /// The device identity: the generated key and the issued certificate (DER).
    pub identity: Identity,
    /// The CA (or RA) certificate the request was encrypted to (DER).
    pub ca_certificate_der: Vec<u8>,
    /// `GetCACaps`, one capability per entry.
    pub caps: Vec<String>,
    /// Whether `PKIOperation` went by POST.
    pub used_post: bool,
}

/// Runs SCEP enrollment for `payload` over `http`.
pub async fn enroll(
    http: &reqwest::Client,
    payload: &ScepPayload,
) -> Result<ScepEnrollment, SimError> {
    let caps = get_ca_caps(http, payload).await?;
    let ca_der = get_ca_cert(http, payload).await?;
    let key_pem = generate_device_key(payload.keysize).map_err(SimError::crypto("SCEP key"))?;
    let transient = self_signed_certificate(key_pem.as_bytes(), "SCEP Transient", 1)
        .map_err(SimError::crypto("SCEP transient certificate"))?;
    let csr = build_csr_for_key(
        key_pem.as_bytes(),
        &payload.subject,
        payload.challenge.as_deref(),
    )
    .map_err(SimError::crypto("SCEP CSR"))?;
    let has = |cap: &str| caps.iter().any(|c| c.eq_ignore_ascii_case(cap));
    // Devices pick AES when offered; 3DES is the RFC 8894 baseline otherwise.
    let cipher = if has("AES") {
        ContentCipher::Aes128Cbc
    } else {
        ContentCipher::Des3Cbc
    };
    let transaction_id = hex::encode(cultivar_crypto::sha256(&csr));
    let (request, nonce) = build_pkcs_req(
        &csr,
        key_pem.as_bytes(),
        transient.as_bytes(),
        &ca_der,
        cipher,
        &transaction_id,
    )
    .map_err(SimError::crypto("SCEP PKCSReq"))?;
    let post = has("POSTPKIOperation") || has("SCEPStandard");
    let (reply, used_post) = pki_operation(http, &payload.url, &request, post).await?;
    let rep = decode_cert_rep(&reply, key_pem.as_bytes(), &ca_der)
        .map_err(SimError::crypto("SCEP CertRep"))?;
    if rep.recipient_nonce != nonce || rep.transaction_id != transaction_id {
        return Err(SimError::Protocol {
            step: "SCEP CertRep",
            reason: "recipientNonce or transactionID does not match the request".into(),
        });
    }
    Ok(ScepEnrollment {
        identity: Identity {
            key_pem: key_pem.into_bytes(),
            cert_pem: rep.certificate_der,
        },
        ca_certificate_der: ca_der,
        caps,
        used_post,
    })
}

fn with_query(base: &str, pairs: &[(&str, &str)]) -> Result<String, SimError> {
    let mut url = url::Url::parse(base).map_err(|e| SimError::Invalid {
        field: "SCEP URL",
        reason: format!("{base:?} is not a URL ({e})"),
    })?;
    url.query_pairs_mut().extend_pairs(pairs);
    Ok(url.into())
}

async fn get(
    http: &reqwest::Client,
    step: &'static str,
    url: &str,
) -> Result<(String, Vec<u8>), SimError> {
    let response = http
        .get(url)
        .send()
        .await
        .map_err(SimError::http(step, url))?;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let body = response
        .bytes()
        .await
        .map_err(SimError::http(step, url))?
        .to_vec();
    if status != 200 {
        return Err(SimError::Status {
            step,
            url: url.to_string(),
            status,
            body: String::from_utf8_lossy(&body).chars().take(300).collect(),
        });
    }
    Ok((content_type, body))
}

fn message(payload: &ScepPayload) -> &str {
    payload.name.as_deref().unwrap_or("")
}

async fn get_ca_caps(
    http: &reqwest::Client,
    payload: &ScepPayload,
) -> Result<Vec<String>, SimError> {
    let url = with_query(
        &payload.url,
        &[("operation", "GetCACaps"), ("message", message(payload))],
    )?;
    let (_, body) = get(http, "SCEP GetCACaps", &url).await?;
    Ok(String::from_utf8_lossy(&body)
        .split_whitespace()
        .map(str::to_string)
        .collect())
}

async fn get_ca_cert(http: &reqwest::Client, payload: &ScepPayload) -> Result<Vec<u8>, SimError> {
    let url = with_query(
        &payload.url,
        &[("operation", "GetCACert"), ("message", message(payload))],
    )?;
    let (content_type, body) = get(http, "SCEP GetCACert", &url).await?;
    let chain = if content_type.starts_with(CA_RA_CERT) {
        true
    } else if content_type.starts_with(CA_CERT) {
        false
    } else {
        return Err(SimError::Protocol {
            step: "SCEP GetCACert",
            reason: format!("Content-Type {content_type:?} is neither {CA_CERT} nor {CA_RA_CERT}"),
        });
    };
    scep_recipient_certificate(&body, chain).map_err(SimError::crypto("SCEP GetCACert"))
}

/// Sends the pkiMessage; returns the CertRep bytes and whether POST was used.
async fn pki_operation(
    http: &reqwest::Client,
    base: &str,
    request: &[u8],
    post: bool,
) -> Result<(Vec<u8>, bool), SimError> {
    let step = "SCEP PKIOperation";
    if post {
        let url = with_query(base, &[("operation", "PKIOperation")])?;
        let response = http
            .post(&url)
            .header(reqwest::header::CONTENT_TYPE, "application/x-pki-message")
            .body(request.to_vec())
            .send()
            .await
            .map_err(SimError::http(step, &url))?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(SimError::http(step, &url))?;
        match status {
            200 => return Ok((body.to_vec(), true)),
            // The CA does not take POST after all: RFC 8894's GET form still works.
            404 | 405 | 501 => {}
            _ => {
                return Err(SimError::Status {
                    step,
                    url,
                    status,
                    body: String::from_utf8_lossy(&body).chars().take(300).collect(),
                })
            }
        }
    }
    let encoded = STANDARD.encode(request);
    let url = with_query(
        base,
        &[("operation", "PKIOperation"), ("message", &encoded)],
    )?;
    let (_, body) = get(http, step, &url).await?;
    Ok((body, false))
}
