//! `cultivar abm sync | sync-runs | devices` and `abm servers set-batch-size`: ABM device sync
//! over the admin API.

use std::{
    io::IsTerminal,
    path::{Path, PathBuf},
    pin::pin,
    time::Duration,
};

use anyhow::Context;
use clap::Args;
use cultivar_api_types::abm_sync::{
    AbmDeviceFilter, AbmDeviceList, SyncRunList, SyncRunView, SyncSummaryView,
};
use cultivar_client::AdminClient;
use indicatif::{ProgressBar, ProgressStyle};
use uuid::Uuid;

use crate::output::{table, Output, Reported};

/// How often the progress bar asks for the run's progress (screen refresh, not a test wait).
const PROGRESS_POLL: Duration = Duration::from_millis(500);
/// The least time between two "has it finished?" requests, should the server answer at once.
const FINISH_POLL: Duration = Duration::from_secs(1);

#[derive(Args, Debug)]
pub struct SyncArgs {
    /// ABM server entry id.
    pub id: Uuid,
    /// Wait for the run to finish (a progress bar on a terminal) and print its summary.
    #[arg(long)]
    pub wait: bool,
}

#[derive(Args, Debug)]
pub struct SyncRunsArgs {
    /// ABM server entry id.
    pub id: Uuid,
    /// How many runs, newest first (1–500).
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
}

#[derive(Args, Debug)]
pub struct DevicesArgs {
    /// Only devices of this ABM server entry.
    #[arg(long)]
    pub server: Option<Uuid>,
    /// Only devices removed from their ABM server (default: only active ones).
    #[arg(long, conflicts_with = "all")]
    pub removed: bool,
    /// Active and removed devices.
    #[arg(long)]
    pub all: bool,
    /// iOS, iPadOS, macOS, tvOS, visionOS or watchOS.
    #[arg(long)]
    pub os: Option<String>,
    /// Device family: iPhone, iPad, Mac, AppleTV, Vision, Watch or iPod.
    #[arg(long)]
    pub family: Option<String>,
    /// Apple profile status: empty, assigned, pushed or removed.
    #[arg(long)]
    pub profile_status: Option<String>,
    /// Part of the serial number.
    #[arg(long)]
    pub search: Option<String>,
    /// Devices per page (1–1000).
    #[arg(long, default_value_t = 100)]
    pub limit: u32,
    /// Start after this serial number (the previous page's `next_after`).
    #[arg(long)]
    pub after: Option<String>,
    /// Write every matching device to this CSV file instead (--limit and --after do not apply).
    #[arg(long)]
    pub csv: Option<PathBuf>,
}

/// `abm sync ID [--wait]`.
pub async fn sync(client: &AdminClient, args: SyncArgs, out: &Output) -> anyhow::Result<()> {
    let started = client.abm_sync_start(args.id).await?;
    if started.joined && !out.is_json() {
        eprintln!("joined the sync run already in progress");
    }
    if !args.wait {
        return out.print(&started, || started.run_id.to_string());
    }
    // A bar only for people: never under --json or when stdout goes to a file or pipe.
    let bar = (!out.is_json() && std::io::stdout().is_terminal()).then(progress_bar);
    let run = finished(client, args.id, started.run_id, bar.as_ref()).await;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let summary = run?.summary();
    out.print(&summary, || describe(&summary))?;
    if summary.outcome == "failed" {
        let cause = summary.error.as_deref().unwrap_or("no reason given");
        return Err(Reported(format!("sync run {} failed: {cause}", summary.run_id)).into());
    }
    Ok(())
}

fn progress_bar() -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {elapsed} {msg}") {
        bar.set_style(style);
    }
    bar.set_message("starting…");
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// Follows the run to its end; meanwhile `bar` shows pages and devices so far.
async fn finished(
    client: &AdminClient,
    server: Uuid,
    run_id: Uuid,
    bar: Option<&ProgressBar>,
) -> anyhow::Result<SyncRunView> {
    let mut end = pin!(run_end(client, run_id));
    let Some(bar) = bar else {
        return end.await;
    };
    let mut tick = tokio::time::interval(PROGRESS_POLL);
    loop {
        tokio::select! {
            run = &mut end => return run,
            _ = tick.tick() => {
                // Progress is a nicety: a failed poll leaves the last message up.
                if let Ok(health) = client.abm_sync_health(server).await {
                    if let Some(p) = health.running.filter(|p| p.run_id == run_id) {
                        bar.set_message(format!(
                            "{}: {} pages, {} devices so far ({} added, {} modified, {} deleted)",
                            p.phase, p.pages, p.devices_seen, p.added, p.modified, p.deleted
                        ));
                    }
                }
            }
        }
    }
}

/// Asks the server to wait for the run until it has ended (each request is bounded by the
/// server, so long runs take several).
async fn run_end(client: &AdminClient, run_id: Uuid) -> anyhow::Result<SyncRunView> {
    let mut pace = tokio::time::interval(FINISH_POLL);
    loop {
        pace.tick().await;
        let run = client.abm_sync_run(run_id, true).await?;
        if !run.is_running() {
            return Ok(run);
        }
    }
}

