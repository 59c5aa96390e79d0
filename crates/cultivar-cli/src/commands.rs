//! `cultivar commands …`: MDM commands over the admin API — send (payload from a plist or
//! JSON file), the per-device activity log with its filters, one command's error, cancel.

use std::path::{Path, PathBuf};

use anyhow::Context;
use base64::Engine;
use clap::Subcommand;
use cultivar_api_types::mdm::{CommandDetailView, CommandListQuery, CommandView, SendCommand};
use serde_json::{Map, Value};

use crate::{
    ade_report::timestamp,
    output::{table, Output},
    GlobalOpts,
};

#[derive(Subcommand, Debug)]
pub enum CommandsCommand {
    /// Queue a command for a device (enrollment id or serial number). The payload file holds
    /// the command's keys other than RequestType, as a plist or JSON dictionary.
    Send {
        device: String,
        request_type: String,
        #[arg(long)]
        payload: Option<PathBuf>,
    },
    /// A device's MDM activity log, newest first.
    List {
        device: String,
        /// One or more states, comma-separated (queued, sent, not_now, acknowledged, error,
        /// command_format_error, cancelled).
        #[arg(long)]
        state: Option<String>,
        /// A RequestType.
        #[arg(long = "type")]
        request_type: Option<String>,
        /// Queued at or after (RFC 3339 or YYYY-MM-DD).
        #[arg(long)]
        since: Option<String>,
        /// Queued before (RFC 3339 or YYYY-MM-DD).
        #[arg(long)]
        until: Option<String>,
        #[arg(long)]
        limit: Option<u32>,
    },
    /// One command of a device: its reports and, when it failed, ErrorChain and RejectionReason.
    Show { device: String, uuid: String },
    /// Cancel a command still waiting (on every device, or only --device).
    Cancel {
        uuid: String,
        #[arg(long)]
        device: Option<String>,
    },
}

pub async fn run(
    command: CommandsCommand,
    global: &GlobalOpts,
    out: &Output,
) -> anyhow::Result<()> {
    let client = crate::api_client(global)?;
    match command {
        CommandsCommand::Send {
            device,
            request_type,
            payload,
        } => send(&client, &device, request_type, payload.as_deref(), out).await,
        CommandsCommand::List {
            device,
            state,
            request_type,
            since,
            until,
            limit,
        } => {
            let q = CommandListQuery {
                state,
                request_type,
                since,
                until,
                before: None,
                limit,
            };
            let list = client.commands(&device, &q).await?;
            out.print(&list, || log_table(&list.commands))
        }
        CommandsCommand::Show { device, uuid } => {
            let detail = client.command(&device, &uuid).await?;
            out.print(&detail, || detail_text(&detail))
        }
        CommandsCommand::Cancel { uuid, device } => {
            let done = client.cancel_command(&uuid, device.as_deref()).await?;
            out.print(&done, || {
                format!(
                    "{}: cancelled on {} device(s)",
                    done.command_uuid, done.cancelled
                )
            })
        }
    }
}

async fn send(
    client: &cultivar_client::AdminClient,
    device: &str,
    request_type: String,
    payload: Option<&Path>,
    out: &Output,
) -> anyhow::Result<()> {
    let payload = match payload {
        Some(path) => read_payload(path)?,
        None => Value::Object(Map::new()),
    };
    let body = SendCommand {
        request_type,
        payload,
    };
    let queued = client.send_command(device, &body).await?;
    out.print(&queued, || {
        format!(
            "{} {} queued for {}",
            queued.request_type,
            queued.command_uuid,
            queued.queued.join(", ")
        )
    })
}

fn log_table(commands: &[CommandView]) -> String {
    let opt = |t: Option<time::OffsetDateTime>| t.map(timestamp).unwrap_or_default();
    let rows: Vec<Vec<String>> = commands
        .iter()
        .map(|c| {
            vec![
                c.command_uuid.clone(),
                c.request_type.clone(),
                c.state.clone(),
                timestamp(c.queued_at),
                opt(c.sent_at),
                opt(c.answered_at),
                c.not_now_count.to_string(),
                if c.has_error { "yes" } else { "" }.to_owned(),
            ]
        })
        .collect();
    table(
        &[
            "UUID", "COMMAND", "STATE", "QUEUED", "SENT", "ANSWERED", "NOTNOW", "ERROR",
        ],
        &rows,
    )
}

