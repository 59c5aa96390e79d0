//! A local APNs stand-in for tests and the simulators.
//!
//! HTTP/2 over TLS on a listener the caller binds (127.0.0.1:0 in tests),
//! with a self-signed server certificate from `cultivar-crypto` and client
//! certificates required and verified against the configured CA. Like APNs
//! it checks that `apns-topic` is the client certificate's UID topic, that
//! the path token is hex and that the body is exactly `{"mdm":"<magic>"}`.
//! Every accepted push is recorded; tokens can be told to fail.

mod feed;
mod handler;
mod tls;

pub use feed::FEED_PATH;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, watch};
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;

/// Why the stand-in could not start.
#[derive(Debug, thiserror::Error)]
pub enum StandInError {
    #[error("apns stand-in TLS: {reason}")]
    Tls { reason: String },
    #[error("apns stand-in: {0}")]
    Crypto(#[from] cultivar_crypto::CryptoError),
    #[error("apns stand-in listener: {0}")]
    Io(#[from] std::io::Error),
}

/// A push the stand-in accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedPush {
    /// As in the path (hex).
    pub device_token: String,
    pub topic: String,
    pub push_magic: String,
    /// The exact request body.
    pub body: Vec<u8>,
    pub received_at: SystemTime,
}

/// How the stand-in answers pushes to a token told to fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// 410 `Unregistered` (permanent).
    Unregistered,
    /// 400 `BadDeviceToken` (permanent).
    BadDeviceToken,
    /// 503 `ServiceUnavailable` (transient).
    ServiceUnavailable,
    /// 429 `TooManyRequests` with `Retry-After` (transient).
    TooManyRequests { retry_after_secs: u64 },
}

struct State {
    pushes: Mutex<Vec<RecordedPush>>,
    count: watch::Sender<usize>,
    events: broadcast::Sender<RecordedPush>,
    /// Token (lowercase) → failure and how many more times (None: always).
    failures: Mutex<HashMap<String, (Failure, Option<u32>)>>,
    tls_rejections: watch::Sender<usize>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking test thread must not wedge the stand-in.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl State {
    fn record(&self, push: RecordedPush) {
        let n = {
            let mut pushes = lock(&self.pushes);
            pushes.push(push.clone());
            pushes.len()
        };
        // No subscribers is fine.
        let _ = self.events.send(push);
        self.count.send_replace(n);
    }

    fn failure_for(&self, token: &str) -> Option<Failure> {
        let key = token.to_ascii_lowercase();
        let mut failures = lock(&self.failures);
        let (failure, remaining) = failures.get_mut(&key)?;
        let failure = *failure;
        match remaining {
            None => {}
            Some(1) => {
                failures.remove(&key);
            }
            Some(n) => *n -= 1,
        }
        Some(failure)
    }
}

/// The running stand-in; stops when dropped.
pub struct ApnsStandIn {
    addr: SocketAddr,
    server_certificate_pem: String,
    state: Arc<State>,
    task: JoinHandle<()>,
    feeds: Vec<JoinHandle<()>>,
}

impl ApnsStandIn {
    /// Serves on `listener`, trusting client certificates issued by the CA
    /// certificate(s) in `client_ca_pem` (the push certificate's issuer).
    pub fn start(listener: TcpListener, client_ca_pem: &str) -> Result<Self, StandInError> {
        let addr = listener.local_addr()?;
        let ip = addr.ip().to_string();
        let identity = cultivar_crypto::generate_tls_server_identity(&[&ip, "localhost"], 30)?;
        let config = tls::server_config(
            &identity.certificate_pem,
            &identity.private_key_pem,
            client_ca_pem,
        )?;
        let (count, _) = watch::channel(0);
        let (tls_rejections, _) = watch::channel(0);
        let state = Arc::new(State {
            pushes: Mutex::new(Vec::new()),
            count,
            events: broadcast::channel(1024).0,
            failures: Mutex::new(HashMap::new()),
            tls_rejections,
        });
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let task = tokio::spawn(accept_loop(listener, acceptor, state.clone()));
        Ok(Self {
            addr,
            server_certificate_pem: identity.certificate_pem,
            state,
            task,
            feeds: Vec::new(),
        })
    }

