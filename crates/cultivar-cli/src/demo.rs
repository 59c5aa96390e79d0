//! `cultivar demo`: the whole flow on loopback, without Apple. The server (the same state and
//! serving code as `serve`), the ABM simulator in-process (playing Apple's Device Assignment
//! API and activation service), the APNs stand-in, then through the admin API exactly what an
//! administrator would do: an ABM server entry with its token exchange, a first sync, a push
//! certificate (self-issued, demo only), default ADE profiles that await configuration, and a
//! few simulated devices enrolling by ADE. Runs until Ctrl-C.

use std::{net::SocketAddr, path::Path, path::PathBuf};

use anyhow::{bail, Context};
use clap::{Args, Parser};
use cultivar_abm_sim::{Sim, SimAdminClient, SimOptions};
use cultivar_api_types::abm::CreateAbmServer;
use cultivar_apns::standin::ApnsStandIn;
use cultivar_client::AdminClient;
use cultivar_crypto::CertificateAuthority;
use cultivar_server::{AppState, ConfigOverrides};
use serde::Serialize;
use tokio::{net::TcpListener, sync::watch, task::JoinHandle};

use crate::{output::Output, serve::ConfigArgs};

/// Topic of the demo push certificate (the form Apple's push portal gives).
const DEMO_TOPIC: &str = "com.apple.mgmt.External.de300000-0000-4000-8000-000000000001";
/// The console login the demo creates.
const DEMO_EMAIL: &str = "admin@demo.invalid";
/// Printed last: the announcement scripts and tests wait for.
pub const READY: &str = "cultivar demo ready at ";

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Data directory of the demo server; must not hold a cultivar database yet.
    #[arg(long, value_name = "DIR", default_value = "./cultivar-demo")]
    pub data_dir: PathBuf,
    /// Address of the server; port 0 picks a free port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Devices in the simulated ABM organisation, assigned to the demo MDM server (half
    /// iPhones, half Macs).
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub devices: u32,
    /// How many of them enroll by ADE at start.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub enroll: u32,
    /// Log filter on stderr, e.g. info.
    #[arg(long, value_name = "FILTER", default_value = "warn")]
    pub log_level: String,
}

/// What the demo prints once everything is up.
#[derive(Serialize)]
struct Ready {
    url: String,
    console: String,
    email: &'static str,
    password: String,
    api_key: String,
    abm_simulator: String,
    apns_standin: String,
    data_dir: String,
    devices: u32,
    enrolled: u32,
}

/// The simulators the server talks to; they stop when dropped or stopped.
struct Simulators {
    sim_url: String,
    sim_stop: watch::Sender<bool>,
    sim_task: JoinHandle<()>,
    apns: ApnsStandIn,
    push_ca: CertificateAuthority,
}

pub async fn run(args: DemoArgs, out: &Output) -> anyhow::Result<()> {
    check_args(&args)?;
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        cultivar_server::shutdown_signal().await;
        let _ = stop_tx.send(true);
    });
    let sims = start_simulators().await?;
    let listener = TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("--listen: cannot listen on {}", args.listen))?;
    let url = format!("http://{}", listener.local_addr()?);
    let state = open_state(&args, &url, &sims).await?;
    let (password, api_key) = create_logins(&state).await?;
    let server = tokio::spawn(cultivar_server::serve_state(
        state,
        listener,
        stopped(stop_rx.clone()),
    ));
    let api = AdminClient::new(&url, Some(api_key.clone()));
    let setup = async {
        let abm_server = connect_abm(&api, &sims.sim_url, args.devices).await?;
        push_certificate(&api, &sims.push_ca).await?;
        ade_defaults(&api).await?;
        enroll_devices(&url, &sims.sim_url, &args, *out).await?;
        anyhow::Ok(abm_server)
    };
    let abm_server = tokio::select! {
        done = setup => done.context("demo setup")?,
        () = stopped(stop_rx.clone()) => return finish(server, sims).await,
    };
    let ready = Ready {
        console: format!("{url}/"),
        url,
        email: DEMO_EMAIL,
        password,
        api_key,
        abm_simulator: sims.sim_url.clone(),
        apns_standin: sims.apns.base_url(),
        data_dir: args.data_dir.display().to_string(),
        devices: args.devices,
        enrolled: args.enroll,
    };
    out.print(&ready, || banner(&ready, &abm_server))?;
    finish(server, sims).await
}

fn check_args(args: &DemoArgs) -> anyhow::Result<()> {
    if args.devices == 0 {
        bail!("--devices: must be at least 1");
    }
    if args.enroll > args.devices {
        bail!(
            "--enroll: {} is more than --devices ({})",
            args.enroll,
            args.devices
        );
    }
    // The simulator lives in memory: an old demo database would name servers and devices it
    // no longer knows.
    if args.data_dir.join("cultivar.sqlite3").exists() {
        bail!(
            "--data-dir: {} already holds a cultivar database from an earlier demo; remove the \
             directory or pick another --data-dir",
            args.data_dir.display()
        );
    }
    Ok(())
}

