//! Boots a whole cultivar server in-process for integration tests.
//!
//! [`TestServer::start`] opens a fresh database (a temporary SQLite file, or a throwaway
//! PostgreSQL database from `cultivar_store::testing`), binds `127.0.0.1:0`, and serves the real
//! router until the test ends. It creates an admin and a read-only API key so tests can call the
//! API straight away. No sleeps: the listener is bound before `start` returns, so the first
//! request is queued by the kernel until the server accepts it.
//!
//! This is a test harness: setup failures panic with a message, as a failed test should.
#![forbid(unsafe_code)]

mod sim;

pub use sim::{RecordingSleeper, TestSim};

use std::{future::Future, net::SocketAddr, sync::Arc};

use cultivar_core::{
    abm::AbmServiceOptions,
    clock::{Clock, SystemClock},
};
use cultivar_server::{AppState, Config};
use cultivar_store::{testing::TestDatabase, Role, Store};
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};

/// Which database a test server runs on.
/// What a test may inject into the server.
pub struct TestOptions {
    pub clock: Arc<dyn Clock>,
    pub abm: AbmServiceOptions,
}

impl Default for TestOptions {
    fn default() -> Self {
        TestOptions {
            clock: Arc::new(SystemClock),
            abm: AbmServiceOptions::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A running server. Dropping it stops the server (without waiting); call
/// [`TestServer::shutdown`] to stop and wait.
pub struct TestServer {
    addr: SocketAddr,
    state: AppState,
    admin_key: String,
    read_only_key: String,
    http: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    backend: Backend,
    // Kept alive for the server's lifetime; dropped (and deleted) after it.
    _data_dir: tempfile::TempDir,
    _database: Option<TestDatabase>,
}

impl TestServer {
    /// Starts a server on `backend`. `None` only for PostgreSQL when no server is reachable
    /// outside CI (see `cultivar_store::testing::postgres_test_database`).
    pub async fn start(backend: Backend) -> Option<TestServer> {
        Self::start_with(backend, |_| {}).await
    }

    /// Like [`TestServer::start`], letting the test adjust the configuration first.
    pub async fn start_with(
        backend: Backend,
        adjust: impl FnOnce(&mut Config),
    ) -> Option<TestServer> {
        Self::start_custom(backend, TestOptions::default(), adjust).await
    }

    /// Starts a server with an injected clock and ABM client options (e.g. a recording sleeper).
    pub async fn start_custom(
        backend: Backend,
        options: TestOptions,
        adjust: impl FnOnce(&mut Config),
    ) -> Option<TestServer> {
        let data_dir = tempfile::tempdir().expect("testkit: creating a temporary data dir");
        let database = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(cultivar_store::testing::postgres_test_database().await?),
        };
        let mut config = Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: data_dir.path().to_owned(),
            database_url: database.as_ref().map(|db| db.url.clone()),
            ..Config::default()
        };
        adjust(&mut config);
        let state = AppState::open_with(config, options.clock, options.abm)
            .await
            .expect("testkit: opening the server state");
        let (admin_key, read_only_key) = create_keys(&*state.store).await;
        let listener = TcpListener::bind(state.config.listen)
            .await
            .expect("testkit: binding 127.0.0.1:0");
        let addr = listener
            .local_addr()
            .expect("testkit: reading the bound address");
        let (tx, rx) = oneshot::channel::<()>();
        let served = state.clone();
        let task = tokio::spawn(async move {
            let stop = async move {
                let _ = rx.await;
            };
            if let Err(e) = cultivar_server::serve_state(served, listener, stop).await {
                panic!("testkit: server failed: {e}");
            }
        });
        Some(TestServer {
            addr,
            state,
            admin_key,
            read_only_key,
            http: new_client(),
            shutdown: Some(tx),
            task: Some(task),
            backend,
            _data_dir: data_dir,
            _database: database,
        })
    }

    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `url()` joined with `path` (which starts with `/`).
    pub fn url_for(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Plaintext of an API key with the admin role.
    pub fn admin_key(&self) -> &str {
        &self.admin_key
    }

    /// Plaintext of an API key with the read-only role.
    pub fn read_only_key(&self) -> &str {
        &self.read_only_key
    }

    /// The server's state (store, secrets, config) for direct setup and checks.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.state.store
    }

    /// A client without cookies or redirects-following, so tests see what the server sends.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// A fresh client with its own cookie jar (a "browser"); redirects are not followed.
    pub fn browser(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("testkit: building a reqwest client")
    }

    /// Stops the server and waits for it to finish (bounded by the server's grace period).
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("testkit: server task panicked");
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

fn new_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("testkit: building a reqwest client")
}

async fn create_keys(store: &dyn Store) -> (String, String) {
    let (admin, _) = cultivar_core::auth::create_api_key(store, "testkit-admin", Role::Admin)
        .await
        .expect("testkit: creating the admin API key");
    let (read_only, _) =
        cultivar_core::auth::create_api_key(store, "testkit-read-only", Role::ReadOnly)
            .await
            .expect("testkit: creating the read-only API key");
    (admin, read_only)
}

/// Runs `test` against a SQLite server, then a PostgreSQL one (skipped with a warning when no
/// PostgreSQL is reachable outside CI). Each run gets a fresh server.
pub async fn both_backends<F, Fut>(test: F)
where
    F: Fn(TestServer) -> Fut,
    Fut: Future<Output = ()>,
{
    for backend in [Backend::Sqlite, Backend::Postgres] {
        if let Some(server) = TestServer::start(backend).await {
            test(server).await;
        }
    }
}
