//! `cultivar admin …`: offline operations straight on the database (no server needed), for the
//! first admin, the first API key, migrations and the default configuration.

use std::{io::BufRead, sync::Arc};

use anyhow::Context;
use clap::Subcommand;
use cultivar_api_types::ApiRole;
use cultivar_server::{api::convert, config::redact_database_url, Config, ConfigOverrides};
use cultivar_store::Store;
use serde_json::json;

use crate::{output::Output, serve::ConfigArgs};

/// Audit actor for changes made from the command line.
const CLI_ACTOR: &str = "cli";

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Print a documented configuration file with every default.
    PrintConfig,
    /// Create or upgrade the database schema, then exit.
    Migrate(ConfigArgs),
    /// Create an API key; prints only the key (or one JSON object with --json).
    CreateApiKey {
        #[command(flatten)]
        db: ConfigArgs,
        /// A label for people, e.g. "ci" or "alice laptop".
        #[arg(long)]
        name: String,
        /// admin or read-only.
        #[arg(long, default_value = "admin")]
        role: ApiRole,
    },
    /// Create a web-console administrator.
    CreateAdmin {
        #[command(flatten)]
        db: ConfigArgs,
        #[arg(long)]
        email: String,
        /// Read the password from the first line of standard input (required: passwords on the
        /// command line leak into shell history and `ps`).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

pub async fn run(command: AdminCommand, out: &Output) -> anyhow::Result<()> {
    match command {
        AdminCommand::PrintConfig => {
            let text = Config::default_toml();
            out.print(&json!({ "toml": text }), || text.clone())
        }
        AdminCommand::Migrate(db) => migrate(&db, out).await,
        AdminCommand::CreateApiKey { db, name, role } => {
            create_api_key(&db, &name, role, out).await
        }
        AdminCommand::CreateAdmin { db, email, .. } => create_admin(&db, &email, out).await,
    }
}

async fn open(db: &ConfigArgs) -> anyhow::Result<(Config, Arc<dyn Store>)> {
    let config = db.load(ConfigOverrides::default())?;
    let store = cultivar_server::open_store(&config)
        .await
        .with_context(|| {
            format!(
                "opening the database {}",
                redact_database_url(&config.database_url())
            )
        })?;
    Ok((config, store))
}

async fn migrate(db: &ConfigArgs, out: &Output) -> anyhow::Result<()> {
    let (config, store) = open(db).await?;
    store.close().await;
    let database = redact_database_url(&config.database_url());
    out.print(
        &json!({ "database": database, "status": "migrated" }),
        || format!("database is up to date: {database}"),
    )
}

async fn create_api_key(
    db: &ConfigArgs,
    name: &str,
    role: ApiRole,
    out: &Output,
) -> anyhow::Result<()> {
    let (_, store) = open(db).await?;
    let result = async {
        let (plaintext, key) =
            cultivar_core::auth::create_api_key(&*store, name, convert::role_from_api(role))
                .await?;
        let detail = json!({ "name": key.name, "role": key.role.as_str() });
        store
            .append_audit(&cultivar_store::NewAuditEntry {
                actor: CLI_ACTOR.into(),
                action: "api_key.create".into(),
                target: Some(key.id.to_string()),
                detail,
            })
            .await?;
        anyhow::Ok((plaintext, key))
    }
    .await;
    store.close().await;
    let (plaintext, key) = result.context("creating the API key")?;
    let created = cultivar_api_types::CreatedApiKey {
        key: plaintext.clone(),
        api_key: convert::api_key_view(&key),
    };
    out.print(&created, || plaintext)
}

async fn create_admin(db: &ConfigArgs, email: &str, out: &Output) -> anyhow::Result<()> {
    let password = read_password_line(std::io::stdin().lock())?;
    // Validate before touching the database so a typo costs nothing.
    cultivar_core::auth::validate_email(email)?;
    cultivar_core::auth::validate_password(&password)?;
    let (_, store) = open(db).await?;
    let result = async {
        let user = cultivar_core::auth::create_admin_user(&*store, email, &password).await?;
        store
            .append_audit(&cultivar_store::NewAuditEntry {
                actor: CLI_ACTOR.into(),
                action: "admin_user.create".into(),
                target: Some(user.email.clone()),
                detail: json!({}),
            })
            .await?;
        anyhow::Ok(user)
    }
    .await;
    store.close().await;
    let user = result.context("creating the console user")?;
    out.print(&json!({ "id": user.id, "email": user.email }), || {
        format!("created console user {}", user.email)
    })
}

/// The first line of `input` without its line ending.
fn read_password_line(mut input: impl BufRead) -> anyhow::Result<String> {
    let mut line = String::new();
    input
        .read_line(&mut line)
        .context("password: reading standard input")?;
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    if password.is_empty() {
        anyhow::bail!("password: standard input is empty (pipe the password in, e.g. `cat pw.txt | cultivar admin create-admin …`)");
    }
    Ok(password)
}

#[cfg(test)]
mod tests {
    use super::read_password_line;

    #[test]
    fn password_line_drops_only_the_line_ending() {
        let pw = read_password_line(&b"  spaced pass  \r\nsecond"[..]).map_err(|e| e.to_string());
        assert_eq!(pw.as_deref(), Ok("  spaced pass  "));
        let err = read_password_line(&b""[..]).map_err(|e| e.to_string());
        assert!(err.is_err_and(|e| e.starts_with("password: standard input is empty")));
    }
}
