//! `cultivar enroll …`: profile-based (non-ADE) device enrollment — a signed enrollment
//! profile written to a file, or a one-time download link for one.

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use cultivar_api_types::enroll::CreateEnrollLink;

use crate::{ade_report::timestamp, output::Output, GlobalOpts};

#[derive(Subcommand, Debug)]
pub enum EnrollCommand {
    /// Write a freshly signed enrollment profile (.mobileconfig) with a new one-time SCEP
    /// challenge to FILE.
    Profile {
        #[arg(long)]
        out: PathBuf,
    },
    /// Create a one-time download link for a signed enrollment profile.
    Link {
        /// How long the link stays usable (1 to 720 hours).
        #[arg(long, default_value_t = 24)]
        expires_hours: u32,
    },
}

pub async fn run(command: EnrollCommand, global: &GlobalOpts, out: &Output) -> anyhow::Result<()> {
    let client = crate::api_client(global)?;
    match command {
        EnrollCommand::Profile { out: path } => {
            let profile = client.enroll_profile().await?;
            std::fs::write(&path, &profile)
                .with_context(|| format!("writing the profile to {}", path.display()))?;
            let doc = serde_json::json!({
                "path": path.display().to_string(),
                "bytes": profile.len(),
            });
            out.print(&doc, || {
                format!(
                    "wrote the signed enrollment profile to {} ({} bytes); its SCEP challenge \
                     works once",
                    path.display(),
                    profile.len()
                )
            })
        }
        EnrollCommand::Link { expires_hours } => {
            let body = CreateEnrollLink {
                expires_hours: Some(expires_hours),
            };
            let link = client.enroll_link(&body).await?;
            out.print(&link, || {
                format!(
                    "{}\nworks once, until {}",
                    link.url,
                    timestamp(link.expires_at)
                )
            })
        }
    }
}
