//! Enrollment type and time: an ABM serial enrolls as `ade`, a User Enrollment as
//! `user_enrollment`; a certificate past its validity is refused (403) by the server's clock;
//! a macOS user channel rides on its device's certificate; instances on one database share one
//! device CA.

use std::sync::Arc;

use cultivar_core::clock::ManualClock;
use cultivar_core::mdm::{MdmService, MdmSettings, DEVICE_CA_COMMON_NAME};
use cultivar_mdm_proto::checkin::{Authenticate, TokenUpdate};
use cultivar_mdm_proto::{CheckinMessage, EnrollmentIds};
use cultivar_store::{
    AbmDeviceData, DeviceChange, NewAbmServer, NewSyncRun, PageCommit, SyncPhase,
};
use cultivar_testkit::{both_backends, Backend, TestOptions, TestServer};
use reqwest::StatusCode;
use time::{Duration, OffsetDateTime};

use crate::device::{Device, TOPIC};

/// Puts `serial` in the store as a device Apple Business Manager reported.
async fn abm_device(server: &TestServer, serial: &str) {
    let store = server.store();
    let new = NewAbmServer {
        name: format!("abm-{serial}"),
        base_url: "https://mdmenrollment.apple.invalid".into(),
        private_key_enc: vec![1],
        certificate_pem: "unused".into(),
        status: "ok".into(),
    };
    let abm = store.insert_abm_server(&new).await.unwrap();
    let now = OffsetDateTime::now_utc();
    let run = NewSyncRun {
        abm_server_id: abm.id,
        trigger: "manual".into(),
        phase: SyncPhase::Fetch,
        started_at: now,
    };
    let run = store.insert_sync_run(&run).await.unwrap();
    let changes = [DeviceChange::Upsert {
        data: AbmDeviceData::new(serial),
        op_type: None,
        op_date: None,
    }];
    let page = PageCommit {
        abm_server_id: abm.id,
        run_id: run.id,
        phase: SyncPhase::Fetch,
        changes: &changes,
        cursor: "c1",
        fetch_generation: 1,
        now,
    };
    store.commit_sync_page(&page).await.unwrap();
}

#[tokio::test]
async fn enrollment_types_follow_abm_and_user_enrollment() {
    both_backends(|server| async move {
        let ade = Device::new(&server).await;
        abm_device(&server, &ade.serial).await;
        ade.enroll(false).await;
        let e = server
            .store()
            .mdm_enrollment(&ade.udid)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(e.enrollment_type, "ade");

        let byod = Device::new(&server).await;
        let ids = EnrollmentIds::user_enrollment(byod.udid.clone());
        let auth = CheckinMessage::Authenticate(Authenticate {
            ids,
            topic: TOPIC.into(),
            ..Default::default()
        });
        assert_eq!(byod.checkin(auth).await.status(), StatusCode::OK);
        let e = server
            .store()
            .mdm_enrollment(&byod.udid)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(e.enrollment_type, "user_enrollment");
    })
    .await;
}

#[tokio::test]
async fn a_user_channel_uses_its_devices_certificate() {
    both_backends(|server| async move {
        let mac = Device::new(&server).await;
        mac.enroll_and_drain().await;
        let mut ids = mac.ids();
        ids.user_id = Some("B0B0B0B0-0000-0000-0000-000000000002".into());
        ids.user_short_name = Some("bob".into());
        let update = CheckinMessage::TokenUpdate(TokenUpdate {
            ids,
            topic: TOPIC.into(),
            token: vec![2; 32],
            push_magic: "USER-MAGIC".into(),
            ..Default::default()
        });
        assert_eq!(mac.checkin(update).await.status(), StatusCode::OK);
        let id = format!("{}:B0B0B0B0-0000-0000-0000-000000000002", mac.udid);
        let user = server.store().mdm_enrollment(&id).await.unwrap().unwrap();
        assert_eq!(user.channel, "user");
        assert!(user.enabled);
        assert_eq!(
            mac.idle().await,
            None,
            "nothing queued for the device by a user channel"
        );
    })
    .await;
}

#[tokio::test]
async fn an_expired_certificate_is_refused_with_403() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let clock = Arc::new(ManualClock::new(OffsetDateTime::now_utc()));
        let options = TestOptions {
            clock: clock.clone(),
            ..TestOptions::default()
        };
        let Some(server) = TestServer::start_custom(backend, options, |_| {}).await else {
            continue;
        };
        let device = Device::new(&server).await;
        device.enroll(false).await;
        // One year is the default validity; a year and a day later it has expired.
        clock.advance(Duration::days(366));
        assert_eq!(device.idle_status().await, StatusCode::FORBIDDEN);
        assert_eq!(
            device.token_update(false).await.status(),
            StatusCode::FORBIDDEN
        );
        let e = server
            .store()
            .mdm_enrollment(&device.udid)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(e.token_update_tally, 1, "nothing stored");
    }
}

#[tokio::test]
async fn instances_sharing_a_database_agree_on_one_sealed_device_ca() {
    both_backends(|server| async move {
        let state = server.state();
        let instance = || {
            MdmService::new(
                state.store.clone(),
                state.secrets.clone(),
                state.clock.clone(),
                MdmSettings::new("http://127.0.0.1"),
            )
        };
        let (a, b) = (instance(), instance());
        let (ca_a, ca_b) = tokio::join!(a.device_ca(), b.device_ca());
        let (ca_a, ca_b) = (ca_a.unwrap(), ca_b.unwrap());
        assert_eq!(ca_a.certificate_pem(), ca_b.certificate_pem());
        let info = cultivar_crypto::certificate_info(ca_a.certificate_pem().as_bytes()).unwrap();
        assert_eq!(
            info.subject_common_name.as_deref(),
            Some(DEVICE_CA_COMMON_NAME)
        );
        let ten_years = info.not_after - info.not_before;
        assert!(
            ten_years > 3649 * 86_400,
            "about ten years, got {ten_years} s"
        );
        let stored = state.store.mdm_device_ca().await.unwrap().unwrap();
        assert_eq!(stored.certificate_pem, ca_a.certificate_pem());
        let sealed = String::from_utf8_lossy(&stored.private_key_sealed).into_owned();
        assert!(
            !sealed.contains("PRIVATE KEY"),
            "the CA key is sealed at rest"
        );
        // The server itself (a third instance) uses the same CA: its devices enroll.
        let device = Device::new(&server).await;
        device.enroll(false).await;
    })
    .await;
}
