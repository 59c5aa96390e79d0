//! Running the server: on an injected listener with an injected shutdown signal (tests), or from
//! the configuration with OS signals (the binary).

use std::{future::Future, pin::Pin, time::Duration};

use cultivar_core::{ade::run_auto_push, sync::run_scheduler};
use tokio::{net::TcpListener, sync::watch};
use tokio_rustls::TlsAcceptor;

use crate::{
    config::Config,
    router::router,
    tls::{self, TlsListener},
    AppState, ServerError,
};

/// After the shutdown signal, open connections get this long to finish before we stop anyway.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// How often expired console sessions are deleted.
const SESSION_SWEEP_INTERVAL: Duration = Duration::from_secs(15 * 60);

/// Opens the state from `config` and serves on `listener` until `shutdown` completes.
pub async fn serve(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let state = AppState::open(config).await?;
    serve_state(state, listener, shutdown).await
}

/// Serves an already built state (the test kit keeps a handle on it): HTTPS when the config
/// names a TLS certificate and key (read and checked before serving), else plain HTTP.
pub async fn serve_state(
    state: AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let tls = tls::load(&state.config)?;
    serve_with(state, listener, tls, shutdown).await
}

async fn serve_with(
    state: AppState,
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let signal = async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    };
    let sweeper = tokio::spawn(sweep_sessions(state.clone(), stop_rx.clone()));
    // Subscribes to sync runs before the scheduler can finish one.
    let ade_push = tokio::spawn(run_auto_push(
        state.ade.clone(),
        state.sync.clone(),
        stopped(stop_rx.clone()),
    ));
    let scheduler = tokio::spawn(run_scheduler(state.sync.clone(), stopped(stop_rx.clone())));
    let app = router(state.clone());
    // Both arms end the same way (graceful shutdown); only the listener differs.
    let server: Pin<Box<dyn Future<Output = std::io::Result<()>> + Send>> = match tls {
        Some(acceptor) => {
            let listener =
                TlsListener::new(listener, acceptor).map_err(|source| ServerError::Io {
                    what: "listen: reading the bound address".into(),
                    source,
                })?;
            let serving = axum::serve(listener, app).with_graceful_shutdown(signal);
            Box::pin(async move { serving.await })
        }
        None => {
            let serving = axum::serve(listener, app).with_graceful_shutdown(signal);
            Box::pin(async move { serving.await })
        }
    };
    let deadline = grace_deadline(stop_rx);
    let result = tokio::select! {
        served = server => served.map_err(|source| ServerError::Io { what: "serving HTTP".into(), source }),
        () = deadline => {
            tracing::warn!(grace_secs = SHUTDOWN_GRACE.as_secs(), "connections still open after the grace period; stopping anyway");
            Ok(())
        }
    };
    sweeper.abort();
    // A push in flight records its results before the store closes.
    if tokio::time::timeout(SHUTDOWN_GRACE, ade_push)
        .await
        .is_err()
    {
        tracing::warn!("ADE push still busy after the grace period; stopping anyway");
    }
    // Runs in flight record how they ended before the store closes.
    if tokio::time::timeout(SHUTDOWN_GRACE, scheduler)
        .await
        .is_err()
    {
        tracing::warn!("ABM sync runs still busy after the grace period; stopping anyway");
    }
    state.store.close().await;
    tracing::info!("server stopped");
    result
}

/// Completes with the shutdown signal, or when its sender is gone (the server stopped).
async fn stopped(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|stopped| *stopped).await;
}

/// Completes `SHUTDOWN_GRACE` after the shutdown signal (never, if it does not come).
async fn grace_deadline(mut stop: watch::Receiver<bool>) {
    if stop.wait_for(|stopped| *stopped).await.is_err() {
        // The sender is gone without a signal: leave the decision to the server future.
        std::future::pending::<()>().await;
    }
    tokio::time::sleep(SHUTDOWN_GRACE).await;
}

async fn sweep_sessions(state: AppState, mut stop: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(SESSION_SWEEP_INTERVAL);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                match state.store.delete_expired_console_sessions(state.now()).await {
                    Ok(0) => {}
                    Ok(n) => tracing::debug!(removed = n, "expired console sessions removed"),
                    Err(e) => tracing::warn!(cause = %e, "removing expired console sessions failed"),
                }
            }
            _ = stop.changed() => return,
        }
    }
}

/// The binary's entry point: logs, checks the TLS files (if any), binds `config.listen`, opens
/// the store (running migrations), prints `cultivar listening on http(s)://ADDR` to stdout
/// once accepting, and serves until SIGINT or SIGTERM.
pub async fn run(config: Config) -> Result<(), ServerError> {
    crate::telemetry::init_tracing(&config);
    tracing::info!(config = ?config, "starting");
    // Before the store: a bad certificate should not cost a migration run.
    let tls = tls::load(&config)?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let mut config = config;
    let listen = config.listen;
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|source| ServerError::Io {
            what: format!("listen {listen}: binding"),
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ServerError::Io {
        what: "listen: reading the bound address".into(),
        source,
    })?;
    // Port 0 means "any": without --public-url, profiles and links must name the real port.
    config.listen = addr;
    let state = AppState::open(config).await?;
    tracing::info!(%addr, "listening");
    // A plain stdout line (logs go to stderr) so scripts and tests can learn the port.
    println!("cultivar listening on {scheme}://{addr}");
    serve_with(state, listener, tls, shutdown_signal()).await
}

/// Completes on SIGINT (Ctrl-C) or, on Unix, SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(cause = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::warn!(cause = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C received; shutting down"),
        () = term => tracing::info!("SIGTERM received; shutting down"),
    }
}
