use super::{
    abm_server::insert_server, ade_profile::insert_profile, assert_invalid, assert_not_found, at,
    found, must, unique,
};
use crate::{AdePushRecord, PushResult, Store};

fn record(serial: &str, server: uuid::Uuid, result: PushResult) -> AdePushRecord {
    AdePushRecord {
        serial_number: serial.to_owned(),
        abm_server_id: server,
        profile_id: None,
        apple_profile_uuid: Some("APPLE-1".to_owned()),
        result,
        attempted_at: at(1_700_000_000, 5),
        retry_after: None,
        error: None,
    }
}

/// A batch is recorded at once; attempts count up until a success; cooldowns are listed.
pub async fn ade_push_state_round_trip(store: &dyn Store) {
    let server = insert_server(store).await.id;
    let profile = insert_profile(store, "iOS").await;
    let tag = unique("P").to_ascii_uppercase();
    let s = |n: u32| format!("{tag}-{n}");
    let mut ok = record(&s(1), server, PushResult::Success);
    ok.profile_id = Some(profile.id);
    let mut failed = record(&s(2), server, PushResult::Failed);
    failed.retry_after = Some(at(1_700_086_400, 5));
    failed.error = Some("FAILED".to_owned());
    let mut throttled = record(&s(3), server, PushResult::Throttled);
    throttled.retry_after = Some(at(1_700_000_060, 0));
    let batch = vec![ok.clone(), failed.clone(), throttled.clone()];
    must(store.record_ade_pushes(&batch).await, "record");

    let read = found(store.ade_push_state(&s(1)).await, "state 1");
    assert_eq!(
        (
            read.profile_id,
            read.last_result,
            read.attempts,
            read.last_attempt_at
        ),
        (Some(profile.id), PushResult::Success, 1, ok.attempted_at),
        "the record is stored"
    );
    let read = found(store.ade_push_state(&s(2)).await, "state 2");
    assert_eq!(
        (
            read.last_result,
            read.retry_after,
            read.last_error.as_deref()
        ),
        (PushResult::Failed, failed.retry_after, Some("FAILED")),
        "the cooldown and error are stored"
    );
    must(
        store.record_ade_pushes(&[failed.clone()]).await,
        "fail again",
    );
    let read = found(store.ade_push_state(&s(2)).await, "state 2 again");
    assert_eq!(read.attempts, 2, "attempts count up until a success");
    let fixed = AdePushRecord {
        retry_after: None,
        error: None,
        ..record(&s(2), server, PushResult::Success)
    };
    must(store.record_ade_pushes(&[fixed]).await, "succeed");
    let read = found(store.ade_push_state(&s(2)).await, "state 2 fixed");
    assert_eq!(
        (read.attempts, read.retry_after),
        (1, None),
        "a success restarts attempts"
    );

    let cooling = must(
        store.list_ade_cooling_down(at(1_700_000_030, 0)).await,
        "cooling",
    );
    let mine: Vec<_> = cooling
        .iter()
        .filter(|p| p.serial_number.starts_with(&tag))
        .collect();
    assert_eq!(mine.len(), 1, "only the throttled serial still cools down");
    assert_eq!(mine[0].serial_number, s(3));
    let later = must(
        store.list_ade_cooling_down(at(1_700_000_060, 0)).await,
        "later",
    );
    assert!(
        !later.iter().any(|p| p.serial_number.starts_with(&tag)),
        "a cooldown ends at retry_after"
    );
    assert_eq!(must(store.ade_push_state(&s(9)).await, "unknown"), None);

    must(
        store.delete_ade_profile(profile.id, true).await,
        "delete profile",
    );
    let read = found(store.ade_push_state(&s(1)).await, "after profile delete");
    assert_eq!(
        read.profile_id, None,
        "the push history outlives its profile"
    );
}

/// Batches are limited to 1000 distinct serials of a known server.
pub async fn ade_push_state_rules(store: &dyn Store) {
    let server = insert_server(store).await.id;
    let tag = unique("R").to_ascii_uppercase();
    let big: Vec<_> = (0..1001)
        .map(|n| record(&format!("{tag}-{n}"), server, PushResult::Success))
        .collect();
    assert_invalid(
        store.record_ade_pushes(&big).await,
        "records",
        "1001 records",
    );
    must(store.record_ade_pushes(&big[..1000]).await, "1000 records");
    let read = found(
        store.ade_push_state(&format!("{tag}-999")).await,
        "last of 1000",
    );
    assert_eq!(read.last_result, PushResult::Success);
    let twice = vec![big[0].clone(), big[0].clone()];
    assert_invalid(
        store.record_ade_pushes(&twice).await,
        "serial_number",
        "repeat",
    );
    let unknown = record(&unique("X"), uuid::Uuid::new_v4(), PushResult::Failed);
    assert_not_found(store.record_ade_pushes(&[unknown]).await, "unknown server");
    must(store.record_ade_pushes(&[]).await, "empty batch");
}
