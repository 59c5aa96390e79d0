//! `cultivar mdm …`: the APNs push certificate ("MDM certificate") over the admin API —
//! generate the CSR, upload the signed certificate, show topic and validity.

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use cultivar_api_types::push_cert::PushCertView;
use serde_json::json;

use crate::{ade_report::timestamp, output::Output, GlobalOpts};

#[derive(Subcommand, Debug)]
pub enum MdmCommand {
    /// The APNs push certificate: csr, upload, show.
    #[command(subcommand)]
    PushCert(PushCertCommand),
}

#[derive(Subcommand, Debug)]
pub enum PushCertCommand {
    /// Generate a new push key on the server and write its CSR (PEM) to FILE, to have signed
    /// (vendor, then Apple's push portal). The certificate in force keeps working meanwhile.
    Csr {
        #[arg(long)]
        out: PathBuf,
    },
    /// Upload the signed push certificate (PEM or DER). A topic other than the one in force
    /// is refused unless --force: every enrolled device would stop receiving pushes.
    Upload {
        cert: PathBuf,
        #[arg(long)]
        force: bool,
    },
    /// Status, topic and validity of the push certificate.
    Show,
}

pub async fn run(command: MdmCommand, global: &GlobalOpts, out: &Output) -> anyhow::Result<()> {
    let client = crate::api_client(global)?;
    let MdmCommand::PushCert(command) = command;
    match command {
        PushCertCommand::Csr { out: file } => {
            let csr = client.push_cert_csr().await?;
            std::fs::write(&file, csr.csr_pem.as_bytes())
                .with_context(|| format!("writing the CSR to {}", file.display()))?;
            let done = json!({"csr_file": file.display().to_string()});
            out.print(&done, || {
                format!(
                    "CSR written to {}: have it signed, then run `cultivar mdm push-cert \
                     upload CERT`",
                    file.display()
                )
            })
        }
        PushCertCommand::Upload { cert, force } => {
            let bytes = std::fs::read(&cert)
                .with_context(|| format!("reading the certificate {}", cert.display()))?;
            let view = client.upload_push_cert(bytes, force).await?;
            out.print(&view, || show_text(&view))
        }
        PushCertCommand::Show => {
            let view = client.push_cert().await?;
            out.print(&view, || show_text(&view))
        }
    }
}

fn show_text(v: &PushCertView) -> String {
    let when = |t: Option<time::OffsetDateTime>| t.map_or_else(|| "-".to_owned(), timestamp);
    let mut lines = vec![
        format!("status:      {}", v.status),
        format!("topic:       {}", v.topic.as_deref().unwrap_or("-")),
        format!("not before:  {}", when(v.not_before)),
        format!("not after:   {}", when(v.not_after)),
        format!("uploaded:    {}", when(v.uploaded_at)),
    ];
    if let Some(t) = v.csr_created_at {
        lines.push(format!("pending CSR: generated {}", timestamp(t)));
    }
    lines.join("\n")
}
