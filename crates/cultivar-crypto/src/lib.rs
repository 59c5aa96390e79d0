//! cultivar-crypto: all CMS/PKCS#7, X.509, RSA and symmetric crypto of
//! cultivar, on OpenSSL (vendored).
//!
//! - [`token_pki`]: the key pair and self-signed certificate uploaded to Apple
//!   Business Manager, and certificate inspection.
//! - [`smime`]: decrypting (and, for the simulator, minting) ABM server
//!   tokens: S/MIME CMS EnvelopedData, BER with indefinite lengths.
//! - [`ca`]: the SCEP certificate authority that issues device identities.
//! - [`mdm_signature`]: the `Mdm-Signature` header (detached CMS).
//! - [`machine_info`]: CMS-signed MachineInfo from ADE devices.
//! - [`profile_signing`]: signed `.mobileconfig` profiles.
//! - [`push_cert`]: the APNs MDM push certificate (key, CSR, topic).
//! - [`tls_server`]: self-signed TLS server identities for local stand-ins.
//! - [`scep`]: SCEP (RFC 8894) PKIOperation, server and client side.
//! - [`device_keys`]: a simulated device's key, SCEP CSR and signed-profile reading.
//! - [`secretbox`]: AES-256-GCM for secrets stored in the database.
//! - [`random`] and [`digest`]: CSPRNG bytes/tokens, SHA-256, HMAC-SHA256.
//!
//! OpenSSL rather than RustCrypto because RustCrypto's RSA has an open
//! timing-attack advisory and SCEP will later decrypt attacker-supplied data.
//! Hand-written parts: a small BER reader (`ber`), because the `openssl` crate
//! offers no safe access to a CMS message's recipients and algorithms, which
//! we check to give precise errors; and CMS SignedData assembly (`cms`),
//! because its `CmsContentInfo::sign` cannot choose SHA-1 nor add signed
//! attributes, which device signatures and SCEP (RFC 8894) need. OpenSSL
//! still does every signature, verification, encryption and decryption.
#![forbid(unsafe_code)]
// Tests may unwrap; library code may not (workspace lint).
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod ber;
pub mod ca;
pub mod cert_pem;
mod cms;
pub mod device_keys;
pub mod digest;
pub mod error;
pub mod machine_info;
pub mod mdm_signature;
pub mod profile_signing;
pub mod push_cert;
pub mod random;
pub mod scep;
pub mod secretbox;
pub mod smime;
pub mod tls_server;
pub mod token_pki;

pub use ca::{CertificateAuthority, IssuedCertificate};
pub use cert_pem::{certificate_to_der, certificate_to_pem};
pub use cms::SignatureDigest;
pub use digest::{hmac_sha256, sha256};
pub use error::CryptoError;
pub use machine_info::{sign_machine_info, verify_signed_machine_info};
pub use mdm_signature::{sign_detached, verify_issued_by, verify_mdm_signature, VerifiedSigner};
pub use profile_signing::{sign_profile, verify_signed_profile};
pub use push_cert::{generate_push_csr, push_certificate_info, PushCertInfo, PushCsr};
pub use random::{random_bytes, random_token, try_random_bytes};
pub use scep::{
    build_csr, build_pkcs_req, ca_caps, decode_cert_rep, decode_pki_message, encode_cert_rep,
    encode_cert_rep_failure, CertRep, FailInfo, MessageType, PkiRequest,
};
pub use secretbox::{open, seal, SecretKey};
pub use smime::{decrypt_server_token, encrypt_server_token, ContentCipher};
pub use tls_server::generate_tls_server_identity;
pub use token_pki::{
    certificate_info, check_key_matches_certificate, generate_token_keypair, CertificateInfo,
    KeyPair,
};
