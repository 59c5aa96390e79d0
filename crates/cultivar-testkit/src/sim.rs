//! The ABM simulator in-process on 127.0.0.1:0, and a sleeper that records instead of sleeping.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use cultivar_abm_client::{ClientOptions, Sleeper, DEFAULT_RETRY_POLICY};
use cultivar_abm_sim::{Sim, SimAdminClient, SimOptions};
use cultivar_core::abm::AbmServiceOptions;
use tokio::{net::TcpListener, sync::oneshot};

/// A running simulator; stops when dropped.
pub struct TestSim {
    url: String,
    sim: Sim,
    admin: SimAdminClient,
    _shutdown: oneshot::Sender<()>,
}

impl TestSim {
    /// Starts a simulator with `devices` unassigned devices and a fixed seed.
    pub async fn start(devices: u32) -> TestSim {
        Self::start_with(SimOptions {
            devices,
            ..SimOptions::default()
        })
        .await
    }

    pub async fn start_with(options: SimOptions) -> TestSim {
        let sim = Sim::new(options).expect("testkit: creating the ABM simulator");
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("testkit: binding the simulator");
        let url = format!(
            "http://{}",
            listener.local_addr().expect("testkit: simulator address")
        );
        let (tx, rx) = oneshot::channel::<()>();
        let served = sim.clone();
        tokio::spawn(async move {
            let stop = async move {
                let _ = rx.await;
            };
            if let Err(e) = cultivar_abm_sim::serve(served, listener, stop).await {
                panic!("testkit: simulator failed: {e}");
            }
        });
        let admin = SimAdminClient::new(&url);
        TestSim {
            url,
            sim,
            admin,
            _shutdown: tx,
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn sim(&self) -> &Sim {
        &self.sim
    }

    /// The portal-like admin API ("Apple Business Manager" in the browser).
    pub fn admin(&self) -> &SimAdminClient {
        &self.admin
    }
}

/// Records every delay the ABM client asks for and returns at once.
#[derive(Debug, Default, Clone)]
pub struct RecordingSleeper {
    delays: Arc<Mutex<Vec<Duration>>>,
}

impl RecordingSleeper {
    pub fn delays(&self) -> Vec<Duration> {
        self.delays
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// ABM service options whose clients sleep through this recorder.
    pub fn abm_options(&self) -> AbmServiceOptions {
        let client = ClientOptions {
            sleeper: Arc::new(self.clone()),
            retry: DEFAULT_RETRY_POLICY,
            ..ClientOptions::default()
        };
        AbmServiceOptions { client }
    }
}

#[async_trait::async_trait]
impl Sleeper for RecordingSleeper {
    async fn sleep(&self, d: Duration) {
        self.delays
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(d);
    }
}