/// Completes when the stop flag is set (Ctrl-C or SIGTERM).
async fn stopped(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// Waits for the server to stop (gracefully, on the signal), then stops the simulators.
async fn finish(
    server: JoinHandle<Result<(), cultivar_server::ServerError>>,
    sims: Simulators,
) -> anyhow::Result<()> {
    let served = server.await.context("server task")?;
    let _ = sims.sim_stop.send(true);
    let _ = sims.sim_task.await;
    drop(sims.apns);
    served.context("serve")?;
    Ok(())
}

/// The ABM simulator on 127.0.0.1:0 and the APNs stand-in trusting a demo push CA.
async fn start_simulators() -> anyhow::Result<Simulators> {
    let sim = Sim::new(SimOptions {
        devices: 0,
        ..SimOptions::default()
    })?;
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .context("ABM simulator: binding 127.0.0.1:0")?;
    let sim_url = format!("http://{}", listener.local_addr()?);
    let (sim_stop, rx) = watch::channel(false);
    let sim_task = tokio::spawn(async move {
        if let Err(e) = cultivar_abm_sim::serve(sim, listener, stopped(rx)).await {
            tracing::warn!(cause = %e, "ABM simulator stopped with an error");
        }
    });
    // Plays Apple's push portal: it signs cultivar's push CSR, and APNs trusts what it signs.
    let push_ca = CertificateAuthority::generate("cultivar demo push CA (DEMO ONLY)", 30)?;
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .context("APNs stand-in: binding 127.0.0.1:0")?;
    let apns = ApnsStandIn::start(listener, &push_ca.certificate_pem()?)?;
    Ok(Simulators {
        sim_url,
        sim_stop,
        sim_task,
        apns,
        push_ca,
    })
}

/// The server's state, configured like `serve` plus: the public URL of the bound port, the
/// APNs stand-in, and the simulator's device CA trusted for MachineInfo.
async fn open_state(args: &DemoArgs, url: &str, sims: &Simulators) -> anyhow::Result<AppState> {
    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("--data-dir: cannot create {}", args.data_dir.display()))?;
    let device_ca = reqwest::get(format!("{}/_sim/device-ca.pem", sims.sim_url))
        .await?
        .error_for_status()?
        .text()
        .await?;
    let anchors = write(&args.data_dir, "abm-sim-device-ca.pem", &device_ca)?;
    let apns_ca = write(
        &args.data_dir,
        "apns-standin.pem",
        sims.apns.server_certificate_pem(),
    )?;
    let db = ConfigArgs {
        data_dir: Some(args.data_dir.clone()),
        ..ConfigArgs::default()
    };
    let mut config = db.load(ConfigOverrides {
        public_url: Some(url.to_owned()),
        log_level: Some(args.log_level.clone()),
        ..ConfigOverrides::default()
    })?;
    config.apns_url = sims.apns.base_url();
    config.apns_ca_file = Some(apns_ca);
    config.mdm_machine_info_anchors = Some(anchors);
    cultivar_server::telemetry::init_tracing(&config);
    Ok(AppState::open(config).await?)
}

