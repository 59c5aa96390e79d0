//! Everything before the clock starts: the simulator process, the database, the ABM entry with
//! its token exchange, and N devices assigned to it.

use std::{path::Path, process::Stdio, sync::Arc};

use anyhow::Context;
use cultivar_abm_sim::SimAdminClient;
use cultivar_core::{
    abm::{AbmService, AbmServiceOptions},
    clock::{Clock, SystemClock},
    secrets::{KeySettings, Secrets},
    sync::SyncService,
};
use cultivar_store::Store;
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};
use uuid::Uuid;

use super::changes::{Mix, Plan};

/// Same devices every run.
const SEED: u64 = 1;
/// Devices added per simulator call: keeps the replies (every new serial) small, so setup does
/// not inflate the measuring process's memory.
const ADD_CHUNK: u32 = 50_000;
const ACTOR: &str = "bench";

/// What to set up: how many devices of which OS, the sync page size, the changes to plan.
#[derive(Debug, Clone, Copy)]
pub struct Fleet {
    pub devices: u32,
    pub batch: u32,
    pub changes: u32,
    /// The simulator's `os` for new devices: one OS, or `mix`.
    pub os: &'static str,
}

/// A prepared benchmark: cultivar's services on a fresh database, and the simulator.
pub struct Bench {
    pub store: Arc<dyn Store>,
    pub abm: AbmService,
    pub sync: SyncService,
    pub server_id: Uuid,
    pub sim: SimAdminClient,
    pub plan: Plan,
    /// Killed when the benchmark ends.
    _simulator: Child,
}

pub async fn prepare(args: &Fleet, data_dir: &Path, database_url: &str) -> anyhow::Result<Bench> {
    let (simulator, sim_url) = start_simulator().await?;
    let sim = SimAdminClient::new(&sim_url);
    let store = cultivar_store::open(database_url)
        .await
        .context("bench: opening the database")?;
    let (abm, sync) = services(&store, data_dir)?;
    let created = abm.create_server("bench", Some(&sim_url), ACTOR).await?;
    let server_id = created.server.id;
    let ours = sim
        .register_server("cultivar-bench", &created.certificate_pem)
        .await?;
    // Moves need somewhere to go.
    let elsewhere = sim
        .register_server("elsewhere", &created.certificate_pem)
        .await?;
    sim.set_default_server(Some(&ours.server_uuid)).await?;
    let mix = Mix::new(args.changes, args.devices);
    eprintln!("  simulator: adding {} devices ...", args.devices);
    let serials = add_devices(&sim, args, mix.existing()).await?;
    let token = sim.download_token(&ours.server_uuid, None, None).await?;
    let view = abm
        .upload_token(server_id, &token.bytes, false, ACTOR)
        .await?;
    if view.status != "active" {
        anyhow::bail!(
            "token: the ABM entry is {} after the upload, not active",
            view.status
        );
    }
    store.set_abm_sync_batch_size(server_id, args.batch).await?;
    Ok(Bench {
        store,
        abm,
        sync,
        server_id,
        sim,
        plan: Plan {
            mix,
            serials,
            elsewhere: elsewhere.server_uuid,
        },
        _simulator: simulator,
    })
}

/// What `cultivar serve` would build on this database: the ABM and sync services.
fn services(store: &Arc<dyn Store>, data_dir: &Path) -> anyhow::Result<(AbmService, SyncService)> {
    let secrets = Secrets::load(KeySettings {
        value: None,
        file: None,
        data_dir,
    })?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let abm = AbmService::new(
        store.clone(),
        Arc::new(secrets),
        clock.clone(),
        AbmServiceOptions::default(),
    );
    let sync = SyncService::new(store.clone(), abm.clone(), clock);
    Ok((abm, sync))
}

/// Runs `cultivar sim abm serve` on port 0 and reads its address.
async fn start_simulator() -> anyhow::Result<(Child, String)> {
    let exe = std::env::current_exe().context("bench: locating the cultivar binary")?;
    let mut child = Command::new(exe)
        .args(["sim", "abm", "serve", "--listen", "127.0.0.1:0"])
        .args(["--seed", &SEED.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .context("bench: starting the ABM simulator")?;
    let stdout = child
        .stdout
        .take()
        .context("bench: the simulator's stdout is not piped")?;
    let mut lines = BufReader::new(stdout).lines();
    while let Some(line) = lines.next_line().await? {
        if let Some(url) = line.strip_prefix("cultivar ABM simulator listening on ") {
            return Ok((child, url.to_string()));
        }
    }
    anyhow::bail!("bench: the ABM simulator exited without announcing its address")
}

/// Adds the fleet's devices (they go to the default server) and keeps the first `keep` serials.
async fn add_devices(
    sim: &SimAdminClient,
    fleet: &Fleet,
    keep: usize,
) -> anyhow::Result<Vec<String>> {
    let mut kept = Vec::with_capacity(keep);
    let mut left = fleet.devices;
    while left > 0 {
        let n = left.min(ADD_CHUNK);
        let added = sim.add_devices(n, Some(fleet.os)).await?;
        let room = keep - kept.len();
        kept.extend(added.serials.into_iter().take(room));
        left -= n;
    }
    Ok(kept)
}
