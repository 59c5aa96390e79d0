//! `cultivar abm …`: ABM server entries and the token exchange, over the admin API; device sync
//! verbs live in [`crate::abm_sync`].

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Subcommand;
use cultivar_api_types::abm::{AbmCertificate, AbmServerView, CreateAbmServer};
use cultivar_client::AdminClient;
use uuid::Uuid;

use crate::{
    abm_sync,
    output::{table, Output},
    GlobalOpts,
};

#[derive(Subcommand, Debug)]
pub enum AbmCommand {
    /// ABM MDM server entries (tokens).
    #[command(subcommand)]
    Servers(ServersCommand),
    /// Sync devices from ABM now: starts a run, or joins the one in progress.
    Sync(abm_sync::SyncArgs),
    /// A server's sync history, newest first.
    SyncRuns(abm_sync::SyncRunsArgs),
    /// Devices synced from ABM (a page, or every match as CSV with --csv).
    Devices(abm_sync::DevicesArgs),
}

#[derive(Subcommand, Debug)]
pub enum ServersCommand {
    /// "Generate Token": create an entry; prints its id and writes the certificate to upload to ABM.
    Create {
        name: String,
        /// Write the PEM certificate here (default: cultivar-abm-ID.pem in this directory).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Device Assignment API base URL (default Apple's; a simulator's URL for tests and demos).
        #[arg(long)]
        base_url: Option<String>,
    },
    /// List entries with status and token expiry.
    List,
    /// Show one entry.
    Show { id: Uuid },
    /// The certificate to upload to ABM (printed, or written with --out).
    PublicKey {
        id: Uuid,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Upload the server token (.p7m) downloaded from ABM.
    UploadToken {
        id: Uuid,
        file: PathBuf,
        /// Replace a token that belongs to a different ABM MDM server.
        #[arg(long)]
        force: bool,
    },
    /// Start a renewal: a new certificate to upload to ABM; the current token keeps working.
    Renew {
        id: Uuid,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Ask Apple's /account again and refresh the status.
    Refresh { id: Uuid },
    /// Delete an entry and its token.
    Delete { id: Uuid },
    /// Set how many devices each sync request asks Apple for (1–1000, default 100).
    SetBatchSize { id: Uuid, n: u32 },
}

pub async fn run(command: AbmCommand, global: &GlobalOpts, out: &Output) -> anyhow::Result<()> {
    let client = crate::api_client(global)?;
    match command {
        AbmCommand::Servers(cmd) => servers(cmd, &client, out).await,
        AbmCommand::Sync(args) => abm_sync::sync(&client, args, out).await,
        AbmCommand::SyncRuns(args) => abm_sync::sync_runs(&client, args, out).await,
        AbmCommand::Devices(args) => abm_sync::devices(&client, args, out).await,
    }
}

async fn servers(cmd: ServersCommand, client: &AdminClient, out: &Output) -> anyhow::Result<()> {
    match cmd {
        ServersCommand::Create {
            name,
            out: file,
            base_url,
        } => {
            let created = client
                .abm_create_server(&CreateAbmServer { name, base_url })
                .await?;
            let file = file.unwrap_or_else(|| {
                PathBuf::from(format!("cultivar-abm-{}.pem", created.server.id))
            });
            print_certificate(&created, &file, out)
        }
        ServersCommand::List => {
            let list = client.abm_list_servers().await?;
            out.print(&list, || list_table(&list.servers))
        }
        ServersCommand::Show { id } => {
            let server = client.abm_server(id).await?;
            out.print(&server, || describe(&server))
        }
        ServersCommand::PublicKey { id, out: file } => {
            let pem = client.abm_public_key(id).await?;
            match file {
                Some(path) => {
                    write_file(&path, pem.as_bytes())?;
                    out.print(
                        &serde_json::json!({ "id": id, "certificate_file": path }),
                        || path.display().to_string(),
                    )
                }
                None => out.print(
                    &serde_json::json!({ "id": id, "certificate_pem": pem }),
                    || pem.clone(),
                ),
            }
        }
        ServersCommand::UploadToken { id, file, force } => {
            let bytes = std::fs::read(&file)
                .with_context(|| format!("reading token file {}", file.display()))?;
            let server = client.abm_upload_token(id, bytes, force).await?;
            out.print(&server, || describe(&server))
        }
        ServersCommand::Renew { id, out: file } => {
            let renewal = client.abm_renew(id).await?;
            let file =
                file.unwrap_or_else(|| PathBuf::from(format!("cultivar-abm-{id}-renewal.pem")));
            print_certificate(&renewal, &file, out)
        }
        ServersCommand::Refresh { id } => {
            let server = client.abm_refresh(id).await?;
            out.print(&server, || describe(&server))
        }
        ServersCommand::SetBatchSize { id, n } => {
            abm_sync::set_batch_size(client, id, n, out).await
        }
        ServersCommand::Delete { id } => {
            client.abm_delete_server(id).await?;
            out.print(&serde_json::json!({ "deleted": id }), || {
                format!("deleted {id}")
            })
        }
    }
}

/// Prints the entry id (text mode: the id alone, so scripts can capture it) after writing the PEM.
fn print_certificate(cert: &AbmCertificate, file: &Path, out: &Output) -> anyhow::Result<()> {
    write_file(file, cert.certificate_pem.as_bytes())?;
    let doc = serde_json::json!({ "id": cert.server.id, "certificate_file": file, "server": cert.server });
    eprintln!(
        "certificate written to {}: upload it to your MDM server in Apple Business Manager",
        file.display()
    );
    out.print(&doc, || cert.server.id.to_string())
}

fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

fn list_table(servers: &[AbmServerView]) -> String {
    let rows: Vec<Vec<String>> = servers
        .iter()
        .map(|s| {
            vec![
                s.id.to_string(),
                s.name.clone(),
                s.status.clone(),
                s.account
                    .as_ref()
                    .map(|a| a.org_name.clone())
                    .unwrap_or_default(),
                s.token
                    .as_ref()
                    .map(|t| date(t.expires_at))
                    .unwrap_or_default(),
                s.token
                    .as_ref()
                    .map(|t| t.days_left.to_string())
                    .unwrap_or_default(),
            ]
        })
        .collect();
    table(
        &[
            "ID",
            "NAME",
            "STATUS",
            "ORGANISATION",
            "EXPIRES",
            "DAYS LEFT",
        ],
        &rows,
    )
}

fn describe(s: &AbmServerView) -> String {
    let mut lines = vec![
        format!("id:            {}", s.id),
        format!("name:          {}", s.name),
        format!("status:        {} ({})", s.status, s.status_label),
    ];
    if !s.status_fix.is_empty() {
        lines.push(format!("fix:           {}", s.status_fix));
    }
    if let Some(detail) = &s.status_detail {
        lines.push(format!("detail:        {detail}"));
    }
    if let Some(a) = &s.account {
        lines.push(format!("organisation:  {}", a.org_name));
        lines.push(format!(
            "server name:   {} ({})",
            a.server_name, a.server_uuid
        ));
        lines.push(format!(
            "token owner:   {}",
            a.token_owner.as_deref().unwrap_or("-")
        ));
    }
    if let Some(t) = &s.token {
        lines.push(format!(
            "expires:       {} ({} days left)",
            date(t.expires_at),
            t.days_left
        ));
    }
    if s.renewal_pending {
        lines.push("renewal:       pending (upload the token for the new certificate)".to_string());
    }
    lines.push(format!("base url:      {}", s.base_url));
    lines.join("\n")
}

fn date(t: time::OffsetDateTime) -> String {
    let d = t.date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}
