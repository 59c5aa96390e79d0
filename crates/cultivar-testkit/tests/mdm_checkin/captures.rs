//! Real check-in captures (fixtures/mdm-checkin-plists) through the check-in path, signed by
//! a test device that takes the capture's UDID.

use cultivar_testkit::both_backends;
use plist::Dictionary;
use reqwest::StatusCode;

use crate::device::{Device, Identity, CONNECT_TYPE};

fn capture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../fixtures/mdm-checkin-plists/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap()
}

#[tokio::test]
async fn ipad_captures_enroll_and_keep_their_facts() {
    both_backends(|server| async move {
        let udid = "663b07bb783e9ade1dae4fbb92ea12afc0ce5b69";
        let identity = Identity::from_server(&server, udid).await;
        let device = Device::with_identity(&server, udid, identity);
        let r = device.checkin_raw(capture("Authenticate.1.plist")).await;
        assert_eq!(r.status(), StatusCode::OK);
        let r = device.checkin_raw(capture("TokenUpdate.1.plist")).await;
        assert_eq!(r.status(), StatusCode::OK);
        let e = server.store().mdm_enrollment(udid).await.unwrap().unwrap();
        assert_eq!(e.serial_number.as_deref(), Some("F5JM992LF193"));
        assert_eq!(e.product_name.as_deref(), Some("iPad2,5"));
        assert_eq!(e.os_version.as_deref(), Some("9.3.5"));
        assert_eq!(
            e.push_magic.as_deref(),
            Some("CEFDF0BD-E342-4A27-8742-E930EA116B0A")
        );
        assert!(e.enabled);
        assert!(
            e.unlock_token.is_some(),
            "the capture's unlock token, sealed"
        );
        assert_eq!(
            e.authenticate_raw.as_deref(),
            Some(&capture("Authenticate.1.plist")[..])
        );
    })
    .await;
}

#[tokio::test]
async fn mac_captures_enroll_and_report_inventory() {
    both_backends(|server| async move {
        let udid = "66ADE930-5FDF-5EC4-8429-15640684C489";
        let identity = Identity::from_server(&server, udid).await;
        let device = Device::with_identity(&server, udid, identity);
        for name in ["Authenticate.2.plist", "TokenUpdate.2.plist"] {
            let r = device.checkin_raw(capture(name)).await;
            assert_eq!(r.status(), StatusCode::OK, "{name}");
        }
        let e = server.store().mdm_enrollment(udid).await.unwrap().unwrap();
        assert_eq!(e.model.as_deref(), Some("iMac14,2"));
        assert_eq!(e.device_name.as_deref(), Some("Fruit"));
        let info = device.idle().await.unwrap();
        assert_eq!(info.request_type, "DeviceInformation");
        // The captured answer, naming the command this server sent.
        let text = String::from_utf8(capture("DeviceInformation.1.plist")).unwrap();
        let body = text.replace("76eda240-5488-4989-8339-f2ae160113c4", &info.command_uuid);
        let r = device
            .put("/mdm/connect", CONNECT_TYPE, body.into_bytes())
            .await;
        assert_eq!(Device::command_in(r).await, None);
        let inv = server.store().mdm_inventory(udid).await.unwrap().unwrap();
        assert_eq!(inv.inventory["HostName"], "fruit.example.com");
        let entry = server.store().mdm_command_entry(udid, &info.command_uuid);
        let entry = entry.await.unwrap().unwrap();
        assert_eq!(entry.state, cultivar_store::CommandState::Acknowledged);
        let _: Dictionary = plist::from_bytes(&entry.result_raw.unwrap()).unwrap();
    })
    .await;
}
