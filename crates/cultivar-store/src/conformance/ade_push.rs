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

/// A FAILED and a THROTTLED record with cooldowns, and a SUCCESS for `profile`.
fn batch(tag: &str, server: uuid::Uuid, profile: uuid::Uuid) -> Vec<AdePushRecord> {
    let mut ok = record(&format!("{tag}-1"), server, PushResult::Success);
    ok.profile_id = Some(profile);
    let mut failed = record(&format!("{tag}-2"), server, PushResult::Failed);
    failed.retry_after = Some(at(1_700_086_400, 5));
    failed.error = Some("FAILED".to_owned());
    let mut throttled = record(&format!("{tag}-3"), server, PushResult::Throttled);
    throttled.retry_after = Some(at(1_700_000_060, 0));
    vec![ok, failed, throttled]
}

/// A batch is recorded at once; attempts count up until a success.
pub async fn ade_push_state_round_trip(store: &dyn Store) {
    let server = insert_server(store).await.id;
    let profile = insert_profile(store, "iOS").await;
    let tag = unique("P").to_ascii_uppercase();
    let s = |n: u32| format!("{tag}-{n}");
    let records = batch(&tag, server, profile.id);
    must(store.record_ade_pushes(&records).await, "record");
    let read = found(store.ade_push_state(&s(1)).await, "state 1");
    assert_eq!(
        (
            read.profile_id,
            read.last_result,
            read.attempts,
            read.last_attempt_at
        ),
        (
            Some(profile.id),
            PushResult::Success,
            1,
            records[0].attempted_at
        ),
        "the record is stored"
    );
    let read = found(store.ade_push_state(&s(2)).await, "state 2");
    assert_eq!(
        (
            read.last_result,
            read.retry_after,
            read.last_error.as_deref()
        ),
        (PushResult::Failed, records[1].retry_after, Some("FAILED")),
        "the cooldown and error are stored"
    );
    must(store.record_ade_pushes(&records[1..2]).await, "fail again");
    let read = found(store.ade_push_state(&s(2)).await, "state 2 again");
    assert_eq!(read.attempts, 2, "attempts count up until a success");
    let fixed = record(&s(2), server, PushResult::Success);
    must(store.record_ade_pushes(&[fixed]).await, "succeed");
    let read = found(store.ade_push_state(&s(2)).await, "state 2 fixed");
    assert_eq!(
        (read.attempts, read.retry_after),
        (1, None),
        "a success restarts attempts"
    );
    assert_eq!(must(store.ade_push_state(&s(9)).await, "unknown"), None);
}

/// Cooldowns are listed until `retry_after`; the history outlives its profile.
pub async fn ade_push_cooling_down(store: &dyn Store) {
    let server = insert_server(store).await.id;
    let profile = insert_profile(store, "iOS").await;
    let tag = unique("C").to_ascii_uppercase();
    must(
        store
            .record_ade_pushes(&batch(&tag, server, profile.id))
            .await,
        "record",
    );
    let mine = |states: Vec<crate::AdePushState>| -> Vec<String> {
        states
            .into_iter()
            .filter(|p| p.serial_number.starts_with(&tag))
            .map(|p| p.serial_number)
            .collect()
    };
    let early = must(
        store.list_ade_cooling_down(at(1_700_000_030, 0)).await,
        "early",
    );
    let expected = vec![format!("{tag}-3"), format!("{tag}-2")];
    assert_eq!(mine(early), expected, "both cool down, soonest first");
    let later = must(
        store.list_ade_cooling_down(at(1_700_000_060, 0)).await,
        "later",
    );
    assert_eq!(
        mine(later),
        vec![format!("{tag}-2")],
        "a cooldown ends at retry_after"
    );
    must(
        store.delete_ade_profile(profile.id, true).await,
        "delete profile",
    );
    let read = found(
        store.ade_push_state(&format!("{tag}-1")).await,
        "after delete",
    );
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

/// A page's push states come back in one read: only serials with a state, ordered by serial.
pub async fn ade_push_states_batch(store: &dyn Store) {
    let server = insert_server(store).await.id;
    let profile = insert_profile(store, "iOS").await;
    let tag = unique("B").to_ascii_uppercase();
    let records = batch(&tag, server, profile.id);
    must(store.record_ade_pushes(&records).await, "record");
    let asked = vec![format!("{tag}-3"), format!("{tag}-9"), format!("{tag}-1")];
    let read = must(store.ade_push_states(&asked).await, "read page");
    let got: Vec<(String, PushResult)> = read
        .iter()
        .map(|s| (s.serial_number.clone(), s.last_result))
        .collect();
    assert_eq!(
        got,
        vec![
            (format!("{tag}-1"), PushResult::Success),
            (format!("{tag}-3"), PushResult::Throttled),
        ],
        "known serials only, ordered by serial"
    );
    let single = found(store.ade_push_state(&format!("{tag}-3")).await, "single");
    assert_eq!(read[1], single, "the same state as the single read");
    let none = must(store.ade_push_states(&[]).await, "empty");
    assert!(none.is_empty(), "no serials, no states");
    let many: Vec<String> = (0..1001).map(|n| format!("{tag}-{n}")).collect();
    assert_invalid(
        store.ade_push_states(&many).await,
        "serials",
        "1001 serials",
    );
}