fn write(dir: &Path, name: &str, text: &str) -> anyhow::Result<PathBuf> {
    let path = dir.join(name);
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

/// A console admin with a random password, and an admin API key.
async fn create_logins(state: &AppState) -> anyhow::Result<(String, String)> {
    let password = format!("demo-{}", uuid::Uuid::new_v4().simple());
    cultivar_core::auth::create_admin_user(&*state.store, DEMO_EMAIL, &password).await?;
    let (api_key, _) =
        cultivar_core::auth::create_api_key(&*state.store, "demo", cultivar_store::Role::Admin)
            .await?;
    Ok((password, api_key))
}

/// The ABM server entry: its certificate registered in the simulator, the token downloaded
/// and uploaded, `devices` devices assigned to it, and a first sync. Returns the entry's name.
async fn connect_abm(api: &AdminClient, sim_url: &str, devices: u32) -> anyhow::Result<String> {
    let name = "Demo MDM server";
    let created = api
        .abm_create_server(&CreateAbmServer {
            name: name.to_owned(),
            base_url: Some(sim_url.to_owned()),
        })
        .await?;
    let abm = SimAdminClient::new(sim_url);
    let registered = abm
        .register_server("demo-mdm", &created.certificate_pem)
        .await?;
    let token = abm
        .download_token(&registered.server_uuid, None, None)
        .await?;
    api.abm_upload_token(created.server.id, token.bytes, false)
        .await?;
    abm.set_default_server(Some(&registered.server_uuid))
        .await?;
    let macs = devices / 2;
    abm.add_devices(devices - macs, Some("iOS")).await?;
    if macs > 0 {
        abm.add_devices(macs, Some("macOS")).await?;
    }
    api.abm_sync_wait(created.server.id).await?;
    Ok(name.to_owned())
}

/// Cultivar's push CSR, signed by the demo push CA (never valid with Apple's APNs).
async fn push_certificate(api: &AdminClient, push_ca: &CertificateAuthority) -> anyhow::Result<()> {
    let csr = api.push_cert_csr().await?;
    let issued = push_ca.issue_push_certificate(csr.csr_pem.as_bytes(), DEMO_TOPIC, 365, 2)?;
    api.upload_push_cert(issued.certificate_pem.into_bytes(), false)
        .await?;
    Ok(())
}

/// Default iOS and macOS ADE profiles that keep devices in Setup Assistant until cultivar
/// sends DeviceConfigured, pushed to the (simulated) ABM.
async fn ade_defaults(api: &AdminClient) -> anyhow::Result<()> {
    for (os, name) in [("iOS", "Demo iPhones"), ("macOS", "Demo Macs")] {
        let profile = serde_json::json!({
            "os": os,
            "profile_name": name,
            "org_magic": "demo",
            "is_supervised": true,
            "await_device_configured": true,
            "description": "cultivar demo",
        });
        api.ade_profile_create(&profile).await?;
        api.ade_default_set(os, name).await?;
    }
    api.ade_apply().await?;
    Ok(())
}

/// `cultivar sim devices enroll --ade` for the first `--enroll` devices.
async fn enroll_devices(
    url: &str,
    sim_url: &str,
    args: &DemoArgs,
    out: Output,
) -> anyhow::Result<()> {
    if args.enroll == 0 {
        return Ok(());
    }
    let state = args.data_dir.join("sim-devices.json");
    let count = args.enroll.to_string();
    // Parsed like the command line `sim devices enroll` so its defaults apply here too. One at
    // a time: concurrent first check-ins can hit SQLITE_BUSY_SNAPSHOT (517) in the server.
    let argv = [
        "enroll",
        "--server",
        url,
        "--count",
        &count,
        "--ade",
        "--abm-sim",
        sim_url,
        "--seed",
        "cultivar-demo",
        "--concurrency",
        "1",
        "--state",
    ];
    let state = state
        .to_str()
        .context("--data-dir: must be valid UTF-8")?
        .to_owned();
    let enroll = EnrollCli::try_parse_from(argv.iter().copied().chain([state.as_str()]))
        .context("sim devices enroll arguments")?
        .args;
    let command = crate::sim::devices::DevicesCommand::Enroll(enroll);
    // In text mode its per-device report is part of the demo's output; with --json the demo
    // prints one document (the ready one), so the report stays quiet. A device that fails is
    // named on stderr; the demo is still worth running.
    let out = if out.is_json() { Output::quiet() } else { out };
    if let Err(e) = crate::sim::devices::run(command, out).await {
        eprintln!("warning: {e:#}; the demo goes on with the devices that enrolled");
    }
    Ok(())
}

/// `sim devices enroll`'s arguments as a parser of their own.
#[derive(clap::Parser)]
struct EnrollCli {
    #[command(flatten)]
    args: crate::sim::devices::EnrollArgs,
}

fn banner(r: &Ready, abm_server: &str) -> String {
    format!(
        "\n\
         cultivar demo — everything below runs on loopback; nothing talks to Apple.\n\
         \n\
         Console      {console}\n\
         Login        {email} / {password}\n\
         API key      {key}\n\
         ABM sim      {sim} (ABM server entry \"{abm_server}\", {devices} devices)\n\
         APNs         {apns} (stand-in; the push certificate is self-issued, DEMO ONLY)\n\
         Data         {data}\n\
         \n\
         Try next:\n\
         \x20 export CULTIVAR_URL={url} CULTIVAR_API_KEY={key}\n\
         \x20 cultivar devices list                 # {enrolled} Enrolled, the rest Pending\n\
         \x20 cultivar commands list SERIAL         # MDM activity of an enrolled device\n\
         \x20 cultivar commands send SERIAL DeviceInformation\n\
         \x20 cultivar sim devices run --server {url} --devices {enrolled} --workers 2 \\\n\
         \x20     --iterations 100 --state {data}/sim-devices.json   # load mode\n\
         \x20 cultivar ade explain SERIAL\n\
         \n\
         Press Ctrl-C to stop.\n\
         {READY}{url}",
        console = r.console,
        email = r.email,
        password = r.password,
        key = r.api_key,
        sim = r.abm_simulator,
        devices = r.devices,
        apns = r.apns_standin,
        data = r.data_dir,
        url = r.url,
        enrolled = r.enrolled,
    )
}
