//! Serving HTTPS directly (`--tls-cert`/`--tls-key`) with rustls.
//!
//! The files are read and checked once at start, so a wrong path or a key that does not match the
//! certificate stops `serve` with an error naming the flag instead of failing every handshake.
//! Handshakes run in their own tasks: a slow or silent client cannot hold up the accept loop.

use std::{net::SocketAddr, path::Path, sync::Arc, time::Duration};

use rustls::pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::mpsc,
    task::{JoinHandle, JoinSet},
};
use tokio_rustls::{server::TlsStream, TlsAcceptor};

use crate::{config::Config, ServerError};

/// A client that has not finished its handshake by then is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Finished handshakes waiting for the server to pick them up.
const READY_QUEUE: usize = 64;

fn tls_error(flag: &str, file: &Path, rule: impl std::fmt::Display) -> ServerError {
    ServerError::Tls {
        what: format!("{flag} {}", file.display()),
        rule: rule.to_string(),
    }
}

/// The acceptor for `config`'s certificate and key, or `None` when TLS is off.
pub(crate) fn load(config: &Config) -> Result<Option<TlsAcceptor>, ServerError> {
    let (Some(cert_file), Some(key_file)) = (&config.tls_cert, &config.tls_key) else {
        return Ok(None);
    };
    let read = |flag: &str, file: &Path| {
        std::fs::read(file).map_err(|e| tls_error(flag, file, format!("cannot be read ({e})")))
    };
    let cert_pem = read("--tls-cert", cert_file)?;
    let key_pem = read("--tls-key", key_file)?;
    let chain = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| tls_error("--tls-cert", cert_file, format!("not PEM ({e})")))?;
    if chain.is_empty() {
        return Err(tls_error(
            "--tls-cert",
            cert_file,
            "holds no PEM CERTIFICATE block",
        ));
    }
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| {
        tls_error(
            "--tls-key",
            key_file,
            format!("holds no usable PEM private key ({e})"),
        )
    })?;
    // rustls only compares the key with the certificate if the provider can; openssl tells us
    // plainly, and names the pair.
    cultivar_crypto::check_key_matches_certificate(&key_pem, &cert_pem).map_err(|e| {
        tls_error(
            "--tls-key",
            key_file,
            format!("does not match the certificate in --tls-cert ({e})"),
        )
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut server = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error("--tls-cert", cert_file, e))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| {
            tls_error(
                "--tls-key",
                key_file,
                format!("unusable with --tls-cert ({e})"),
            )
        })?;
    // axum::serve is built with HTTP/1 only here.
    server.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Some(TlsAcceptor::from(Arc::new(server))))
}

/// An [`axum::serve::Listener`] handing out connections whose TLS handshake has finished.
pub(crate) struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local_addr: SocketAddr,
    accept_task: JoinHandle<()>,
}

impl TlsListener {
    pub(crate) fn new(listener: TcpListener, acceptor: TlsAcceptor) -> std::io::Result<Self> {
        let local_addr = listener.local_addr()?;
        let (tx, ready) = mpsc::channel(READY_QUEUE);
        let accept_task = tokio::spawn(accept_loop(listener, acceptor, tx));
        Ok(TlsListener {
            ready,
            local_addr,
            accept_task,
        })
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        // Graceful shutdown drops the listener: stop taking new connections (and aborting the
        // loop drops its JoinSet, which abandons handshakes still in progress).
        self.accept_task.abort();
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(conn) => conn,
            // The accept loop only ends when aborted, which happens in our own Drop.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local_addr)
    }
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    ready: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
) {
    let mut handshakes = JoinSet::new();
    loop {
        while handshakes.try_join_next().is_some() {}
        let (tcp, peer) = match listener.accept().await {
            Ok(conn) => conn,
            Err(e) => {
                // Like axum's own TCP listener: out of file descriptors and the like pass, so
                // back off briefly instead of spinning.
                tracing::warn!(cause = %e, "accepting a connection failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let acceptor = acceptor.clone();
        let ready = ready.clone();
        handshakes.spawn(async move {
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(tls)) => {
                    let _ = ready.send((tls, peer)).await;
                }
                Ok(Err(e)) => tracing::debug!(%peer, cause = %e, "TLS handshake failed"),
                Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
            }
        });
    }
}