fn detail_text(d: &CommandDetailView) -> String {
    let c = &d.command;
    let mut lines = vec![format!(
        "{} {}: {}",
        c.request_type, c.command_uuid, c.state
    )];
    for r in &d.reports {
        lines.push(format!("  {} {}", timestamp(r.received_at), r.status));
    }
    if let Some(e) = &d.error {
        for item in &e.error_chain {
            lines.push(format!(
                "  error {} {}: {}",
                item.domain.as_deref().unwrap_or("?"),
                item.code.map(|c| c.to_string()).unwrap_or_default(),
                item.us_english_description
                    .as_deref()
                    .or(item.description.as_deref())
                    .unwrap_or("")
            ));
        }
        if let Some(reason) = &e.rejection_reason {
            lines.push(format!("  RejectionReason: {reason}"));
        }
        if let Some(p) = &e.parse_error {
            lines.push(format!("  report could not be decoded: {p}"));
        }
    }
    lines.join("\n")
}

/// A payload file: a JSON object, or a plist dictionary (XML or binary) converted to JSON
/// (data as base64, dates as RFC 3339, which the server turns back per Apple's schema).
fn read_payload(path: &Path) -> anyhow::Result<Value> {
    let bytes =
        std::fs::read(path).with_context(|| format!("payload: cannot read {}", path.display()))?;
    let text_start = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if text_start == Some(&b'{') {
        let v: Value = serde_json::from_slice(&bytes)
            .with_context(|| format!("payload: {} is not valid JSON", path.display()))?;
        anyhow::ensure!(v.is_object(), "payload: the JSON must be an object");
        return Ok(v);
    }
    let v = plist::Value::from_reader(std::io::Cursor::new(&bytes)).with_context(|| {
        format!(
            "payload: {} is neither a JSON object nor a plist",
            path.display()
        )
    })?;
    anyhow::ensure!(
        v.as_dictionary().is_some(),
        "payload: the plist must be a dictionary of the command's keys"
    );
    plist_to_json(&v)
}

fn plist_to_json(v: &plist::Value) -> anyhow::Result<Value> {
    Ok(match v {
        plist::Value::Array(items) => {
            Value::Array(items.iter().map(plist_to_json).collect::<Result<_, _>>()?)
        }
        plist::Value::Dictionary(d) => {
            let mut map = Map::new();
            for (k, v) in d {
                map.insert(k.clone(), plist_to_json(v)?);
            }
            Value::Object(map)
        }
        plist::Value::Boolean(b) => Value::Bool(*b),
        plist::Value::Data(bytes) => {
            Value::String(base64::engine::general_purpose::STANDARD.encode(bytes))
        }
        plist::Value::Date(d) => Value::String(d.to_xml_format()),
        plist::Value::Real(r) => serde_json::Number::from_f64(*r)
            .map(Value::Number)
            .context("payload: a real value is not finite")?,
        plist::Value::Integer(i) => match (i.as_signed(), i.as_unsigned()) {
            (Some(s), _) => Value::from(s),
            (None, Some(u)) => Value::from(u),
            (None, None) => anyhow::bail!("payload: integer out of range"),
        },
        plist::Value::String(s) => Value::String(s.clone()),
        _ => anyhow::bail!("payload: unsupported plist value"),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn plist_payloads_become_json_with_base64_data() {
        let xml = br#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>Queries</key><array><string>UDID</string></array>
<key>Payload</key><data>AAEC</data>
<key>N</key><integer>3</integer>
</dict></plist>"#;
        let v = plist::Value::from_reader(std::io::Cursor::new(&xml[..])).unwrap();
        let json = plist_to_json(&v).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"Queries": ["UDID"], "Payload": "AAEC", "N": 3})
        );
    }
}
