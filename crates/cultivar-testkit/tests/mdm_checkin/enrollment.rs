//! Enrollment: Authenticate → TokenUpdate (AwaitingConfiguration) → DeviceInformation, then
//! DeviceConfigured, in order; the answers acknowledged and the inventory stored.

use cultivar_mdm_proto::{validate_command, Command};
use cultivar_store::{CommandState, MdmCommandQuery};
use cultivar_testkit::{both_backends, TestServer};
use plist::Value;
use reqwest::StatusCode;

use crate::device::{dict, Device};

fn query_responses(device: &Device) -> plist::Dictionary {
    let responses = dict(&[
        ("DeviceName", Value::String("Lab iPhone".into())),
        ("OSVersion", Value::String("18.2".into())),
        ("Model", Value::String("MQ2Y3LL/A".into())),
        ("SerialNumber", Value::String(device.serial.clone())),
        ("BatteryLevel", Value::Real(0.75)),
    ]);
    dict(&[("QueryResponses", Value::Dictionary(responses))])
}

async fn states(server: &TestServer, id: &str) -> Vec<(String, CommandState)> {
    let query = MdmCommandQuery {
        enrollment_id: id.to_owned(),
        states: Vec::new(),
        request_type: None,
        since: None,
        until: None,
        before_seq: None,
        limit: 50,
    };
    let mut log = server.store().list_mdm_commands(&query).await.unwrap();
    log.reverse();
    log.into_iter().map(|e| (e.request_type, e.state)).collect()
}

/// The DeviceInformation answer is the inventory, and its facts are on the enrollment.
async fn inventory_is_stored(server: &TestServer, device: &Device) {
    let inv = server
        .store()
        .mdm_inventory(&device.udid)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(inv.inventory["DeviceName"], "Lab iPhone");
    assert_eq!(inv.inventory["BatteryLevel"], 0.75);
    let e = server
        .store()
        .mdm_enrollment(&device.udid)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(e.device_name.as_deref(), Some("Lab iPhone"));
    assert_eq!(e.os_version.as_deref(), Some("18.2"));
    assert_eq!(e.model.as_deref(), Some("MQ2Y3LL/A"));
    assert!(e.last_seen_at.is_some());
}

#[tokio::test]
async fn awaiting_device_gets_device_information_then_device_configured() {
    both_backends(|server| async move {
        let device = Device::new(&server).await;
        let auth = device.authenticate().await;
        assert_eq!(auth.status(), StatusCode::OK);
        assert!(
            auth.bytes().await.unwrap().is_empty(),
            "Authenticate: 200, empty"
        );
        let e = server
            .store()
            .mdm_enrollment(&device.udid)
            .await
            .unwrap()
            .unwrap();
        assert!(!e.enabled, "disabled until TokenUpdate");
        assert_eq!(e.enrollment_type, "profile", "not an ABM serial");
        assert_eq!(device.token_update(true).await.status(), StatusCode::OK);
        let e = server
            .store()
            .mdm_enrollment(&device.udid)
            .await
            .unwrap()
            .unwrap();
        assert!(e.enabled && e.awaiting_configuration);
        assert_eq!(e.token_update_tally, 1);
        assert_ne!(
            e.unlock_token.as_deref(),
            Some(&b"unlock secret"[..]),
            "sealed"
        );

        let info = device.idle().await.expect("DeviceInformation first");
        assert_eq!(info.request_type, "DeviceInformation");
        assert_eq!(validate_command(&info), Ok(()));
        let configured = device.ack(&info, query_responses(&device)).await;
        let configured = configured.expect("DeviceConfigured next, on the same connection");
        assert_eq!(configured.request_type, "DeviceConfigured");
        assert_eq!(validate_command(&configured), Ok(()));
        assert_eq!(device.ack(&configured, Default::default()).await, None);

        let acked = CommandState::Acknowledged;
        assert_eq!(
            states(&server, &device.udid).await,
            vec![
                ("DeviceInformation".into(), acked),
                ("DeviceConfigured".into(), acked)
            ]
        );
        inventory_is_stored(&server, &device).await;
    })
    .await;
}

#[tokio::test]
async fn a_refresh_token_update_queues_nothing_more() {
    both_backends(|server| async move {
        let device = Device::new(&server).await;
        device.enroll(false).await;
        assert_eq!(device.token_update(false).await.status(), StatusCode::OK);
        let e = server
            .store()
            .mdm_enrollment(&device.udid)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(e.token_update_tally, 2);
        let info = device.idle().await.unwrap();
        assert_eq!(info.request_type, "DeviceInformation");
        assert_eq!(
            device.ack(&info, Default::default()).await,
            None,
            "nothing else"
        );
        assert_eq!(states(&server, &device.udid).await.len(), 1);
        // Enrolling again starts over: a new lifecycle, a new DeviceInformation.
        device.enroll(false).await;
        let again = device.idle().await.unwrap();
        assert_eq!(again.request_type, "DeviceInformation");
        assert_ne!(again.command_uuid, info.command_uuid);
    })
    .await;
}

#[tokio::test]
async fn device_configured_is_queued_again_only_when_none_is_on_its_way() {
    both_backends(|server| async move {
        let device = Device::new(&server).await;
        device.enroll(true).await;
        // A second TokenUpdate while awaiting does not queue a duplicate.
        assert_eq!(device.token_update(true).await.status(), StatusCode::OK);
        let configured = |log: Vec<(String, CommandState)>| {
            log.into_iter()
                .filter(|(t, _)| t == "DeviceConfigured")
                .map(|(_, s)| s)
                .collect::<Vec<_>>()
        };
        let log = configured(states(&server, &device.udid).await);
        assert_eq!(log, vec![CommandState::Queued]);
        // Once it is gone (cancelled here), the next TokenUpdate still awaiting queues one.
        let query = MdmCommandQuery {
            enrollment_id: device.udid.clone(),
            states: vec![CommandState::Queued],
            request_type: Some("DeviceConfigured".into()),
            since: None,
            until: None,
            before_seq: None,
            limit: 5,
        };
        let entries = server.store().list_mdm_commands(&query);
        let uuid = entries.await.unwrap()[0].command_uuid.clone();
        let at = time::OffsetDateTime::now_utc();
        let store = server.store();
        assert_eq!(store.cancel_mdm_command(&uuid, None, at).await.unwrap(), 1);
        assert_eq!(device.token_update(true).await.status(), StatusCode::OK);
        let log = configured(states(&server, &device.udid).await);
        assert_eq!(log, vec![CommandState::Cancelled, CommandState::Queued]);
        let info = device.idle().await.unwrap();
        let next: Option<Command> = device.ack(&info, Default::default()).await;
        assert_eq!(next.unwrap().request_type, "DeviceConfigured");
    })
    .await;
}
