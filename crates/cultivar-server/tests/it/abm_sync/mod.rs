//! ABM device sync over real HTTP: the JSON API (Sync Now, health, history, settings, the device
//! list and its CSV export) and the console pages, against devices synced from the simulator, on
//! SQLite and PostgreSQL.
//!
//! The ABM entries talk to the simulator through a small TCP proxy with a gate: closing it holds
//! every request to Apple where it is, so a run is reliably "in progress" for as long as a test
//! needs (joining, live progress, the console's self-refresh) without timing assumptions.

mod api_devices;
mod api_sync;
mod console;

use std::net::SocketAddr;

use cultivar_testkit::{Backend, TestServer, TestSim};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    sync::watch,
};
use uuid::Uuid;

/// A proxy to the simulator that forwards requests only while its gate is open.
pub struct Gate {
    open: watch::Sender<bool>,
    url: String,
}

impl Gate {
    pub async fn start(upstream: &str) -> Gate {
        let upstream: SocketAddr = upstream.trim_start_matches("http://").parse().unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (open, watch) = watch::channel(true);
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(forward(client, upstream, watch.clone()));
            }
        });
        Gate { open, url }
    }

    /// Holds every request from now on (those already answered are unaffected).
    pub fn close(&self) {
        self.open.send_replace(false);
    }

    pub fn open(&self) {
        self.open.send_replace(true);
    }
}

/// Copies one connection both ways; bytes towards Apple wait while the gate is closed.
async fn forward(client: TcpStream, upstream: SocketAddr, mut gate: watch::Receiver<bool>) {
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    let (mut from_client, mut to_client) = client.into_split();
    let (mut from_server, mut to_server) = server.into_split();
    let back = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut from_server, &mut to_client).await;
    });
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from_client.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if gate.wait_for(|open| *open).await.is_err()
            || to_server.write_all(&buf[..n]).await.is_err()
        {
            break;
        }
    }
    let _ = to_server.shutdown().await;
    let _ = back.await;
}

/// A server, the simulator, and ABM entry "Main" connected to it through a [`Gate`].
pub struct Fixture {
    pub server: TestServer,
    pub sim: TestSim,
    pub gate: Gate,
    pub main: Uuid,
    pub main_sim: String,
}

impl Fixture {
    pub async fn start(backend: Backend) -> Option<Fixture> {
        let server = TestServer::start(backend).await?;
        // The scheduler's startup tick (no ABM servers yet) is over: it cannot start runs here,
        // and its next tick is five real minutes away.
        let mut ticks = server.state().sync.ticks();
        ticks.wait_for(|n| *n >= 1).await.unwrap();
        let sim = TestSim::start(0).await;
        let gate = Gate::start(sim.url()).await;
        let (main, main_sim) = entry(&server, &sim, &gate.url, "Main").await;
        Some(Fixture {
            server,
            sim,
            gate,
            main,
            main_sim,
        })
    }

    /// `n` new devices with `os` assigned to the simulator server `sim_uuid`.
    pub async fn assign(&self, sim_uuid: &str, n: u32, os: &str) -> Vec<String> {
        let admin = self.sim.admin();
        let serials = admin.add_devices(n, Some(os)).await.unwrap().serials;
        let result = admin.assign(sim_uuid, &serials).await.unwrap();
        assert!(result.errors.is_empty());
        serials
    }

    /// An API request with the admin key; returns status and JSON body (`null` when empty).
    pub async fn api(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        self.api_as(self.server.admin_key(), method, path, body)
            .await
    }

    pub async fn api_as(
        &self,
        key: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .server
            .http()
            .request(method, self.server.url_for(path))
            .bearer_auth(key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let bytes = response.bytes().await.unwrap();
        let json = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|e| panic!("{path}: {e}: {}", String::from_utf8_lossy(&bytes)))
        };
        (status, json)
    }

    pub async fn get(&self, path: &str) -> Value {
        let (status, body) = self.api(Method::GET, path, None).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    /// Sync Now, waiting for the summary.
    pub async fn sync(&self, id: Uuid) -> Value {
        let path = format!("/api/v1/abm/servers/{id}/sync?wait=true");
        let (status, summary) = self.api(Method::POST, &path, None).await;
        assert_eq!(status, StatusCode::OK, "{summary}");
        assert_eq!(summary["outcome"], "success", "{summary}");
        summary
    }

    /// The audit entries with `action`.
    pub async fn audited(&self, action: &str) -> Vec<cultivar_store::AuditEntry> {
        let all = self.server.store().list_audit(500, None).await.unwrap();
        all.into_iter().filter(|e| e.action == action).collect()
    }
}

/// An ABM entry with an uploaded token whose API base URL is `base_url`; returns its id and
/// the simulator's server UUID.
pub async fn entry(
    server: &TestServer,
    sim: &TestSim,
    base_url: &str,
    name: &str,
) -> (Uuid, String) {
    let abm = &server.state().abm;
    let created = abm
        .create_server(name, Some(base_url), "test")
        .await
        .unwrap();
    let info = sim
        .admin()
        .register_server(name, &created.certificate_pem)
        .await
        .unwrap();
    let token = sim
        .admin()
        .download_token(&info.server_uuid, None, None)
        .await
        .unwrap();
    let view = abm
        .upload_token(created.server.id, &token.bytes, false, "test")
        .await
        .unwrap();
    assert_eq!(view.status, "active", "{view:?}");
    (created.server.id, info.server_uuid)
}

/// Runs `test` on a fresh fixture for SQLite, then PostgreSQL (skipped outside CI when none).
pub async fn each_backend<F, Fut>(test: F)
where
    F: Fn(Fixture) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for backend in [Backend::Sqlite, Backend::Postgres] {
        if let Some(fixture) = Fixture::start(backend).await {
            test(fixture).await;
        }
    }
}

/// The `field` of an error envelope, asserting the status.
pub fn refused(status: StatusCode, body: &Value, expected: StatusCode) -> String {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["error"]["code"], "invalid", "{body}");
    body["error"]["field"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}
