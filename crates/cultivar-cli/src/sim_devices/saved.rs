//! The state file of `sim devices`: each enrolled device's seed index, identifiers, endpoints
//! and identity (key and certificate, base64), written atomically; and the load mode over the
//! devices it restores.

use std::path::Path;
use std::time::Instant;

use anyhow::{bail, Context};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use cultivar_device_sim::{Endpoints, Family, Identity, MdmClient, SimDevice};
use cultivar_mdm_proto::EnrollmentKind;
use serde::{Deserialize, Serialize};

use super::{millis, summary, LoadReport};

const FORMAT: u32 = 1;

/// One enrolled device.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SavedDevice {
    pub index: u64,
    pub family: String,
    pub serial_number: String,
    pub udid: String,
    /// Enrolled by ADE (else by profile).
    pub ade: bool,
    pub server_url: String,
    pub check_in_url: String,
    pub topic: String,
    pub check_out_when_removed: bool,
    /// Identity private key (base64 of what the device holds: PEM or DER).
    pub key: String,
    /// Identity certificate (base64, PEM or DER).
    pub certificate: String,
}

impl SavedDevice {
    pub fn new(index: u64, device: &SimDevice, client: &MdmClient) -> Self {
        let e = &client.endpoints;
        SavedDevice {
            index,
            family: device.family().as_str().to_string(),
            serial_number: device.serial_number.clone(),
            udid: device.udid.clone(),
            ade: device.enrollment == EnrollmentKind::Ade,
            server_url: e.server_url.clone(),
            check_in_url: e.check_in_url.clone(),
            topic: e.topic.clone(),
            check_out_when_removed: e.check_out_when_removed,
            key: STANDARD.encode(&client.identity().key_pem),
            certificate: STANDARD.encode(&client.identity().cert_pem),
        }
    }

    /// The device and its client again, as they were after enrollment.
    fn restore(
        &self,
        seed: &str,
        http: &reqwest::Client,
    ) -> anyhow::Result<(SimDevice, MdmClient)> {
        let family: Family = self.family.parse()?;
        let kind = if self.ade {
            EnrollmentKind::Ade
        } else {
            EnrollmentKind::Device
        };
        let mut device = SimDevice::new(family, seed, self.index, kind);
        device.serial_number = self.serial_number.clone();
        device.udid = self.udid.clone();
        let identity = Identity {
            key_pem: STANDARD.decode(&self.key).context("key: not base64")?,
            cert_pem: STANDARD
                .decode(&self.certificate)
                .context("certificate: not base64")?,
        };
        let endpoints = Endpoints {
            server_url: self.server_url.clone(),
            check_in_url: self.check_in_url.clone(),
            topic: self.topic.clone(),
            check_out_when_removed: self.check_out_when_removed,
        };
        Ok((device, MdmClient::new(http.clone(), endpoints, identity)))
    }
}

/// The whole file.
#[derive(Debug, Serialize, Deserialize)]
pub struct StateFile {
    pub format: u32,
    pub seed: String,
    pub server: String,
    pub devices: Vec<SavedDevice>,
}

impl StateFile {
    pub fn new(seed: &str, server: &str, devices: Vec<SavedDevice>) -> Self {
        StateFile {
            format: FORMAT,
            seed: seed.to_string(),
            server: server.to_string(),
            devices,
        }
    }

