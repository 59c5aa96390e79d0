//! `cultivar ade …`: ADE profiles and per-OS defaults over the admin API; the diagnostic verbs
//! (`unassigned`, `explain`, `plan`, `apply`) print through [`crate::ade_report`].

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand};
use cultivar_api_types::ade::{AdeProfileList, AdeProfileSaved, AdeProfileView, OsDefaultsView};
use cultivar_client::AdminClient;

use crate::{
    ade_report::{self, timestamp},
    output::{table, Output},
    GlobalOpts,
};

#[derive(Subcommand, Debug)]
pub enum AdeCommand {
    /// ADE profiles (Apple's profile JSON plus `"os"`).
    #[command(subcommand)]
    Profiles(ProfilesCommand),
    /// The default profile of each OS (the last rule before Unassigned).
    #[command(subcommand)]
    Defaults(DefaultsCommand),
    /// Devices without a profile, each with its reason, and counts by reason.
    Unassigned {
        /// Also list devices removed from ABM.
        #[arg(long)]
        include_removed: bool,
    },
    /// Why a device has the profile it has: the rules step by step, next to Apple's view.
    Explain { serial: String },
    /// Dry run: what the next push would send to ABM, without sending anything.
    Plan,
    /// Push to ABM now instead of waiting for the automatic push.
    Apply,
}

#[derive(Subcommand, Debug)]
pub enum ProfilesCommand {
    /// Create a profile from a JSON file (Apple's profile keys plus `"os"`).
    Create(FileArg),
    /// Every profile, with its use and its definitions per ABM server.
    List,
    /// One profile (UUID or name), with its stored JSON.
    Show { profile: String },
    /// Replace a profile's JSON (its devices are assigned the new revision).
    Update {
        profile: String,
        #[command(flatten)]
        file: FileArg,
        /// The revision the edit is based on: refused if someone saved a newer one since.
        #[arg(long)]
        revision: Option<i64>,
    },
    /// Delete a profile; one in use needs --force, and its devices fall to the next rule.
    Delete {
        profile: String,
        #[arg(long)]
        force: bool,
    },
}

#[derive(Args, Debug)]
pub struct FileArg {
    /// The profile JSON file.
    #[arg(long)]
    pub file: PathBuf,
}

#[derive(Subcommand, Debug)]
pub enum DefaultsCommand {
    /// Make PROFILE (UUID or name) the default of an OS.
    Set {
        /// iOS, iPadOS, macOS, tvOS or visionOS.
        #[arg(long)]
        os: String,
        profile: String,
    },
    /// Every OS with its default profile, if any.
    Show,
    /// Remove an OS's default: its devices without another rule become Unassigned.
    Clear {
        #[arg(long)]
        os: String,
    },
}

pub async fn run(command: AdeCommand, global: &GlobalOpts, out: &Output) -> anyhow::Result<()> {
    let client = crate::api_client(global)?;
    match command {
        AdeCommand::Profiles(cmd) => profiles(cmd, &client, out).await,
        AdeCommand::Defaults(cmd) => defaults(cmd, &client, out).await,
        AdeCommand::Unassigned { include_removed } => {
            ade_report::unassigned(&client, include_removed, out).await
        }
        AdeCommand::Explain { serial } => ade_report::explain(&client, &serial, out).await,
        AdeCommand::Plan => ade_report::plan(&client, out).await,
        AdeCommand::Apply => ade_report::apply(&client, out).await,
    }
}

async fn profiles(cmd: ProfilesCommand, client: &AdminClient, out: &Output) -> anyhow::Result<()> {
    match cmd {
        ProfilesCommand::Create(file) => {
            let json = read_profile(&file.file)?;
            let saved = client
                .ade_profile_create(&json)
                .await
                .map_err(|e| field_errors(e, out))?;
            print_saved(&saved, "created", out)
        }
        ProfilesCommand::List => {
            let list = client.ade_profiles().await?;
            out.print(&list, || profiles_table(&list))
        }
        ProfilesCommand::Show { profile } => {
            let view = client.ade_profile(&profile).await?;
            out.print(&view, || describe_profile(&view))
        }
        ProfilesCommand::Update {
            profile,
            file,
            revision,
        } => {
            let json = read_profile(&file.file)?;
            let saved = client
                .ade_profile_update(&profile, revision, &json)
                .await
                .map_err(|e| match conflict_hint(e, EDITED_SINCE) {
                    Ok(api) => field_errors(api, out),
                    Err(hinted) => hinted,
                })?;
            print_saved(&saved, "updated", out)
        }
        ProfilesCommand::Delete { profile, force } => {
            client
                .ade_profile_delete(&profile, force)
                .await
                .map_err(|e| conflict_hint(e, IN_USE).map_or_else(|hinted| hinted, Into::into))?;
            let doc = serde_json::json!({ "deleted": profile });
            out.print(&doc, || format!("deleted profile {profile}"))
        }
    }
}

/// The file as a JSON object; the server checks the fields themselves.
fn read_profile(path: &Path) -> anyhow::Result<serde_json::Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{}: not valid JSON", path.display()))?;
    anyhow::ensure!(
        json.is_object(),
        "{}: must hold one JSON object (Apple's profile keys plus \"os\")",
        path.display()
    );
    Ok(json)
}

