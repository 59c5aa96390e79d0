//! Device states, and the device list crossing batch boundaries of both sources.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use cultivar_crypto::SecretKey;
use cultivar_store::{
    AbmDeviceData, DeviceChange, MdmAuthenticate, MdmTokenUpdate, NewAbmServer, NewSyncRun,
    PageCommit, Store, SyncPhase,
};
use time::{Duration, OffsetDateTime};

use super::{DeviceListQuery, DeviceState};
use crate::clock::ManualClock;
use crate::mdm::{MdmService, MdmSettings};
use crate::secrets::Secrets;

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
}

async fn service() -> (MdmService, Arc<dyn Store>) {
    let store = cultivar_store::open("sqlite::memory:").await.unwrap();
    let secrets = Arc::new(Secrets::new(SecretKey::generate()));
    let clock = Arc::new(ManualClock::new(now()));
    let service = MdmService::new(
        store.clone(),
        secrets,
        clock,
        MdmSettings::new("https://mdm.example.com"),
    );
    (service, store)
}

async fn abm(store: &dyn Store, serials: &[String]) {
    let server = store
        .insert_abm_server(&NewAbmServer {
            name: "abm".into(),
            base_url: "https://mdmenrollment.apple.com".into(),
            private_key_enc: vec![1],
            certificate_pem: "pem".into(),
            status: "awaiting_token".into(),
        })
        .await
        .unwrap();
    let run = NewSyncRun {
        abm_server_id: server.id,
        trigger: "manual".into(),
        phase: SyncPhase::Fetch,
        started_at: now(),
    };
    let run = store.insert_sync_run(&run).await.unwrap();
    let changes: Vec<DeviceChange> = serials
        .iter()
        .map(|s| DeviceChange::Upsert {
            data: AbmDeviceData::new(s.clone()),
            op_type: None,
            op_date: None,
        })
        .collect();
    let page = PageCommit {
        abm_server_id: server.id,
        run_id: run.id,
        phase: SyncPhase::Sync,
        changes: &changes,
        cursor: "c",
        fetch_generation: 1,
        now: now(),
    };
    store.commit_sync_page(&page).await.unwrap();
}

/// An enrolled channel last seen `days_ago` days before [`now`].
async fn enroll(store: &dyn Store, id: &str, serial: &str, days_ago: i64) {
    let at = now() - Duration::days(days_ago);
    let auth = MdmAuthenticate {
        id: id.into(),
        device_id: id.into(),
        enrollment_type: "ade".into(),
        serial_number: Some(serial.into()),
        topic: "topic".into(),
        os_version: None,
        build_version: None,
        product_name: None,
        model: None,
        device_name: None,
        raw: vec![],
        cert_sha256: format!("cert-{id}"),
        cert_not_after: None,
        at,
    };
    store.store_authenticate(&auth).await.unwrap();
    let update = MdmTokenUpdate {
        id: id.into(),
        device_id: id.into(),
        user_id: None,
        user_short_name: None,
        user_long_name: None,
        topic: "topic".into(),
        push_magic: "m".into(),
        push_token: "00".into(),
        unlock_token: None,
        awaiting_configuration: false,
        raw: vec![],
        at,
    };
    store.store_token_update(&update).await.unwrap();
    store.touch_mdm_enrollment(id, at).await.unwrap();
}

/// Serials S00..S19: even ones in ABM, every third enrolled (S03/S09/S15 enrolled twice),
/// enrolled multiples of 4 offline. Every listing — any batch size, page size and state —
/// must equal the one computed here.
#[tokio::test]
async fn the_list_is_the_same_whatever_the_batch_and_page_size() {
    let (svc, store) = service().await;
    let serials: Vec<String> = (0..20).map(|i| format!("S{i:02}")).collect();
    let in_abm: Vec<String> = serials.iter().step_by(2).cloned().collect();
    abm(&*store, &in_abm).await;
    let mut expected = Vec::new();
    for (i, s) in serials.iter().enumerate() {
        let enrolled = i % 3 == 0;
        if enrolled {
            let days = if i % 4 == 0 { 30 } else { 0 };
            enroll(&*store, &format!("UDID-{s}"), s, days).await;
            if i % 2 == 1 {
                enroll(&*store, &format!("UDID-{s}-OLD"), s, 60).await;
            }
            let state = if days > 0 { "offline" } else { "enrolled" };
            expected.push((s.clone(), state));
        } else if i % 2 == 0 {
            expected.push((s.clone(), "pending"));
        }
    }
    for batch in [1, 2, 3, 7, 500] {
        for limit in [1, 4, 1000] {
            for state in [None, Some(DeviceState::Pending), Some(DeviceState::Offline)] {
                let mut got = Vec::new();
                let mut after = None;
                loop {
                    let q = DeviceListQuery {
                        state,
                        after,
                        limit,
                    };
                    let page = svc.list_devices_in_batches(&q, batch).await.unwrap();
                    got.extend(
                        page.devices
                            .iter()
                            .map(|d| (d.key.clone(), d.state.as_str())),
                    );
                    match page.next_after {
                        Some(next) => after = Some(next),
                        None => break,
                    }
                }
                let want: Vec<(String, &str)> = expected
                    .iter()
                    .filter(|(_, s)| state.is_none_or(|st| st.as_str() == *s))
                    .cloned()
                    .collect();
                assert_eq!(got, want, "batch {batch}, limit {limit}, state {state:?}");
            }
        }
    }
    let d = svc.device("S03").await.unwrap();
    assert_eq!(
        d.enrollment.unwrap().id,
        "UDID-S03",
        "the newest channel of a serial"
    );
}

#[tokio::test]
async fn checked_out_devices_are_unmanaged_and_bad_limits_refused() {
    let (svc, store) = service().await;
    enroll(&*store, "UDID-X", "X1", 0).await;
    store.store_check_out("UDID-X", now()).await.unwrap();
    assert_eq!(
        svc.device("X1").await.unwrap().state,
        DeviceState::Unmanaged
    );
    let q = DeviceListQuery {
        limit: 0,
        ..DeviceListQuery::default()
    };
    assert!(svc.list_devices(&q).await.is_err());
    assert!(svc.device("nothing").await.is_err());
}
