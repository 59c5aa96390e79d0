//! The stand-in's TLS: a self-signed server certificate, ALPN h2 only, and
//! client certificates required and verified against the configured CA(s).

use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};

use super::StandInError;

fn tls(reason: String) -> StandInError {
    StandInError::Tls { reason }
}

/// Builds the server config from our identity (PEM) and the client CA(s).
pub(super) fn server_config(
    cert_pem: &str,
    key_pem: &str,
    client_ca_pem: &str,
) -> Result<ServerConfig, StandInError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    for ca in CertificateDer::pem_slice_iter(client_ca_pem.as_bytes()) {
        let ca = ca.map_err(|e| tls(format!("client_ca_pem: not PEM certificates ({e})")))?;
        roots
            .add(ca)
            .map_err(|e| tls(format!("client_ca_pem: unusable CA certificate ({e})")))?;
    }
    if roots.is_empty() {
        return Err(tls("client_ca_pem: no CA certificate found".into()));
    }
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| tls(format!("client_ca_pem: {e}")))?;
    let chain = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| tls(format!("server certificate: {e}")))?;
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes())
        .map_err(|e| tls(format!("server key: {e}")))?;
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls(format!("protocol versions: {e}")))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .map_err(|e| tls(format!("server identity: {e}")))?;
    // APNs speaks HTTP/2 only.
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(config)
}
