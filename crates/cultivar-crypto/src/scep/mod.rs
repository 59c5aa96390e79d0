//! SCEP (RFC 8894): the CA's side of `PKIOperation` (decoding PKCSReq and
//! RenewalReq, answering with CertRep) and, for the device simulator and
//! tests, the client's side.
//!
//! A pkiMessage is a CMS SignedData whose signed attributes carry the SCEP
//! fields and whose content is a CMS EnvelopedData for the other party.
//! OpenSSL signs, verifies, encrypts and decrypts; the attributes are read
//! and written by hand (`attrs`) because the `openssl` crate cannot.

mod attrs;
mod client;
mod csr;
mod des_envelope;
mod server;

pub use client::{build_pkcs_req, decode_cert_rep, CertRep};
pub use csr::build_csr;
pub use server::{decode_pki_message, encode_cert_rep, encode_cert_rep_failure};

use crate::smime::ContentCipher;

/// What `GetCACaps` answers (RFC 8894 3.5.2). No `Renewal`: a `RenewalReq`
/// decodes but is answered FAILURE badRequest, since Apple devices renew their
/// identity by reinstalling the enrollment profile, not by SCEP renewal.
pub fn ca_caps() -> &'static str {
    "AES\nPOSTPKIOperation\nSHA-256\nSHA-1\nDES3\nSCEPStandard\n"
}

/// The messageType attribute (RFC 8894 3.2.1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageType {
    CertRep,
    RenewalReq,
    PkcsReq,
    CertPoll,
    GetCert,
    GetCrl,
}

impl MessageType {
    pub fn code(self) -> u8 {
        match self {
            MessageType::CertRep => 3,
            MessageType::RenewalReq => 17,
            MessageType::PkcsReq => 19,
            MessageType::CertPoll => 20,
            MessageType::GetCert => 21,
            MessageType::GetCrl => 22,
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Some(match code {
            "3" => MessageType::CertRep,
            "17" => MessageType::RenewalReq,
            "19" => MessageType::PkcsReq,
            "20" => MessageType::CertPoll,
            "21" => MessageType::GetCert,
            "22" => MessageType::GetCrl,
            _ => return None,
        })
    }
}

/// The failInfo attribute of a FAILURE CertRep (RFC 8894 3.2.1.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailInfo {
    BadAlg,
    BadMessageCheck,
    BadRequest,
    BadTime,
    BadCertId,
}

impl FailInfo {
    pub fn code(self) -> u8 {
        match self {
            FailInfo::BadAlg => 0,
            FailInfo::BadMessageCheck => 1,
            FailInfo::BadRequest => 2,
            FailInfo::BadTime => 3,
            FailInfo::BadCertId => 4,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            FailInfo::BadAlg => "badAlg",
            FailInfo::BadMessageCheck => "badMessageCheck",
            FailInfo::BadRequest => "badRequest",
            FailInfo::BadTime => "badTime",
            FailInfo::BadCertId => "badCertID",
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        [
            FailInfo::BadAlg,
            FailInfo::BadMessageCheck,
            FailInfo::BadRequest,
            FailInfo::BadTime,
            FailInfo::BadCertId,
        ]
        .into_iter()
        .find(|f| f.code().to_string() == code)
    }
}

/// A decoded, signature-checked and decrypted SCEP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PkiRequest {
    pub message_type: MessageType,
    pub transaction_id: String,
    pub sender_nonce: Vec<u8>,
    /// The certificate that signed the request: self-signed for PKCSReq,
    /// the current identity for RenewalReq. CertRep is encrypted to it.
    pub signer_cert_der: Vec<u8>,
    /// The DER CSR for PKCSReq/RenewalReq (self-signature verified); empty
    /// for the other message types, whose content is not a CSR.
    pub csr_der: Vec<u8>,
    /// From the CSR's challengePassword attribute.
    pub challenge_password: Option<String>,
    /// The cipher the CertRep is encrypted with: the client's own, except
    /// 3DES for a single-DES request (see `des_envelope`).
    pub content_cipher: ContentCipher,
}
