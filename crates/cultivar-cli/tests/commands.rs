//! `cultivar commands send|list|show|cancel` and `cultivar devices list|show` through the
//! built binary against `cultivar serve`. The device side (an enrolled channel, its report)
//! is written through the store of the server's SQLite database, as check-ins would.
#![allow(clippy::unwrap_used)]

mod common;

use common::{dir_arg, served::Served};
use cultivar_store::{MdmAuthenticate, MdmPushFailure, MdmReport, MdmTokenUpdate, NextCommand};
use serde_json::Value;
use time::OffsetDateTime;

struct World {
    served: Served,
}

impl World {
    async fn start() -> World {
        World {
            served: Served::start("cmd").await,
        }
    }

    async fn cli(&self, args: &[&str]) -> (bool, Value) {
        let mut all: Vec<&str> = args.to_vec();
        all.push("--json");
        let out = self.served.cli(&all).await;
        let doc = serde_json::from_str(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: not one JSON document ({e}): {}", out.stdout));
        (out.ok, doc)
    }

    async fn ok(&self, args: &[&str]) -> Value {
        let (ok, doc) = self.cli(args).await;
        assert!(ok, "{args:?} failed: {doc}");
        doc
    }

    async fn enroll(&self, id: &str, serial: &str) {
        let at = OffsetDateTime::now_utc();
        let auth = MdmAuthenticate {
            id: id.into(),
            device_id: id.into(),
            enrollment_type: "ade".into(),
            serial_number: Some(serial.into()),
            topic: "com.apple.mgmt.External.test".into(),
            os_version: Some("18.1".into()),
            build_version: None,
            product_name: Some("iPhone16,1".into()),
            model: None,
            device_name: None,
            raw: b"<plist/>".to_vec(),
            cert_sha256: format!("cert-{id}"),
            cert_not_after: None,
            at,
        };
        self.served.store.store_authenticate(&auth).await.unwrap();
        let update = MdmTokenUpdate {
            id: id.into(),
            device_id: id.into(),
            user_id: None,
            user_short_name: None,
            user_long_name: None,
            topic: auth.topic.clone(),
            push_magic: "MAGIC".into(),
            push_token: "00ff".into(),
            unlock_token: None,
            awaiting_configuration: false,
            raw: b"<plist/>".to_vec(),
            at,
        };
        self.served.store.store_token_update(&update).await.unwrap();
    }

    /// The device fetches its next command and answers with an error.
    async fn device_fails_next(&self, id: &str) -> String {
        let now = OffsetDateTime::now_utc();
        let cmd = self
            .served
            .store
            .next_mdm_command(id, NextCommand::AfterIdle, now)
            .await
            .unwrap()
            .unwrap();
        let raw = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><plist version=\"1.0\"><dict>\
             <key>UDID</key><string>{id}</string><key>Status</key><string>Error</string>\
             <key>CommandUUID</key><string>{}</string><key>ErrorChain</key><array><dict>\
             <key>ErrorCode</key><integer>12021</integer><key>ErrorDomain</key>\
             <string>MCMDMErrorDomain</string></dict></array></dict></plist>",
            cmd.command_uuid
        );
        let report = MdmReport {
            enrollment_id: id.into(),
            command_uuid: cmd.command_uuid.clone(),
            status: "Error".into(),
            error_chain: None,
            raw: raw.into_bytes(),
            at: now,
        };
        self.served.store.record_mdm_report(&report).await.unwrap();
        cmd.command_uuid
    }
}

/// `devices list|show` see the enrolled device.
async fn devices(w: &World) {
    let devices = w.ok(&["devices", "list"]).await;
    assert_eq!(devices["devices"][0]["key"], "CLISERIAL1", "{devices}");
    assert_eq!(devices["devices"][0]["state"], "enrolled");
    let shown = w.ok(&["devices", "show", "CLI-UDID-1"]).await;
    assert_eq!(shown["serial_number"], "CLISERIAL1");
    assert_eq!(shown["push"]["state"], "never", "{shown}");
    push_failure_shown(w).await;
}

