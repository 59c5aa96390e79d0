//! `cultivar serve`, and the configuration flags shared with `cultivar admin`.

use std::{collections::HashMap, net::SocketAddr, path::PathBuf};

use anyhow::Context;
use clap::Args;
use cultivar_server::{Config, ConfigOverrides, LogFormat};

/// Where the configuration and the database come from. Flags override `CULTIVAR_*` variables,
/// which override the `--config` file.
#[derive(Args, Debug, Clone, Default)]
pub struct ConfigArgs {
    /// TOML configuration file (see `cultivar admin print-config`).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Data directory (SQLite database, secret key) [default: ./cultivar-data].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// PostgreSQL (postgres://…) or SQLite (sqlite://PATH) URL instead of DATA_DIR's SQLite file.
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
}

impl ConfigArgs {
    /// Loads the layered configuration with these flags (and `extra`) on top.
    pub fn load(&self, extra: ConfigOverrides) -> anyhow::Result<Config> {
        let env: HashMap<String, String> = std::env::vars().collect();
        let overrides = ConfigOverrides {
            data_dir: self.data_dir.clone(),
            database_url: self.database_url.clone(),
            ..extra
        };
        Ok(Config::load(self.config.as_deref(), &env, &overrides)?)
    }
}

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Address to listen on, e.g. 0.0.0.0:8420; port 0 picks a free port (printed on stdout).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// URL devices and browsers use to reach the server; https:// makes cookies Secure
    /// [default: http://LISTEN, or https://LISTEN with --tls-cert].
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// File holding the base64 secret key [default: DATA_DIR/secret.key].
    #[arg(long, value_name = "FILE")]
    pub secret_key_file: Option<PathBuf>,
    /// Log format on stderr: text or json.
    #[arg(long, value_name = "FORMAT")]
    pub log_format: Option<LogFormat>,
    /// Log filter, e.g. info or cultivar_server=debug,info.
    #[arg(long, value_name = "FILTER")]
    pub log_level: Option<String>,
    /// Console session lifetime in hours (1–720).
    #[arg(long, value_name = "HOURS")]
    pub console_session_hours: Option<u32>,
    /// Serve HTTPS with this PEM certificate chain (needs --tls-key); without it, plain HTTP
    /// (e.g. behind a TLS-terminating proxy).
    #[arg(long, value_name = "FILE")]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, value_name = "FILE")]
    pub tls_key: Option<PathBuf>,
}

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let config = args.config.load(ConfigOverrides {
        listen: args.listen,
        public_url: args.public_url,
        secret_key_file: args.secret_key_file,
        log_format: args.log_format,
        log_level: args.log_level,
        console_session_hours: args.console_session_hours,
        tls_cert: args.tls_cert,
        tls_key: args.tls_key,
        ..ConfigOverrides::default()
    })?;
    cultivar_server::run(config).await.context("serve")
}