fn describe(s: &SyncSummaryView) -> String {
    let mut lines = vec![
        format!("run:       {}", s.run_id),
        format!("outcome:   {}", s.outcome),
        format!("phase:     {}", s.phase),
        format!("pages:     {}", s.pages),
        format!(
            "devices:   {} added, {} modified, {} deleted",
            s.added, s.modified, s.deleted
        ),
        format!("duration:  {}", duration(Some(s.duration_ms))),
    ];
    lines.extend(s.error.as_ref().map(|e| format!("error:     {e}")));
    lines.extend(s.warning.as_ref().map(|w| format!("warning:   {w}")));
    lines.join("\n")
}

fn duration(ms: Option<u64>) -> String {
    ms.map_or_else(String::new, |ms| {
        format!("{}.{:01} s", ms / 1000, (ms % 1000) / 100)
    })
}

/// `abm sync-runs ID [--limit N]`.
pub async fn sync_runs(
    client: &AdminClient,
    args: SyncRunsArgs,
    out: &Output,
) -> anyhow::Result<()> {
    let list = client
        .abm_sync_runs(args.id, Some(args.limit), None)
        .await?;
    out.print(&list, || runs_table(&list))
}

fn runs_table(list: &SyncRunList) -> String {
    let rows: Vec<Vec<String>> = list
        .runs
        .iter()
        .map(|r| {
            vec![
                r.id.to_string(),
                timestamp(r.started_at),
                r.trigger.clone(),
                r.phase.clone(),
                r.pages.to_string(),
                r.added.to_string(),
                r.modified.to_string(),
                r.deleted.to_string(),
                duration(r.duration_ms),
                r.outcome.clone(),
                r.error
                    .clone()
                    .or_else(|| r.warning.clone())
                    .unwrap_or_default(),
            ]
        })
        .collect();
    let headers = [
        "RUN", "STARTED", "TRIGGER", "PHASE", "PAGES", "ADDED", "MODIFIED", "DELETED", "DURATION",
        "OUTCOME", "ERROR",
    ];
    table(&headers, &rows)
}

/// `abm devices …`: a page as a table or JSON, or every matching device into a CSV file.
pub async fn devices(client: &AdminClient, args: DevicesArgs, out: &Output) -> anyhow::Result<()> {
    let mut filter = AbmDeviceFilter {
        server: args.server,
        os: args.os,
        family: args.family,
        profile_status: args.profile_status,
        removed: if args.all { None } else { Some(args.removed) },
        search: args.search,
        after: None,
        limit: None,
    };
    if let Some(path) = args.csv {
        let bytes = write_csv(client, &filter, &path).await?;
        let doc = serde_json::json!({ "csv_file": path, "bytes": bytes });
        return out.print(&doc, || {
            format!("wrote {bytes} bytes to {}", path.display())
        });
    }
    filter.after = args.after;
    filter.limit = Some(args.limit);
    let list = client.abm_devices(&filter).await?;
    out.print(&list, || devices_table(&list))
}

async fn write_csv(
    client: &AdminClient,
    filter: &AbmDeviceFilter,
    path: &Path,
) -> anyhow::Result<u64> {
    let file =
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut writer = std::io::BufWriter::new(file);
    let written = match client.abm_devices_csv(filter, &mut writer).await {
        Ok(n) => std::io::Write::flush(&mut writer)
            .map(|()| n)
            .map_err(anyhow::Error::from),
        Err(e) => Err(e.into()),
    };
    if written.is_err() {
        // A half-written export must not pass for a whole one.
        drop(writer);
        let _ = std::fs::remove_file(path);
    }
    written.with_context(|| format!("writing {}", path.display()))
}

fn devices_table(list: &AbmDeviceList) -> String {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let rows: Vec<Vec<String>> = list
        .devices
        .iter()
        .map(|d| {
            vec![
                d.serial_number.clone(),
                text(&d.model),
                text(&d.os),
                text(&d.device_family),
                text(&d.profile_status),
                d.device_assigned_date.map(date).unwrap_or_default(),
                d.removed_at.map(date).unwrap_or_default(),
                d.abm_server_id.to_string(),
            ]
        })
        .collect();
    let headers = [
        "SERIAL",
        "MODEL",
        "OS",
        "FAMILY",
        "PROFILE",
        "ASSIGNED",
        "REMOVED",
        "ABM SERVER",
    ];
    let mut text = table(&headers, &rows);
    text.push_str(&format!(
        "\n{} of {} devices",
        list.devices.len(),
        list.total
    ));
    if let Some(next) = &list.next_after {
        text.push_str(&format!("; next page: --after {next}"));
    }
    text
}

/// `abm servers set-batch-size ID N`.
pub async fn set_batch_size(
    client: &AdminClient,
    id: Uuid,
    n: u32,
    out: &Output,
) -> anyhow::Result<()> {
    let settings = client.abm_set_batch_size(id, n).await?;
    out.print(&settings, || {
        format!("sync batch size of {id}: {}", settings.sync_batch_size)
    })
}

fn date(t: time::OffsetDateTime) -> String {
    let d = t.date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

fn timestamp(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{} {:02}:{:02}:{:02}",
        date(t),
        t.hour(),
        t.minute(),
        t.second()
    )
}