/// A push APNs refused shows in `devices show`: the API field in --json, a "Push" line and
/// its hint in text. (The server has no push certificate, so nothing else is pushed.)
async fn push_failure_shown(w: &World) {
    let refused = MdmPushFailure {
        reason: "BadDeviceToken".into(),
        permanent: true,
    };
    let now = OffsetDateTime::now_utc();
    let store = &w.served.store;
    let recorded = store.record_mdm_push("CLI-UDID-1", Some(&refused), now);
    assert!(recorded.await.unwrap());
    let shown = w.ok(&["devices", "show", "CLI-UDID-1"]).await;
    let push = &shown["push"];
    assert_eq!(push["state"], "failed", "{shown}");
    assert_eq!(push["error"]["reason"], "BadDeviceToken");
    assert_eq!(push["error"]["permanent"], true);
    assert!(push["error"]["hint"]
        .as_str()
        .unwrap()
        .contains("re-enroll"));
    let out = w.served.cli(&["devices", "show", "CLI-UDID-1"]).await;
    assert!(out.ok, "{}", out.stdout);
    let line = out
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("Push:"));
    let line = line.unwrap_or_else(|| panic!("no Push line: {}", out.stdout));
    assert!(
        line.contains("FAILED") && line.contains("BadDeviceToken"),
        "{line}"
    );
    assert!(
        out.stdout.contains("hint: The device left MDM"),
        "{}",
        out.stdout
    );
}

/// Sends with a plist and a JSON payload (the first fails on the device), and a refused
/// payload; returns the UUIDs of the failed and the waiting command.
async fn send(w: &World) -> (String, String) {
    // A plist payload file, and a JSON one.
    let plist = w.served.dir.path().join("info.plist");
    std::fs::write(
        &plist,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><plist version=\"1.0\"><dict>\
         <key>Queries</key><array><string>OSVersion</string></array></dict></plist>",
    )
    .unwrap();
    let plist_arg = dir_arg(&plist);
    let sent = w
        .ok(&[
            "commands",
            "send",
            "CLISERIAL1",
            "DeviceInformation",
            "--payload",
            &plist_arg,
        ])
        .await;
    assert_eq!(sent["queued"], serde_json::json!(["CLI-UDID-1"]));
    let info = sent["command_uuid"].as_str().unwrap().to_owned();
    assert_eq!(w.device_fails_next("CLI-UDID-1").await, info);

    let json_file = w.served.dir.path().join("lock.json");
    std::fs::write(&json_file, r#"{"Message": "Return to IT"}"#).unwrap();
    let json_arg = dir_arg(&json_file);
    let lock = w
        .ok(&[
            "commands",
            "send",
            "CLI-UDID-1",
            "DeviceLock",
            "--payload",
            &json_arg,
        ])
        .await;
    let lock_uuid = lock["command_uuid"].as_str().unwrap().to_owned();

    // A payload key of the wrong type is refused naming the key.
    std::fs::write(&json_file, r#"{"Message": 7}"#).unwrap();
    let (ok, refused) = w
        .cli(&[
            "commands",
            "send",
            "CLI-UDID-1",
            "DeviceLock",
            "--payload",
            &json_arg,
        ])
        .await;
    assert!(!ok);
    let message = refused["error"].as_str().unwrap();
    assert!(
        message.contains("Message") && message.contains("string"),
        "{message}"
    );

    (info, lock_uuid)
}

/// The activity log with filters, and one command's error.
async fn list_and_show(w: &World, info: &str) {
    let log = w.ok(&["commands", "list", "CLI-UDID-1"]).await;
    let states: Vec<(&str, &str)> = log["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["request_type"].as_str().unwrap(),
                c["state"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        states,
        vec![("DeviceLock", "queued"), ("DeviceInformation", "error")]
    );
    let errors = w
        .ok(&[
            "commands",
            "list",
            "CLISERIAL1",
            "--state",
            "error",
            "--type",
            "DeviceInformation",
        ])
        .await;
    assert_eq!(errors["commands"][0]["command_uuid"], info);
    let detail = w.ok(&["commands", "show", "CLI-UDID-1", info]).await;
    assert_eq!(detail["error"]["error_chain"][0]["code"], 12021);
}

#[tokio::test]
async fn send_list_show_and_cancel_commands() {
    let w = World::start().await;
    w.enroll("CLI-UDID-1", "CLISERIAL1").await;
    devices(&w).await;
    let (info, lock_uuid) = send(&w).await;
    list_and_show(&w, &info).await;
    let cancelled = w.ok(&["commands", "cancel", &lock_uuid]).await;
    assert_eq!(cancelled["cancelled"], 1);
    let (ok, again) = w.cli(&["commands", "cancel", &lock_uuid]).await;
    assert!(!ok, "nothing left to cancel: {again}");
    let log = w
        .ok(&["commands", "list", "CLI-UDID-1", "--state", "cancelled"])
        .await;
    assert_eq!(log["commands"][0]["command_uuid"], lock_uuid.as_str());
}
