//! Helpers: ABM devices and MDM channels seeded through the store, a device's reports, and
//! admin-API calls.

use cultivar_store::{
    AbmDeviceData, DeviceChange, MdmAuthenticate, MdmReport, MdmTokenUpdate, NewAbmServer,
    NewSyncRun, NextCommand, PageCommit, Store, SyncPhase,
};
use cultivar_testkit::TestServer;
use reqwest::StatusCode;
use serde_json::Value;
use time::{Duration, OffsetDateTime};

/// ABM devices as a sync would store them.
pub async fn seed_abm(store: &dyn Store, serials: &[&str], removed: &[&str]) {
    let server = store
        .insert_abm_server(&NewAbmServer {
            name: format!("abm-{}", uuid::Uuid::new_v4()),
            base_url: "https://mdmenrollment.apple.com".to_owned(),
            private_key_enc: vec![1],
            certificate_pem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
                .to_owned(),
            status: "awaiting_token".to_owned(),
        })
        .await
        .unwrap();
    let now = OffsetDateTime::now_utc();
    let run = store
        .insert_sync_run(&NewSyncRun {
            abm_server_id: server.id,
            trigger: "manual".to_owned(),
            phase: SyncPhase::Fetch,
            started_at: now,
        })
        .await
        .unwrap();
    let upserts: Vec<DeviceChange> = serials
        .iter()
        .map(|s| {
            let mut data = AbmDeviceData::new((*s).to_owned());
            data.os = Some("iOS".to_owned());
            DeviceChange::Upsert {
                data,
                op_type: None,
                op_date: None,
            }
        })
        .collect();
    let gone: Vec<DeviceChange> = removed
        .iter()
        .map(|s| DeviceChange::Removed {
            serial_number: (*s).to_owned(),
            op_date: None,
        })
        .collect();
    for changes in [upserts, gone] {
        let page = PageCommit {
            abm_server_id: server.id,
            run_id: run.id,
            phase: SyncPhase::Sync,
            changes: &changes,
            cursor: "c",
            fetch_generation: 1,
            now,
        };
        store.commit_sync_page(&page).await.unwrap();
    }
}

/// An enrolled device channel: Authenticate then TokenUpdate, `days_ago` days ago.
pub async fn enroll(
    store: &dyn Store,
    id: &str,
    serial: Option<&str>,
    product: &str,
    kind: &str,
    days_ago: i64,
) {
    let at = OffsetDateTime::now_utc() - Duration::days(days_ago);
    store
        .store_authenticate(&MdmAuthenticate {
            id: id.to_owned(),
            device_id: id.to_owned(),
            enrollment_type: kind.to_owned(),
            serial_number: serial.map(str::to_owned),
            topic: "com.apple.mgmt.External.test".to_owned(),
            os_version: Some("18.1".to_owned()),
            build_version: None,
            product_name: Some(product.to_owned()),
            model: None,
            device_name: None,
            raw: b"<plist/>".to_vec(),
            cert_sha256: format!("cert-{id}"),
            cert_not_after: None,
            at,
        })
        .await
        .unwrap();
    store
        .store_token_update(&MdmTokenUpdate {
            id: id.to_owned(),
            device_id: id.to_owned(),
            user_id: None,
            user_short_name: None,
            user_long_name: None,
            topic: "com.apple.mgmt.External.test".to_owned(),
            push_magic: "MAGIC".to_owned(),
            push_token: "00ff".to_owned(),
            unlock_token: None,
            awaiting_configuration: false,
            raw: b"<plist/>".to_vec(),
            at,
        })
        .await
        .unwrap();
    store.touch_mdm_enrollment(id, at).await.unwrap();
}

/// What a device would report for `uuid`: takes the command from the queue, then answers.
pub async fn device_reports(store: &dyn Store, id: &str, uuid: &str, status: &str, extra: &str) {
    let now = OffsetDateTime::now_utc();
    let next = store
        .next_mdm_command(id, NextCommand::AfterIdle, now)
        .await
        .unwrap()
        .expect("a queued command");
    assert_eq!(next.command_uuid, uuid);
    let raw = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><plist version=\"1.0\"><dict>\
         <key>UDID</key><string>{id}</string><key>Status</key><string>{status}</string>\
         <key>CommandUUID</key><string>{uuid}</string>{extra}</dict></plist>"
    );
    store
        .record_mdm_report(&MdmReport {
            enrollment_id: id.to_owned(),
            command_uuid: uuid.to_owned(),
            status: status.to_owned(),
            error_chain: None,
            raw: raw.into_bytes(),
            at: now,
        })
        .await
        .unwrap();
}

pub async fn call(
    server: &TestServer,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = server
        .http()
        .request(method, server.url_for(path))
        .bearer_auth(server.admin_key());
    if let Some(body) = body {
        req = req.json(&body);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

pub async fn get(server: &TestServer, path: &str) -> Value {
    let (status, body) = call(server, reqwest::Method::GET, path, None).await;
    assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
    body
}
