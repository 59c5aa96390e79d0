//! `cultivar devices …` over the admin API: the device list (ABM and MDM merged, with
//! states), one device, and per-device settings (the explicit ADE profile).

use clap::Subcommand;

use crate::{ade_report::timestamp, output::Output, GlobalOpts};

#[derive(Subcommand, Debug)]
pub enum DevicesCommand {
    /// Devices in serial-number order with their state (pending, enrolled, offline, unmanaged).
    List {
        #[arg(long)]
        state: Option<String>,
        /// The previous page's next_after.
        #[arg(long)]
        after: Option<String>,
        #[arg(long)]
        limit: Option<u32>,
    },
    /// One device by enrollment id or serial number.
    Show { device: String },
    /// Give a device an explicit ADE profile (UUID or name; wins over groups and defaults),
    /// or remove it with --clear.
    SetProfile {
        serial: String,
        #[arg(required_unless_present = "clear", conflicts_with = "clear")]
        profile: Option<String>,
        #[arg(long)]
        clear: bool,
    },
}

pub async fn run(command: DevicesCommand, global: &GlobalOpts, out: &Output) -> anyhow::Result<()> {
    let client = crate::api_client(global)?;
    match command {
        DevicesCommand::List {
            state,
            after,
            limit,
        } => {
            let q = cultivar_api_types::mdm::DeviceListQuery {
                state,
                after,
                limit,
            };
            let list = client.devices(&q).await?;
            out.print(&list, || devices_table(&list))
        }
        DevicesCommand::Show { device } => {
            let d = client.device(&device).await?;
            out.print(&d, || device_text(&d))
        }
        DevicesCommand::SetProfile {
            serial,
            profile: Some(profile),
            clear: false,
        } => {
            let set = client.device_profile_set(&serial, &profile).await?;
            out.print(&set, || {
                let mut text = format!(
                    "{}: profile {} ({}, {}) since {}",
                    set.serial,
                    set.profile.name,
                    set.profile.os,
                    set.profile.id,
                    timestamp(set.assigned_at)
                );
                if !set.known_to_abm {
                    text.push_str(
                        "\nnote: ABM has not reported this serial yet; the profile applies once it syncs",
                    );
                }
                text
            })
        }
        DevicesCommand::SetProfile { serial, .. } => {
            client.device_profile_clear(&serial).await?;
            let doc = serde_json::json!({ "serial": serial, "cleared": true });
            out.print(&doc, || {
                format!("{serial}: explicit profile removed; groups and the OS default apply")
            })
        }
    }
}

fn devices_table(list: &cultivar_api_types::mdm::DeviceList) -> String {
    let rows: Vec<Vec<String>> = list
        .devices
        .iter()
        .map(|d| {
            let e = d.enrollment.as_ref();
            vec![
                d.key.clone(),
                d.state.clone(),
                e.map(|e| e.id.clone()).unwrap_or_default(),
                e.and_then(|e| e.product_name.clone())
                    .or_else(|| d.abm.as_ref().and_then(|a| a.model.clone()))
                    .unwrap_or_default(),
                e.and_then(|e| e.os_version.clone()).unwrap_or_default(),
                e.and_then(|e| e.last_seen_at)
                    .map(timestamp)
                    .unwrap_or_default(),
            ]
        })
        .collect();
    let mut text = crate::output::table(
        &["DEVICE", "STATE", "ENROLLMENT", "MODEL", "OS", "LAST SEEN"],
        &rows,
    );
    if let Some(next) = &list.next_after {
        text.push_str(&format!("\nmore: --after {next}"));
    }
    text
}

fn device_text(d: &cultivar_api_types::mdm::DeviceView) -> String {
    let mut lines = vec![format!("{}: {}", d.key, d.state)];
    if let Some(a) = &d.abm {
        lines.push(format!(
            "  ABM: {} {} profile {}",
            a.model.as_deref().unwrap_or("?"),
            a.os.as_deref().unwrap_or("?"),
            a.profile_status.as_deref().unwrap_or("none")
        ));
    }
    if let Some(e) = &d.enrollment {
        lines.push(format!(
            "  MDM: {} ({}, {}) {} {}",
            e.id,
            e.enrollment_type,
            if e.enabled { "enabled" } else { "disabled" },
            e.product_name.as_deref().unwrap_or("?"),
            e.os_version.as_deref().unwrap_or("?")
        ));
        if let Some(t) = e.last_seen_at {
            lines.push(format!("  last seen {}", timestamp(t)));
        }
    }
    if let Some(p) = &d.push {
        lines.extend(push_lines(p));
    }
    lines.join("\n")
}

/// `Push: …` (the last attempt and its outcome), then the failure's hint when it failed.
fn push_lines(p: &cultivar_api_types::mdm::PushStateView) -> Vec<String> {
    let at = |t: Option<time::OffsetDateTime>| t.map(timestamp).unwrap_or_else(|| "?".into());
    let line = match (&p.error, p.state.as_str()) {
        (Some(e), _) => format!(
            "  Push: FAILED {}: {} ({})",
            timestamp(e.at),
            e.reason,
            if e.permanent {
                "permanent: no pushes until the device sends a new TokenUpdate"
            } else {
                "transient: the next push tries again"
            }
        ),
        (None, "never") => "  Push: none sent yet".to_owned(),
        (None, "delivered") => format!("  Push: delivered {}", at(p.last_delivered_at)),
        (None, state) => format!(
            "  Push: {state} (last attempt {}, last delivered {})",
            at(p.last_attempt_at),
            at(p.last_delivered_at)
        ),
    };
    let mut lines = vec![line];
    if let Some(e) = &p.error {
        lines.push(format!("    hint: {}", e.hint));
    }
    lines
}
