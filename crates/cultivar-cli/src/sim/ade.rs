//! `cultivar sim abm` verbs for ADE profiles: scripted per-serial assign results, unassigning a
//! profile in ABM, a device fetching its profile, and the profiles the simulator holds.

use anyhow::Context;
use clap::Args;
use cultivar_abm_sim::admin_types::{AssignResultRequest, InjectedResult};
use cultivar_abm_sim::SimAdminClient;

use super::{print_batch, SerialsArg};
use crate::output::Output;

#[derive(Args, Debug)]
pub struct AssignResultArgs {
    /// Comma-separated serials, or * for every serial of the next assign requests.
    #[arg(long, value_delimiter = ',', required = true)]
    pub serials: Vec<String>,
    /// FAILED, THROTTLED or NOT_ACCESSIBLE.
    #[arg(long, value_parser = parse_result)]
    pub result: InjectedResult,
    /// THROTTLED only: retry_after_seconds of the reply (protocol 10 and later).
    #[arg(long, value_name = "SECONDS")]
    pub retry_after: Option<u64>,
    /// How many assign attempts (requests, for *) this answers.
    #[arg(long, default_value_t = 1)]
    pub count: u32,
}

fn parse_result(value: &str) -> Result<InjectedResult, String> {
    let upper = value.trim().to_ascii_uppercase();
    serde_json::from_value(serde_json::Value::String(upper))
        .map_err(|_| format!("{value:?} is not FAILED, THROTTLED or NOT_ACCESSIBLE"))
}

pub async fn assign_result(
    c: &SimAdminClient,
    a: AssignResultArgs,
    out: Output,
) -> anyhow::Result<()> {
    let req = AssignResultRequest {
        serials: a.serials,
        result: a.result,
        count: Some(a.count),
        retry_after_seconds: a.retry_after,
    };
    let pending = c.add_assign_results(&req).await?;
    out.print(&pending, || {
        pending
            .iter()
            .map(|e| {
                let r = e.injection.result.device_result();
                format!("{} {} x{}", e.serial, r.as_str(), e.injection.remaining)
            })
            .collect::<Vec<_>>()
            .join("\n")
    })
}

pub async fn clear_assign_results(c: &SimAdminClient, out: Output) -> anyhow::Result<()> {
    let r = c.clear_assign_results().await?;
    out.print(&r, || format!("{} injected result(s) cleared", r.removed))
}

pub async fn unassign(c: &SimAdminClient, a: SerialsArg, out: Output) -> anyhow::Result<()> {
    print_batch(&c.unassign_profiles(&a.serials).await?, "unassigned", out)
}

pub async fn pushed(c: &SimAdminClient, serial: &str, out: Output) -> anyhow::Result<()> {
    let d = c.mark_pushed(serial).await?;
    out.print(&d, || {
        format!(
            "{} {} pushed at {}",
            d.serial_number,
            d.profile_uuid.as_deref().unwrap_or("-"),
            d.profile_push_time.as_deref().unwrap_or("?")
        )
    })
}

pub async fn profiles(c: &SimAdminClient, server: &str, out: Output) -> anyhow::Result<()> {
    let list = c
        .profiles(server)
        .await
        .with_context(|| format!("server: profiles of {server}"))?;
    out.print(&list, || {
        list.iter()
            .map(|p| {
                let name = &p.profile.profile_name;
                format!("{} {name:?}: {} device(s)", p.profile_uuid, p.serials.len())
            })
            .collect::<Vec<_>>()
            .join("\n")
    })
}
