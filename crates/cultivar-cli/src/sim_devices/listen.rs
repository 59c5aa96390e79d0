//! `cultivar sim devices listen`: enrolled simulated devices wait for pushes on the APNs
//! stand-in's feed (`cultivar sim apns serve` prints it) and, like real devices, check in and
//! answer their queued commands when a push for their token arrives.

use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Args;
use cultivar_device_sim::{PushFeed, PushListener, Wake};
use serde::Serialize;

use super::{StateFile, DEFAULT_STATE_FILE};
use crate::output::Output;

#[derive(Args, Debug)]
pub struct ListenArgs {
    /// The cultivar server; every listening device must be enrolled with it.
    #[arg(long, value_name = "URL")]
    pub server: String,
    /// The stand-in's push feed (`…/_standin/pushes`, printed by `sim apns serve`).
    #[arg(long, value_name = "URL")]
    pub push_feed: String,
    /// How many of the enrolled devices listen (default: all in the state file).
    #[arg(long, value_name = "N")]
    pub devices: Option<usize>,
    /// Stop after this many wake-ups (default: until interrupted).
    #[arg(long, value_name = "N")]
    pub wakes: Option<u64>,
    /// The state file written by `enroll`.
    #[arg(long, value_name = "FILE", default_value = DEFAULT_STATE_FILE)]
    pub state: PathBuf,
}

/// One wake-up as printed.
#[derive(Serialize)]
struct WakeShown {
    udid: String,
    commands: Vec<CommandShown>,
}

#[derive(Serialize)]
struct CommandShown {
    command_uuid: String,
    request_type: String,
    status: String,
}

fn shown(wake: &Wake) -> WakeShown {
    WakeShown {
        udid: wake.udid.clone(),
        commands: wake
            .report
            .commands
            .iter()
            .map(|h| CommandShown {
                command_uuid: h.command_uuid.clone(),
                request_type: h.request_type.clone(),
                status: format!("{:?}", h.status),
            })
            .collect(),
    }
}

/// Runs `sim devices listen`.
pub async fn listen(a: ListenArgs, out: Output) -> anyhow::Result<()> {
    if a.wakes == Some(0) || a.devices == Some(0) {
        bail!("--wakes and --devices: must be at least 1 when given");
    }
    if !a.push_feed.starts_with("http://") && !a.push_feed.starts_with("https://") {
        bail!("--push-feed: must be an http:// or https:// URL");
    }
    let state = StateFile::read(&a.state)?;
    let http = reqwest::Client::new();
    let count = a.devices.unwrap_or(state.devices.len());
    let fleet = state.restore(&http, &a.server, count, &a.state)?;
    let mut listener = PushListener::new(PushFeed::new(http, &a.push_feed), fleet);
    let mut woken = 0u64;
    let shutdown = crate::sim::shutdown_signal();
    tokio::pin!(shutdown);
    while a.wakes.is_none_or(|n| woken < n) {
        let wakes = tokio::select! {
            wakes = listener.wake_next() => wakes.with_context(|| format!("--push-feed {}", a.push_feed))?,
            () = &mut shutdown => break,
        };
        for wake in &wakes {
            woken += 1;
            let view = shown(wake);
            out.print(&view, || {
                let done: Vec<String> = view
                    .commands
                    .iter()
                    .map(|c| format!("{} {}", c.request_type, c.status))
                    .collect();
                format!("woke {}: {}", view.udid, done.join(", "))
            })?;
        }
    }
    Ok(())
}
