//! The ABM simulator on 127.0.0.1:0 with devices assigned to an MDM server whose ADE profile
//! (defined through Apple's API with a real token and OAuth session) points at `profile_url`.
#![allow(dead_code)]
#![allow(clippy::unwrap_used)]

use cultivar_abm_proto::oauth::{authorization_header, Credentials};
use cultivar_abm_proto::ServerToken;
use cultivar_abm_sim::{Sim, SimAdminClient, SimOptions};

pub struct Abm {
    pub base: String,
    pub admin: SimAdminClient,
    pub serials: Vec<String>,
}

/// Starts the simulator with `count` devices of `os` on a new server's default list.
pub async fn start(os: &str, count: u32) -> (Abm, ServerToken) {
    let sim = Sim::new(SimOptions::default()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(cultivar_abm_sim::serve(
        sim,
        listener,
        std::future::pending(),
    ));
    let admin = SimAdminClient::new(&base);
    let kp = cultivar_crypto::generate_token_keypair("device-sim-tests").unwrap();
    let info = admin
        .register_server("F", &kp.certificate_pem)
        .await
        .unwrap();
    admin
        .set_default_server(Some(&info.server_uuid))
        .await
        .unwrap();
    let serials = admin.add_devices(count, Some(os)).await.unwrap().serials;
    let file = admin
        .download_token(&info.server_uuid, None, None)
        .await
        .unwrap();
    let plain = cultivar_crypto::decrypt_server_token(
        &file.bytes,
        kp.private_key_pem.as_bytes(),
        kp.certificate_pem.as_bytes(),
    )
    .unwrap();
    let token = ServerToken::from_plaintext(&plain).unwrap();
    (
        Abm {
            base,
            admin,
            serials,
        },
        token,
    )
}

/// Defines an await-configured profile for every device through `POST /profile`.
pub async fn define_profile(abm: &Abm, token: &ServerToken, profile_url: &str) {
    let http = reqwest::Client::new();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let creds = Credentials {
        consumer_key: &token.consumer_key,
        consumer_secret: &token.consumer_secret,
        token: &token.access_token,
        token_secret: &token.access_secret,
    };
    let session_url = format!("{}/session", abm.base);
    let auth = authorization_header("GET", &session_url, creds, now, "device-sim-nonce").unwrap();
    let session: serde_json::Value = http
        .get(&session_url)
        .header("Authorization", auth)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let profile = serde_json::json!({
        "profile_name": "Setup",
        "url": profile_url,
        "is_supervised": true,
        "is_mandatory": true,
        "await_device_configured": true,
        "is_mdm_removable": false,
        "org_magic": "1",
        "devices": abm.serials,
    });
    let r = http
        .post(format!("{}/profile", abm.base))
        .header(
            "X-ADM-Auth-Session",
            session["auth_session_token"].as_str().unwrap(),
        )
        .header("X-Server-Protocol-Version", "10")
        .header("Content-Type", "application/json;charset=UTF8")
        .body(profile.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}
