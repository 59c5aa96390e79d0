//! `cultivar sim apns serve`: the APNs stand-in as a simulator process. cultivar pushes to it
//! (config `apns_url` and `apns_ca_file`), and simulated devices long-poll its push feed to
//! wake up (`GET <feed>?after=N`, plain HTTP).

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use cultivar_apns::standin::ApnsStandIn;

use crate::output::Output;

#[derive(Subcommand, Debug)]
pub enum ApnsCommand {
    /// Run the APNs stand-in until interrupted; prints its URL, its feed URL and its CA.
    Serve(ApnsServeArgs),
}

#[derive(Args, Debug)]
pub struct ApnsServeArgs {
    /// Address of the APNs endpoint (HTTP/2, TLS, client certificates); port 0 picks one.
    #[arg(long, default_value = "127.0.0.1:8422")]
    pub listen: SocketAddr,
    /// PEM CA certificate(s) that issued the push certificate (client certificates are
    /// verified against it, as Apple's are against Apple's CA).
    #[arg(long, value_name = "FILE")]
    pub client_ca: PathBuf,
    /// Address of the push feed simulated devices read; port 0 picks one.
    #[arg(long, default_value = "127.0.0.1:8423")]
    pub feed_listen: SocketAddr,
    /// Write the stand-in's self-signed server certificate here (cultivar's `apns_ca_file`).
    #[arg(long, value_name = "FILE")]
    pub ca_out: Option<PathBuf>,
}

/// Runs an `apns` command.
pub async fn run(command: ApnsCommand, out: Output) -> anyhow::Result<()> {
    match command {
        ApnsCommand::Serve(args) => serve(args, out).await,
    }
}

async fn serve(args: ApnsServeArgs, out: Output) -> anyhow::Result<()> {
    let client_ca = std::fs::read_to_string(&args.client_ca)
        .with_context(|| format!("--client-ca: cannot read {}", args.client_ca.display()))?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("--listen: cannot listen on {}", args.listen))?;
    let feed_listener = tokio::net::TcpListener::bind(args.feed_listen)
        .await
        .with_context(|| format!("--feed-listen: cannot listen on {}", args.feed_listen))?;
    let mut standin = ApnsStandIn::start(listener, &client_ca).context("--client-ca")?;
    let feed = standin.serve_feed(feed_listener)?;
    let ca_pem = standin.server_certificate_pem().to_owned();
    if let Some(path) = &args.ca_out {
        std::fs::write(path, &ca_pem)
            .with_context(|| format!("--ca-out: cannot write {}", path.display()))?;
    }
    let url = standin.base_url();
    let ca_file = args.ca_out.as_ref().map(|p| p.display().to_string());
    let shown = serde_json::json!({
        "listening": url,
        "feed": feed,
        "ca_file": ca_file,
        "server_certificate_pem": ca_pem,
    });
    out.print(&shown, || {
        let ca = match &ca_file {
            Some(f) => format!("server CA written to {f}"),
            None => format!("server CA (trust it as apns_ca_file):\n{ca_pem}"),
        };
        format!("cultivar APNs stand-in listening on {url}\npush feed: {feed}\n{ca}")
    })?;
    super::shutdown_signal().await;
    Ok(())
}
