use cultivar_abm_proto::DeviceResult;
use cultivar_store::{AbmDevice, AbmDeviceData, AdePushState, PushResult};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::push::{push_record, Target, THROTTLED_DEFAULT};
use super::service::settled;
use super::{Action, FAILED_COOLDOWN};

fn now() -> OffsetDateTime {
    OffsetDateTime::UNIX_EPOCH + Duration::days(20_000)
}

fn device(server: Uuid, synced: OffsetDateTime) -> AbmDevice {
    AbmDevice {
        data: AbmDeviceData::new("C02SERIAL"),
        abm_server_id: server,
        last_op_type: None,
        last_op_date: None,
        removed_at: None,
        first_seen_at: synced,
        updated_at: synced,
    }
}

fn state(server: Uuid, result: PushResult, at: OffsetDateTime) -> AdePushState {
    AdePushState {
        serial_number: "C02SERIAL".into(),
        abm_server_id: server,
        profile_id: Some(Uuid::nil()),
        apple_profile_uuid: Some("UUID-1".into()),
        last_result: result,
        last_attempt_at: at,
        retry_after: None,
        attempts: 1,
        last_error: None,
    }
}

fn assign(server: Uuid, uuid: Option<&str>) -> Action {
    Action::Assign {
        serial: "C02SERIAL".into(),
        abm_server: server,
        profile: Uuid::nil(),
        apple_profile_uuid: uuid.map(str::to_owned),
    }
}

#[test]
fn a_push_settles_only_until_apples_record_is_newer() {
    let s = Uuid::new_v4();
    let later = now() + Duration::seconds(1);
    let ok = state(s, PushResult::Success, later);
    assert!(settled(
        &assign(s, Some("UUID-1")),
        &device(s, now()),
        Some(&ok)
    ));
    // A sync after the push: Apple's record wins again.
    let synced = device(s, later + Duration::seconds(1));
    assert!(!settled(&assign(s, Some("UUID-1")), &synced, Some(&ok)));
    // Another definition (the profile changed), or none yet.
    assert!(!settled(
        &assign(s, Some("UUID-2")),
        &device(s, now()),
        Some(&ok)
    ));
    assert!(!settled(&assign(s, None), &device(s, now()), Some(&ok)));
    // NOT_ACCESSIBLE holds on the same server only.
    let gone = state(s, PushResult::NotAccessible, later);
    assert!(settled(&assign(s, None), &device(s, now()), Some(&gone)));
    let moved = Uuid::new_v4();
    assert!(!settled(
        &assign(moved, None),
        &device(moved, now()),
        Some(&gone)
    ));
    // Cooldowns are the plan's business, not a settlement.
    let failed = state(s, PushResult::Failed, later);
    assert!(!settled(
        &assign(s, Some("UUID-1")),
        &device(s, now()),
        Some(&failed)
    ));
    assert!(!settled(
        &assign(s, Some("UUID-1")),
        &device(s, now()),
        None
    ));
}

fn remove(server: Uuid, uuid: &str) -> Action {
    Action::Remove {
        serial: "C02SERIAL".into(),
        abm_server: server,
        apple_profile_uuid: uuid.to_owned(),
    }
}

#[test]
fn a_removal_settles_like_an_assign() {
    let s = Uuid::new_v4();
    let later = now() + Duration::seconds(1);
    let removed = AdePushState {
        profile_id: None,
        ..state(s, PushResult::Success, later)
    };
    assert!(settled(
        &remove(s, "UUID-1"),
        &device(s, now()),
        Some(&removed)
    ));
    // Until a sync shows Apple's view again.
    let synced = device(s, later + Duration::seconds(1));
    assert!(!settled(&remove(s, "UUID-1"), &synced, Some(&removed)));
    // Another UUID to remove, or an assign recorded last, does not settle it.
    assert!(!settled(
        &remove(s, "UUID-2"),
        &device(s, now()),
        Some(&removed)
    ));
    let assigned = state(s, PushResult::Success, later);
    assert!(!settled(
        &remove(s, "UUID-1"),
        &device(s, now()),
        Some(&assigned)
    ));
    // A removal recorded last does not settle an assign of the same UUID.
    assert!(!settled(
        &assign(s, Some("UUID-1")),
        &device(s, now()),
        Some(&removed)
    ));
    let failed = AdePushState {
        profile_id: None,
        ..state(s, PushResult::Failed, later)
    };
    assert!(!settled(
        &remove(s, "UUID-1"),
        &device(s, now()),
        Some(&failed)
    ));
}

#[test]
fn push_records_carry_the_cooldowns() {
    let target = Target {
        server: Uuid::new_v4(),
        profile: Some(Uuid::new_v4()),
        apple_uuid: "UUID-1",
    };
    let record = |r: Option<DeviceResult>, secs| push_record(&target, "S", r.as_ref(), secs, now());
    let t = record(Some(DeviceResult::Throttled), Some(90));
    assert_eq!(
        (t.result, t.retry_after),
        (PushResult::Throttled, Some(now() + Duration::seconds(90)))
    );
    let t = record(Some(DeviceResult::Throttled), None);
    assert_eq!(t.retry_after, Some(now() + THROTTLED_DEFAULT));
    let f = record(Some(DeviceResult::Failed), None);
    assert_eq!(
        (f.result, f.retry_after),
        (PushResult::Failed, Some(now() + FAILED_COOLDOWN))
    );
    let ok = record(Some(DeviceResult::Success), None);
    assert_eq!((ok.result, ok.retry_after), (PushResult::Success, None));
    let na = record(Some(DeviceResult::NotAccessible), None);
    assert_eq!(
        (na.result, na.retry_after),
        (PushResult::NotAccessible, None)
    );
    let missing = record(None, None);
    assert_eq!(missing.result, PushResult::Failed);
    assert!(missing.error.is_some_and(|e| e.contains("did not list")));
    let odd = record(Some(DeviceResult::Other("NEW".into())), None);
    assert_eq!(odd.result, PushResult::Failed);
}
