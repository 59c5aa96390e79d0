//! The command channel: NotNow retried at the next poll and not in the same session, a report
//! that fails typed parsing stored and not blocking the queue, one command per claim.

use cultivar_mdm_proto::{Command, Status};
use cultivar_store::CommandState;
use cultivar_testkit::{both_backends, TestServer};
use plist::Value;
use reqwest::StatusCode;

use crate::device::{dict, enqueue, Device, CONNECT_TYPE};

async fn state(server: &TestServer, device: &Device, command: &Command) -> CommandState {
    let store = server.store();
    let entry = store.mdm_command_entry(&device.udid, &command.command_uuid);
    entry.await.unwrap().unwrap().state
}

async fn not_now(device: &Device, c: &Command) -> Option<Command> {
    let r = device.report(Status::NotNow, Some(&c.command_uuid), Default::default());
    Device::command_in(r.await).await
}

#[tokio::test]
async fn not_now_is_offered_again_at_the_next_poll_not_in_the_same_session() {
    both_backends(|server| async move {
        let device = Device::new(&server).await;
        device.enroll_and_drain().await;
        let (a, b) = (
            Command::device_information(&["OSVersion"]),
            Command::device_configured(),
        );
        enqueue(&server, &a, &[&device.udid]).await;
        enqueue(&server, &b, &[&device.udid]).await;

        assert_eq!(device.idle().await.as_ref(), Some(&a));
        assert_eq!(
            not_now(&device, &a).await.as_ref(),
            Some(&b),
            "the next one, not A again"
        );
        assert_eq!(state(&server, &device, &a).await, CommandState::NotNow);
        assert_eq!(
            not_now(&device, &b).await,
            None,
            "neither comes back in this session"
        );
        assert_eq!(state(&server, &device, &b).await, CommandState::NotNow);

        assert_eq!(
            device.idle().await.as_ref(),
            Some(&a),
            "offered again at the next poll"
        );
        assert_eq!(device.ack(&a, Default::default()).await.as_ref(), Some(&b));
        assert_eq!(device.ack(&b, Default::default()).await, None);
        assert_eq!(
            state(&server, &device, &a).await,
            CommandState::Acknowledged
        );
        assert_eq!(
            state(&server, &device, &b).await,
            CommandState::Acknowledged
        );
        let entry = server
            .store()
            .mdm_command_entry(&device.udid, &a.command_uuid);
        assert_eq!(entry.await.unwrap().unwrap().not_now_count, 1);
    })
    .await;
}

#[tokio::test]
async fn a_report_that_fails_typed_parsing_is_stored_and_does_not_block_the_queue() {
    both_backends(|server| async move {
        let device = Device::new(&server).await;
        device.enroll_and_drain().await;
        let (a, b) = (
            Command::device_information(&["OSVersion"]),
            Command::device_configured(),
        );
        enqueue(&server, &a, &[&device.udid]).await;
        enqueue(&server, &b, &[&device.udid]).await;
        assert_eq!(device.idle().await.as_ref(), Some(&a));
        // ErrorChain must be an array of dictionaries: typed parsing fails on this one.
        let odd = dict(&[
            ("UDID", Value::String(device.udid.clone())),
            ("Status", Value::String("Error".into())),
            ("CommandUUID", Value::String(a.command_uuid.clone())),
            ("ErrorChain", Value::String("not a list".into())),
        ]);
        let mut body = Vec::new();
        plist::to_writer_xml(&mut body, &Value::Dictionary(odd)).unwrap();
        let next = Device::command_in(device.put("/mdm/connect", CONNECT_TYPE, body.clone()).await);
        assert_eq!(next.await.as_ref(), Some(&b), "the queue moves on");
        assert_eq!(state(&server, &device, &a).await, CommandState::Error);
        let reports = server
            .store()
            .mdm_command_reports(&device.udid, &a.command_uuid);
        let reports = reports.await.unwrap();
        assert_eq!(reports.len(), 1);
        assert_eq!(reports[0].raw, body, "stored exactly as received");
        assert_eq!(reports[0].status, "Error");
    })
    .await;
}

#[tokio::test]
async fn a_command_is_never_handed_to_two_concurrent_requests() {
    both_backends(|server| async move {
        let device = Device::new(&server).await;
        device.enroll_and_drain().await;
        let command = Command::device_information(&["OSVersion"]);
        enqueue(&server, &command, &[&device.udid]).await;
        // Eight reports at once, each settling some earlier command: one of them gets it.
        let device = std::sync::Arc::new(device);
        let mut requests = tokio::task::JoinSet::new();
        for i in 0..8 {
            let device = device.clone();
            requests.spawn(async move {
                let uuid = format!("EARLIER-{i}");
                let r = device.report(Status::Acknowledged, Some(&uuid), Default::default());
                Device::command_in(r.await).await
            });
        }
        let mut handed = Vec::new();
        while let Some(answer) = requests.join_next().await {
            handed.extend(answer.unwrap());
        }
        assert_eq!(handed, vec![command.clone()], "exactly one request got it");
        let entry = server
            .store()
            .mdm_command_entry(&device.udid, &command.command_uuid);
        assert_eq!(entry.await.unwrap().unwrap().deliveries, 1);
    })
    .await;
}

#[tokio::test]
async fn reports_on_the_checkin_url_are_served_too() {
    both_backends(|server| async move {
        let device = Device::new(&server).await;
        device.enroll(false).await;
        let idle = cultivar_mdm_proto::CommandResult::new(device.ids(), Status::Idle, None);
        let r = device
            .put("/mdm/checkin", CONNECT_TYPE, idle.to_plist_xml().unwrap())
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "application/xml");
        let command = Device::command_in(r).await.unwrap();
        assert_eq!(command.request_type, "DeviceInformation");
    })
    .await;
}
