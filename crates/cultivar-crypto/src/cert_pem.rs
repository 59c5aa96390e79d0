//! Normalising a certificate (PEM or DER) to PEM, e.g. to build a TLS identity, or to DER, e.g.
//! for an RFC 9440 `Client-Cert` header.

use crate::error::CryptoError;
use crate::token_pki::load_certificate;

/// The certificate in `input` (PEM or DER) as PEM; `field` names it in errors.
pub fn certificate_to_pem(field: &'static str, input: &[u8]) -> Result<String, CryptoError> {
    let cert = load_certificate(field, input)?;
    let pem = cert
        .to_pem()
        .map_err(CryptoError::openssl("encode certificate"))?;
    Ok(String::from_utf8_lossy(&pem).into_owned())
}

/// The certificate in `input` (PEM or DER) as DER; `field` names it in errors.
pub fn certificate_to_der(field: &'static str, input: &[u8]) -> Result<Vec<u8>, CryptoError> {
    load_certificate(field, input)?
        .to_der()
        .map_err(CryptoError::openssl("encode certificate"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CertificateAuthority;

    #[test]
    fn der_and_pem_give_the_same_pem() {
        let ca = CertificateAuthority::generate("pem test", 1).unwrap();
        let pem = ca.certificate_pem().unwrap();
        let der = ca.certificate_der().unwrap();
        assert_eq!(certificate_to_pem("c", &der).unwrap(), pem);
        assert_eq!(certificate_to_pem("c", pem.as_bytes()).unwrap(), pem);
        assert_eq!(certificate_to_der("c", pem.as_bytes()).unwrap(), der);
        assert_eq!(certificate_to_der("c", &der).unwrap(), der);
        match certificate_to_pem("c", b"junk") {
            Err(CryptoError::InvalidCertificate { field, .. }) => assert_eq!(field, "c"),
            other => panic!("{other:?}"),
        }
    }
}