const IN_USE: &str = "pass --force to leave its devices, groups and defaults to the next rule";
const EDITED_SINCE: &str =
    "someone saved it since: `cultivar ade profiles show` has the current revision";

/// A 409 (in use, or edited since) as an error saying what to do; other errors back as they
/// came.
fn conflict_hint(
    err: cultivar_client::ClientError,
    hint: &str,
) -> Result<cultivar_client::ClientError, anyhow::Error> {
    match err {
        cultivar_client::ClientError::Api {
            status: 409,
            message,
            ..
        } => Err(anyhow::anyhow!("{message} — {hint}")),
        other => Ok(other),
    }
}

/// A refused profile names every field: one line each on stderr in text mode (the one-line
/// error that follows sums them up), and the whole list in the `--json` error document.
fn field_errors(err: cultivar_client::ClientError, out: &Output) -> anyhow::Error {
    let cultivar_client::ClientError::Api {
        message, errors, ..
    } = &err
    else {
        return err.into();
    };
    if errors.is_empty() {
        return err.into();
    }
    if out.is_json() {
        let doc = serde_json::json!({ "error": message, "errors": errors });
        println!("{doc}");
        return crate::output::Reported(message.clone()).into();
    }
    for e in errors {
        eprintln!("  {}: {} ({})", e.field, e.message, e.code);
    }
    err.into()
}

fn print_saved(saved: &AdeProfileSaved, verb: &str, out: &Output) -> anyhow::Result<()> {
    let p = &saved.profile;
    out.print(saved, || {
        let mut lines = vec![format!(
            "{verb} profile {} ({}, {}), revision {}",
            p.name, p.os, p.id, p.revision
        )];
        lines.extend(
            saved
                .warnings
                .iter()
                .map(|w| format!("warning: {}: {}", w.field, w.message)),
        );
        lines.join("\n")
    })
}

fn profiles_table(list: &AdeProfileList) -> String {
    let rows: Vec<Vec<String>> = list
        .profiles
        .iter()
        .map(|p| {
            let stale = p.definitions.iter().filter(|d| d.stale).count();
            vec![
                p.name.clone(),
                p.os.clone(),
                p.revision.to_string(),
                p.usage.devices.to_string(),
                p.usage.groups.to_string(),
                p.usage.defaults.to_string(),
                format!("{} ({stale} stale)", p.definitions.len()),
                p.id.to_string(),
            ]
        })
        .collect();
    let headers = [
        "NAME", "OS", "REVISION", "DEVICES", "GROUPS", "DEFAULTS", "DEFINED", "ID",
    ];
    let mut text = table(&headers, &rows);
    text.push_str(&format!("\n{} profiles", list.profiles.len()));
    text
}

fn describe_profile(p: &AdeProfileView) -> String {
    let mut lines = vec![
        format!("id:           {}", p.id),
        format!("name:         {}", p.name),
        format!("os:           {}", p.os),
        format!("description:  {}", p.description),
        format!("revision:     {}", p.revision),
        format!(
            "used by:      {} devices, {} groups, {} OS defaults",
            p.usage.devices, p.usage.groups, p.usage.defaults
        ),
        format!("updated:      {}", timestamp(p.updated_at)),
    ];
    for d in &p.definitions {
        let stale = if d.stale {
            " — stale: defined again at the next push"
        } else {
            ""
        };
        lines.push(format!(
            "defined on ABM server {}: {} (revision {}, {}){stale}",
            d.abm_server_id,
            d.apple_profile_uuid,
            d.revision,
            timestamp(d.defined_at)
        ));
    }
    let body = serde_json::to_string_pretty(&p.body).unwrap_or_default();
    lines.push(format!("profile JSON:\n{body}"));
    lines.join("\n")
}

async fn defaults(cmd: DefaultsCommand, client: &AdminClient, out: &Output) -> anyhow::Result<()> {
    match cmd {
        DefaultsCommand::Set { os, profile } => {
            let set = client.ade_default_set(&os, &profile).await?;
            out.print(&set, || {
                format!(
                    "default profile of {}: {} ({})",
                    set.os, set.profile.name, set.profile.id
                )
            })
        }
        DefaultsCommand::Show => {
            let view = client.ade_defaults().await?;
            out.print(&view, || defaults_table(&view))
        }
        DefaultsCommand::Clear { os } => {
            client.ade_default_clear(&os).await?;
            let doc = serde_json::json!({ "cleared": os });
            out.print(&doc, || format!("cleared the default profile of {os}"))
        }
    }
}

fn defaults_table(view: &OsDefaultsView) -> String {
    let rows: Vec<Vec<String>> = view
        .defaults
        .iter()
        .map(|slot| match &slot.default {
            Some(d) => vec![
                slot.os.clone(),
                d.profile.name.clone(),
                d.profile.id.to_string(),
                timestamp(d.updated_at),
            ],
            None => vec![slot.os.clone(), "(none)".to_owned()],
        })
        .collect();
    table(&["OS", "PROFILE", "ID", "UPDATED"], &rows)
}
