//! The ADE enrollment endpoint (`/mdm/ade/enroll`) over real HTTP, on SQLite and PostgreSQL,
//! against the ABM simulator: a test "Apple device CA" is configured as the MachineInfo anchor;
//! an unknown serial, an unassigned or removed device and an untrusted signer are refused and
//! audited; a device below the minimum OS gets Apple's exact `softwareupdate.required` 403; an
//! assigned device gets a signed enrollment profile (by POST and by the GET header form).
#![allow(clippy::unwrap_used)]

#[path = "../abm_sync/world.rs"]
#[allow(dead_code)]
mod world;

#[path = "../ade_api/kit.rs"]
#[allow(dead_code)]
mod kit;

mod device;
mod refusals;
mod success;

use std::sync::Arc;

use cultivar_core::clock::ManualClock;
use cultivar_store::MdmPushActive;
use cultivar_testkit::{Backend, RecordingSleeper, TestOptions, TestServer, TestSim};
use time::{Duration, OffsetDateTime};

use crate::world::World;

/// The minimum iOS the tests configure.
pub const MIN_IOS: &str = "17.2";
/// The topic of the push certificate the tests install.
pub const TOPIC: &str = "com.apple.mgmt.External.5e0a8c1d-0000-4c1e-9f00-3a6b7c8d9e0f";

/// A world whose server trusts `apple` for MachineInfo and requires iOS [`MIN_IOS`].
pub struct Setup {
    pub w: World,
    pub apple: device::DeviceCa,
}

async fn setup(backend: Backend) -> Option<Setup> {
    let apple = device::DeviceCa::new("Test Apple iPhone Device CA");
    let anchor_pem = apple.ca.certificate_pem().unwrap();
    let sleeper = RecordingSleeper::default();
    let clock = Arc::new(ManualClock::new(OffsetDateTime::now_utc()));
    let options = TestOptions {
        clock: clock.clone(),
        abm: sleeper.abm_options(),
    };
    let server = TestServer::start_custom(backend, options, |c| {
        // In the server's own data dir, which lives as long as the server.
        let anchors = c.data_dir.join("apple-device-ca.pem");
        std::fs::write(&anchors, anchor_pem).unwrap();
        c.mdm_machine_info_anchors = Some(anchors);
        c.mdm_min_os_ios = Some(MIN_IOS.to_owned());
    })
    .await?;
    let sim = TestSim::start(0).await;
    let mut ticks = server.state().sync.ticks();
    ticks.wait_for(|n| *n >= 1).await.unwrap();
    let w = World {
        server,
        sim,
        sleeper,
        clock,
    };
    Some(Setup { w, apple })
}

/// Runs `test` on SQLite, then on PostgreSQL when one is reachable.
pub async fn each_backend<F, Fut>(test: F)
where
    F: Fn(Setup) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for backend in [Backend::Sqlite, Backend::Postgres] {
        if let Some(s) = setup(backend).await {
            test(s).await;
        }
    }
}

/// Installs a push certificate row so profiles get a Topic.
pub async fn install_push_cert(server: &TestServer) {
    let now = OffsetDateTime::now_utc();
    let active = MdmPushActive {
        topic: TOPIC.into(),
        certificate_pem: "-----BEGIN CERTIFICATE-----\ntest\n".into(),
        private_key_sealed: vec![1, 2, 3],
        not_before: now - Duration::days(1),
        not_after: now + Duration::days(365),
        uploaded_at: now,
    };
    server
        .store()
        .install_mdm_push_cert(&active, None)
        .await
        .unwrap();
}