    /// Writes the file atomically (temporary file in the same directory, then rename).
    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let bytes = serde_json::to_vec_pretty(self)?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir)
            .with_context(|| format!("--state: cannot write in {}", dir.display()))?;
        std::io::Write::write_all(&mut tmp, &bytes)?;
        tmp.as_file().sync_all()?;
        tmp.persist(path)
            .with_context(|| format!("--state: cannot write {}", path.display()))?;
        Ok(())
    }

    pub fn read(path: &Path) -> anyhow::Result<Self> {
        let bytes = std::fs::read(path).with_context(|| {
            format!(
                "--state: cannot read {} (run `cultivar sim devices enroll` first)",
                path.display()
            )
        })?;
        let file: StateFile = serde_json::from_slice(&bytes).with_context(|| {
            format!(
                "--state: {} is not a sim devices state file",
                path.display()
            )
        })?;
        if file.format != FORMAT {
            bail!(
                "--state: format {} is not supported (expected {FORMAT})",
                file.format
            );
        }
        Ok(file)
    }

    /// The first `count` devices, each enrolled with `server`.
    pub fn restore(
        &self,
        http: &reqwest::Client,
        server: &str,
        count: usize,
        path: &Path,
    ) -> anyhow::Result<Vec<(SimDevice, MdmClient)>> {
        if self.devices.len() < count {
            bail!(
                "--devices: {count} asked for, but {} holds {} enrolled device(s)",
                path.display(),
                self.devices.len()
            );
        }
        let base = server.trim_end_matches('/');
        let mut fleet = Vec::with_capacity(count);
        for saved in &self.devices[..count] {
            if !saved.server_url.starts_with(base) {
                bail!(
                    "--server: device {} is enrolled with {}, not {server}",
                    saved.serial_number,
                    saved.server_url
                );
            }
            let restored = saved
                .restore(&self.seed, http)
                .with_context(|| format!("device {} in {}", saved.serial_number, path.display()))?;
            fleet.push(restored);
        }
        Ok(fleet)
    }
}

/// What one worker measured.
#[derive(Default)]
struct WorkerTally {
    latencies: Vec<std::time::Duration>,
    sessions: u64,
    commands: u64,
    errors: u64,
    first_error: Option<String>,
}

/// Runs `iterations` sessions per device over `workers` workers (device i on worker i mod W).
pub async fn run_load(
    fleet: Vec<(SimDevice, MdmClient)>,
    workers: usize,
    iterations: u32,
) -> LoadReport {
    let devices = fleet.len();
    let workers = workers.min(devices).max(1);
    let mut lanes: Vec<Vec<(SimDevice, MdmClient)>> = (0..workers).map(|_| Vec::new()).collect();
    for (i, d) in fleet.into_iter().enumerate() {
        lanes[i % workers].push(d);
    }
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for lane in lanes {
        tasks.spawn(worker(lane, iterations));
    }
    let mut total = WorkerTally::default();
    while let Some(joined) = tasks.join_next().await {
        let t = joined.unwrap_or_else(|e| WorkerTally {
            errors: 1,
            first_error: Some(format!("worker stopped: {e}")),
            ..WorkerTally::default()
        });
        total.latencies.extend(t.latencies);
        total.sessions += t.sessions;
        total.commands += t.commands;
        total.errors += t.errors;
        total.first_error = total.first_error.or(t.first_error);
    }
    let elapsed = started.elapsed();
    let (p50_ms, p99_ms, max_ms) = summary(&total.latencies);
    let secs = elapsed.as_secs_f64().max(1e-9);
    LoadReport {
        devices,
        workers,
        iterations,
        sessions: total.sessions,
        round_trips: total.latencies.len(),
        commands: total.commands,
        errors: total.errors,
        first_error: total.first_error,
        elapsed_ms: millis(elapsed) as f64,
        round_trips_per_sec: total.latencies.len() as f64 / secs,
        p50_ms,
        p99_ms,
        max_ms,
    }
}

async fn worker(mut lane: Vec<(SimDevice, MdmClient)>, iterations: u32) -> WorkerTally {
    let mut t = WorkerTally::default();
    for _ in 0..iterations {
        for (device, client) in lane.iter_mut() {
            if !device.enrolled {
                continue;
            }
            t.sessions += 1;
            match client.session(device).await {
                Ok(report) => {
                    t.commands += report.commands.len() as u64;
                    t.latencies.extend(report.latencies);
                }
                Err(e) => {
                    t.errors += 1;
                    t.first_error.get_or_insert_with(|| e.to_string());
                }
            }
        }
    }
    t
}
