//! `cultivar groups …`: static and OS-based device groups, their members and their ADE
//! profile, over the admin API.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use cultivar_api_types::ade::{CreateGroup, GroupList, GroupView, MembersAddedView, UpdateGroup};
use cultivar_client::AdminClient;

use crate::{
    ade_report::timestamp,
    output::{table, Output},
    GlobalOpts,
};

#[derive(Subcommand, Debug)]
pub enum GroupsCommand {
    /// Create a group: static (add serials to it), or every device of an OS with --os.
    Create {
        name: String,
        /// iOS, iPadOS, macOS, tvOS or visionOS: the group holds every device of this OS.
        #[arg(long)]
        os: Option<String>,
        /// Higher wins when several groups of a device carry profiles.
        #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
        priority: i64,
        /// ADE profile (UUID or name) for the group's devices.
        #[arg(long)]
        profile: Option<String>,
    },
    /// Every group with its priority, profile and member count.
    List,
    /// One group (UUID or name).
    Show { group: String },
    /// Rename a group or change its priority.
    Update {
        group: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long, allow_negative_numbers = true)]
        priority: Option<i64>,
    },
    /// Delete a group: its devices fall to the next rule.
    Delete { group: String },
    /// A page of a static group's serials.
    Members {
        group: String,
        /// Serials after this one (the previous page's next_after).
        #[arg(long)]
        after: Option<String>,
        /// Serials per page (1–1000).
        #[arg(long)]
        limit: Option<u32>,
    },
    /// Add serials to a static group, listed or from a CSV file (one serial a row).
    AddDevices(AddDevicesArgs),
    /// Remove serials from a static group.
    RemoveDevices {
        group: String,
        /// Comma-separated serials.
        #[arg(long, value_delimiter = ',', required = true)]
        serials: Vec<String>,
    },
    /// Set the group's ADE profile (UUID or name), or remove it with --clear.
    SetProfile {
        group: String,
        #[arg(required_unless_present = "clear", conflicts_with = "clear")]
        profile: Option<String>,
        #[arg(long)]
        clear: bool,
    },
}

#[derive(Args, Debug)]
pub struct AddDevicesArgs {
    pub group: String,
    /// Comma-separated serials.
    #[arg(
        long,
        value_delimiter = ',',
        required_unless_present = "csv",
        conflicts_with = "csv"
    )]
    pub serials: Vec<String>,
    /// CSV file: one serial a row (first column), header optional.
    #[arg(long)]
    pub csv: Option<PathBuf>,
}

pub async fn run(command: GroupsCommand, global: &GlobalOpts, out: &Output) -> anyhow::Result<()> {
    let client = crate::api_client(global)?;
    match command {
        GroupsCommand::Create {
            name,
            os,
            priority,
            profile,
        } => {
            let req = CreateGroup {
                name,
                os,
                priority,
                profile,
            };
            let group = client.group_create(&req).await?;
            print_group(&group, out)
        }
        GroupsCommand::List => {
            let list = client.groups().await?;
            out.print(&list, || groups_table(&list))
        }
        GroupsCommand::Show { group } => print_group(&client.group(&group).await?, out),
        GroupsCommand::Update {
            group,
            name,
            priority,
        } => {
            let req = UpdateGroup { name, priority };
            print_group(&client.group_update(&group, &req).await?, out)
        }
        GroupsCommand::Delete { group } => {
            client.group_delete(&group).await?;
            let doc = serde_json::json!({ "deleted": group });
            out.print(&doc, || format!("deleted group {group}"))
        }
        GroupsCommand::Members {
            group,
            after,
            limit,
        } => members(&client, &group, after.as_deref(), limit, out).await,
        GroupsCommand::AddDevices(args) => add_devices(&client, args, out).await,
        GroupsCommand::RemoveDevices { group, serials } => {
            let removed = client.group_remove_members(&group, &serials).await?;
            out.print(&removed, || {
                format!("removed {} serials from {group}", removed.removed)
            })
        }
        GroupsCommand::SetProfile {
            group,
            profile,
            clear,
        } => {
            let profile = if clear { None } else { profile };
            let view = client.group_set_profile(&group, profile.as_deref()).await?;
            print_group(&view, out)
        }
    }
}

fn print_group(g: &GroupView, out: &Output) -> anyhow::Result<()> {
    out.print(g, || {
        let kind = match &g.os {
            Some(os) => format!("every {os} device"),
            None => format!("static, {} serials", g.members),
        };
        let profile = g.profile.as_ref().map_or_else(
            || "(none)".to_owned(),
            |p| format!("{} ({}, {})", p.name, p.os, p.id),
        );
        [
            format!("id:        {}", g.id),
            format!("name:      {}", g.name),
            format!("members:   {kind}"),
            format!("priority:  {}", g.priority),
            format!("profile:   {profile}"),
            format!("updated:   {}", timestamp(g.updated_at)),
        ]
        .join("\n")
    })
}

fn groups_table(list: &GroupList) -> String {
    let rows: Vec<Vec<String>> = list
        .groups
        .iter()
        .map(|g| {
            vec![
                g.name.clone(),
                g.kind.clone(),
                g.os.clone().unwrap_or_default(),
                g.priority.to_string(),
                g.profile
                    .as_ref()
                    .map(|p| p.name.clone())
                    .unwrap_or_default(),
                g.members.to_string(),
                g.id.to_string(),
            ]
        })
        .collect();
    let headers = ["NAME", "KIND", "OS", "PRIORITY", "PROFILE", "MEMBERS", "ID"];
    table(&headers, &rows)
}

async fn members(
    client: &AdminClient,
    group: &str,
    after: Option<&str>,
    limit: Option<u32>,
    out: &Output,
) -> anyhow::Result<()> {
    let page = client.group_members(group, after, limit).await?;
    out.print(&page, || {
        let mut text = page.serials.join("\n");
        if let Some(next) = &page.next_after {
            text.push_str(&format!("\nnext page: --after {next}"));
        }
        text
    })
}

/// Adds the serials. A CSV's refused rows are listed with their line numbers; the good rows
/// are added all the same (as the API does), so the command succeeds.
async fn add_devices(
    client: &AdminClient,
    args: AddDevicesArgs,
    out: &Output,
) -> anyhow::Result<()> {
    let added = match &args.csv {
        Some(path) => {
            let csv = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            client.group_import_csv(&args.group, csv).await?
        }
        None => client.group_add_members(&args.group, &args.serials).await?,
    };
    out.print(&added, || added_text(&added, &args.group))
}

fn added_text(a: &MembersAddedView, group: &str) -> String {
    let mut lines = vec![format!(
        "{group}: {} serials added, {} already members",
        a.added, a.already
    )];
    if !a.unknown_to_abm.is_empty() {
        lines.push(format!(
            "not reported by ABM yet (kept; they apply once synced): {}",
            a.unknown_to_abm.join(", ")
        ));
    }
    for r in &a.rejected {
        lines.push(format!(
            "rejected line {}: {:?}: {}",
            r.line, r.value, r.reason
        ));
    }
    lines.join("\n")
}