    /// `https://<ip>:<port>`, the client's base URL.
    pub fn base_url(&self) -> String {
        format!("https://{}", self.addr)
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The self-signed server certificate clients must trust.
    pub fn server_certificate_pem(&self) -> &str {
        &self.server_certificate_pem
    }

    /// Every push accepted so far, in order.
    pub fn pushes(&self) -> Vec<RecordedPush> {
        lock(&self.state.pushes).clone()
    }

    /// Accepted pushes as they arrive (simulated devices wake on these).
    pub fn subscribe(&self) -> broadcast::Receiver<RecordedPush> {
        self.state.events.subscribe()
    }

    /// Waits until at least `n` pushes were accepted; returns them all.
    pub async fn wait_for_pushes(&self, n: usize) -> Vec<RecordedPush> {
        let mut rx = self.state.count.subscribe();
        // The sender lives in `self`, so the channel cannot close here.
        let _ = rx.wait_for(|c| *c >= n).await;
        self.pushes()
    }

    /// Waits until at least `n` TLS handshakes were refused.
    pub async fn wait_for_tls_rejections(&self, n: usize) -> usize {
        let mut rx = self.state.tls_rejections.subscribe();
        let _ = rx.wait_for(|c| *c >= n).await;
        *self.state.tls_rejections.borrow()
    }

    /// Pushes to `token` fail with `failure` until cleared.
    pub fn fail_token(&self, token: &str, failure: Failure) {
        lock(&self.state.failures).insert(token.to_ascii_lowercase(), (failure, None));
    }

    /// The next `times` pushes to `token` fail with `failure`, then succeed.
    pub fn fail_token_times(&self, token: &str, failure: Failure, times: u32) {
        if times > 0 {
            lock(&self.state.failures).insert(token.to_ascii_lowercase(), (failure, Some(times)));
        }
    }

    pub fn clear_failure(&self, token: &str) {
        lock(&self.state.failures).remove(&token.to_ascii_lowercase());
    }

    /// Serves the push feed (plain HTTP, see [`FEED_PATH`]) on `listener` until the stand-in
    /// is dropped; returns the feed's URL. Simulated devices long-poll it to wake up.
    pub fn serve_feed(&mut self, listener: TcpListener) -> Result<String, StandInError> {
        let addr = listener.local_addr()?;
        self.feeds.push(feed::spawn(listener, self.state.clone()));
        Ok(format!("http://{addr}{FEED_PATH}"))
    }
}

impl Drop for ApnsStandIn {
    fn drop(&mut self) {
        // Aborting the loop drops its JoinSet, which aborts the connections.
        self.task.abort();
        for feed in &self.feeds {
            feed.abort();
        }
    }
}

async fn accept_loop(listener: TcpListener, acceptor: TlsAcceptor, state: Arc<State>) {
    let mut connections = JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        let tcp = match listener.accept().await {
            Ok((tcp, _)) => tcp,
            Err(e) => {
                tracing::warn!(error = %e, "apns stand-in: accept failed");
                continue;
            }
        };
        connections.spawn(serve_connection(tcp, acceptor.clone(), state.clone()));
    }
}

async fn serve_connection(tcp: TcpStream, acceptor: TlsAcceptor, state: Arc<State>) {
    let tls = match acceptor.accept(tcp).await {
        Ok(tls) => tls,
        Err(e) => {
            tracing::debug!(error = %e, "apns stand-in: TLS handshake refused");
            state.tls_rejections.send_modify(|n| *n += 1);
            return;
        }
    };
    // The topic is fixed per connection: it is the client certificate's UID.
    let topic: Option<Arc<str>> = tls
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|chain| chain.first())
        .and_then(|leaf| cultivar_crypto::push_certificate_info(leaf.as_ref()).ok())
        .map(|info| Arc::from(info.topic));
    let service = service_fn(move |req| handler::handle(req, topic.clone(), state.clone()));
    let served = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
        .serve_connection(TokioIo::new(tls), service)
        .await;
    if let Err(e) = served {
        tracing::debug!(error = %e, "apns stand-in: connection ended with an error");
    }
}
