//! The built-in SCEP CA and profile-based enrollment over real HTTP, on SQLite and
//! PostgreSQL: the device simulator's SCEP client gets a certificate from the device CA; a
//! challenge is one-time and expires; 3DES and the GET form work; garbage is a 400; the
//! enrollment profile parses and verifies; download links are one-time; a simulated device
//! enrolls by profile end to end (SCEP, Authenticate, TokenUpdate, DeviceInformation).
#![allow(clippy::unwrap_used)]

mod enroll;
mod profile;
mod scep;

use std::sync::Arc;

use cultivar_core::mdm::{MdmService, MdmSettings};
use cultivar_device_sim::ScepPayload;
use cultivar_store::MdmPushActive;
use cultivar_testkit::TestServer;
use time::{Duration, OffsetDateTime};

/// The topic of the push certificate the tests install.
pub const TOPIC: &str = "com.apple.mgmt.External.0b1f7c4e-5d2a-4c1e-9f00-3a6b7c8d9e0f";

/// An MDM service on the test server's database whose public URL is the server's real
/// address (the server itself was configured before its port was known).
pub fn service(server: &TestServer) -> MdmService {
    let state = server.state();
    MdmService::new(
        state.store.clone(),
        state.secrets.clone(),
        Arc::clone(&state.clock),
        MdmSettings::new(&server.url()),
    )
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

/// A SCEP payload for the server's `/scep` with `challenge`.
pub fn scep_payload(server: &TestServer, challenge: &str) -> ScepPayload {
    ScepPayload {
        payload_uuid: "SCEP-1".into(),
        url: server.url_for("/scep"),
        name: Some("cultivar".into()),
        challenge: Some(challenge.into()),
        subject: vec![("CN".into(), "Test Device".into())],
        keysize: 2048,
    }
}

/// The device CA's certificate (PEM).
pub async fn ca_pem(server: &TestServer) -> String {
    let ca = server.state().mdm.device_ca().await.unwrap();
    ca.certificate_pem().to_owned()
}
