//! Everything before the clock starts for `bench mdm`: the database prepared offline (an API
//! key, a push certificate so profiles have a topic), `cultivar serve` as a child process, N
//! devices enrolled from one-time links, and the commands their sessions will answer.

use std::{path::Path, process::Stdio};

use anyhow::Context;
use cultivar_api_types::{enroll::CreateEnrollLink, mdm::BulkCommand};
use cultivar_client::AdminClient;
use cultivar_device_sim::{MdmClient, SimDevice};
use cultivar_mdm_proto::EnrollmentKind;
use cultivar_store::MdmPushActive;
use time::{Duration, OffsetDateTime};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};

use crate::sim::devices::{enroll_all, Mode, StateFile};

/// Same devices every run.
pub const SEED: &str = "cultivar-bench-mdm";
/// Enrollments in flight at once: RSA key generation on both sides keeps 2 cores busy.
const ENROLL_CONCURRENCY: usize = 4;
/// A made-up topic: no push is ever delivered (devices are polled by the load mode), but
/// profiles need one.
const TOPIC: &str = "com.apple.mgmt.External.bench0000-0000-0000-0000-000000000000";

/// The client-certificate header the benchmark's server trusts (`mdm_cert_header`), as a
/// TLS-terminating proxy in front of it would set.
pub const CERT_HEADER: &str = "X-Client-Cert";

/// A running `cultivar serve` (killed when dropped) and an API key for it.
pub struct Server {
    pub url: String,
    pub client: AdminClient,
    pub child: Child,
}

impl Server {
    /// The server's peak resident set size (VmHWM) so far, in KiB; `None` without /proc.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let pid = self.child.id()?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }
}

/// Prepares the database (API key, push certificate) and starts `serve` on it.
pub async fn start(data_dir: &Path, database_url: &str) -> anyhow::Result<Server> {
    let key = prepare_store(database_url).await?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .context("bench: picking a free port")?
        .port();
    // The port is fixed beforehand: profiles carry the public URL, and `:0` would not reach it.
    let (listen, url) = (
        format!("127.0.0.1:{port}"),
        format!("http://127.0.0.1:{port}"),
    );
    let exe = std::env::current_exe().context("bench: locating the cultivar binary")?;
    let mut child = Command::new(exe)
        .args(["serve", "--listen", &listen, "--public-url", &url])
        .arg("--data-dir")
        .arg(data_dir)
        .args(["--database-url", database_url, "--log-level", "error"])
        .env("CULTIVAR_MDM_CERT_HEADER", CERT_HEADER)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .context("bench: starting cultivar serve")?;
    let stdout = child
        .stdout
        .take()
        .context("bench: serve's stdout is not piped")?;
    let mut lines = BufReader::new(stdout).lines();
    while let Some(line) = lines.next_line().await? {
        if line.starts_with("cultivar listening on ") {
            let client = AdminClient::new(&url, Some(key));
            return Ok(Server { url, client, child });
        }
    }
    anyhow::bail!("bench: cultivar serve exited without announcing its address")
}

/// An API key and a push certificate record, written straight to the (migrated) database.
async fn prepare_store(database_url: &str) -> anyhow::Result<String> {
    let store = cultivar_store::open(database_url)
        .await
        .context("bench: opening the database")?;
    let result = async {
        let (key, _) =
            cultivar_core::auth::create_api_key(&*store, "bench", cultivar_store::Role::Admin)
                .await?;
        let now = OffsetDateTime::now_utc();
        let active = MdmPushActive {
            topic: TOPIC.into(),
            certificate_pem: "-----BEGIN CERTIFICATE-----\nbench\n".into(),
            private_key_sealed: vec![1],
            not_before: now - Duration::days(1),
            not_after: now + Duration::days(300),
            uploaded_at: now,
        };
        store.install_mdm_push_cert(&active, None).await?;
        anyhow::Ok(key)
    }
    .await;
    store.close().await;
    result
}

/// Enrolls `count` devices, each from its own one-time link, and returns them ready to run.
pub async fn enroll(server: &Server, count: u32) -> anyhow::Result<Vec<(SimDevice, MdmClient)>> {
    let mut urls = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let link = server
            .client
            .enroll_link(&CreateEnrollLink {
                expires_hours: None,
            })
            .await
            .context("bench: creating an enrollment link")?;
        urls.push(link.url);
    }
    let devices = SimDevice::fleet(SEED, u64::from(count), EnrollmentKind::Device);
    let indexed = (0u64..).zip(devices).collect();
    let http = reqwest::Client::new();
    let results = enroll_all(&http, &Mode::Profile { urls }, indexed, ENROLL_CONCURRENCY).await;
    let mut saved = Vec::with_capacity(results.len());
    for (outcome, device) in results {
        match device {
            Some(d) => saved.push(d),
            None => anyhow::bail!(
                "bench: device {} did not enroll: {}",
                outcome.serial_number,
                outcome.error.unwrap_or_default()
            ),
        }
    }
    let state = StateFile::new(SEED, &server.url, saved);
    state.restore(&http, &server.url, count as usize, Path::new("(bench)"))
}

/// Queues one `DeviceInformation` per device per iteration, so sessions include command round
/// trips; returns how many were queued.
pub async fn queue_commands(
    server: &Server,
    fleet: &[(SimDevice, MdmClient)],
    iterations: u32,
) -> anyhow::Result<u64> {
    let targets: Vec<String> = fleet.iter().map(|(d, _)| d.udid.clone()).collect();
    let mut queued = 0u64;
    for chunk in targets.chunks(cultivar_core::mdm::MAX_TARGETS) {
        for _ in 0..iterations {
            let body = BulkCommand {
                targets: chunk.to_vec(),
                request_type: "DeviceInformation".into(),
                payload: serde_json::json!({ "Queries": ["UDID", "OSVersion", "DeviceName"] }),
            };
            let done = server
                .client
                .send_bulk_command(&body)
                .await
                .context("bench: queueing DeviceInformation")?;
            queued += done.queued.len() as u64;
        }
    }
    Ok(queued)
}
