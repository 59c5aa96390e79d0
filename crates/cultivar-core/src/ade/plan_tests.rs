//! The plan: every action and the in-sync case, trusting Apple's record.

use cultivar_store::{AdeDefinedUuid, AdeProfile, AdeProfileDefinition, AdePushState, PushResult};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::plan::PlanContext;
use super::*;

const SERVER: Uuid = Uuid::from_u128(77);
const OTHER_SERVER: Uuid = Uuid::from_u128(78);

fn now() -> OffsetDateTime {
    OffsetDateTime::UNIX_EPOCH + Duration::days(20_000)
}

fn profile(revision: i64) -> AdeProfile {
    AdeProfile {
        id: Uuid::new_v4(),
        name: "p".into(),
        os: "iOS".into(),
        description: String::new(),
        body: "{}".into(),
        revision,
        created_at: now(),
        updated_at: now(),
    }
}

fn definition(p: &AdeProfile, revision: i64, uuid: &str) -> AdeProfileDefinition {
    AdeProfileDefinition {
        profile_id: p.id,
        abm_server_id: SERVER,
        apple_profile_uuid: uuid.into(),
        revision,
        defined_at: now(),
    }
}

fn intends(profile: Option<Uuid>) -> Resolution {
    let outcome = match profile {
        Some(profile) => Outcome::Assigned {
            profile,
            rule: Rule::Device,
        },
        None => Outcome::Unassigned(UnassignedReason::NoDefaultForOs(AdeOs::Ios)),
    };
    Resolution {
        serial: "S1".into(),
        device_os: Some(AdeOs::Ios),
        steps: Vec::new(),
        group_conflict: None,
        outcome,
    }
}

fn apple<'a>(uuid: Option<&'a str>, status: Option<&'a str>) -> AppleView<'a> {
    AppleView {
        abm_server_id: SERVER,
        profile_uuid: uuid,
        profile_status: status,
    }
}

fn push(
    result: PushResult,
    retry_after: Option<OffsetDateTime>,
    attempted: OffsetDateTime,
) -> AdePushState {
    AdePushState {
        serial_number: "S1".into(),
        abm_server_id: SERVER,
        profile_id: None,
        apple_profile_uuid: None,
        last_result: result,
        last_attempt_at: attempted,
        retry_after,
        attempts: 1,
        last_error: None,
    }
}

fn one(r: &Resolution, view: AppleView<'_>, ctx: &PlanContext) -> Option<Action> {
    ctx.action(&PlanInput {
        resolution: r,
        apple: view,
    })
}

fn assign(p: &AdeProfile, uuid: Option<&str>) -> Option<Action> {
    Some(Action::Assign {
        serial: "S1".into(),
        abm_server: SERVER,
        profile: p.id,
        apple_profile_uuid: uuid.map(str::to_owned),
    })
}

#[test]
fn nothing_to_do_when_apple_holds_the_current_definition() {
    let p = profile(3);
    let ctx = PlanContext::new(
        std::slice::from_ref(&p),
        &[definition(&p, 3, "ABC")],
        &[],
        now(),
    );
    let r = intends(Some(p.id));
    assert_eq!(one(&r, apple(Some("ABC"), Some("assigned")), &ctx), None);
    assert_eq!(
        one(&r, apple(Some("abc"), Some("pushed")), &ctx),
        None,
        "case-insensitive"
    );
    let failed_before = push(PushResult::Failed, None, now());
    let ctx = PlanContext::new(
        std::slice::from_ref(&p),
        &[definition(&p, 3, "ABC")],
        &[failed_before],
        now(),
    );
    assert_eq!(
        one(&r, apple(Some("ABC"), Some("assigned")), &ctx),
        None,
        "in sync: no wait"
    );
}

#[test]
fn assign_again_when_apples_record_lacks_the_profile() {
    let p = profile(1);
    let ctx = PlanContext::new(
        std::slice::from_ref(&p),
        &[definition(&p, 1, "ABC")],
        &[],
        now(),
    );
    let r = intends(Some(p.id));
    // Unassigned then re-assigned in ABM: Apple says empty/removed whatever we pushed before.
    for view in [
        apple(None, Some("empty")),
        apple(Some("ABC"), Some("removed")),
        apple(None, None),
        apple(Some("OTHER"), Some("assigned")),
    ] {
        assert_eq!(one(&r, view, &ctx), assign(&p, Some("ABC")), "{view:?}");
    }
}

#[test]
fn a_new_or_changed_profile_is_defined_first() {
    let p = profile(2);
    let r = intends(Some(p.id));
    let never = PlanContext::new(std::slice::from_ref(&p), &[], &[], now());
    assert_eq!(
        one(&r, apple(None, Some("empty")), &never),
        assign(&p, None)
    );
    let stale = PlanContext::new(
        std::slice::from_ref(&p),
        &[definition(&p, 1, "OLD")],
        &[],
        now(),
    );
    assert_eq!(
        one(&r, apple(Some("OLD"), Some("assigned")), &stale),
        assign(&p, None),
        "Apple holds revision 1; revision 2 must be defined and assigned"
    );
    let elsewhere = AdeProfileDefinition {
        abm_server_id: OTHER_SERVER,
        ..definition(&p, 2, "X")
    };
    let other = PlanContext::new(std::slice::from_ref(&p), &[elsewhere], &[], now());
    assert_eq!(
        one(&r, apple(Some("X"), Some("assigned")), &other),
        assign(&p, None),
        "per server"
    );
}

#[test]
fn remove_only_cultivars_own_profiles_when_nothing_is_intended() {
    let p = profile(1);
    let ctx = PlanContext::new(
        std::slice::from_ref(&p),
        &[definition(&p, 1, "ABC")],
        &[],
        now(),
    );
    let r = intends(None);
    let expected = Some(Action::Remove {
        serial: "S1".into(),
        abm_server: SERVER,
        apple_profile_uuid: "ABC".into(),
    });
    assert_eq!(
        one(&r, apple(Some("ABC"), Some("assigned")), &ctx),
        expected
    );
    assert_eq!(
        one(&r, apple(Some("FOREIGN"), Some("assigned")), &ctx),
        None,
        "not ours"
    );
    assert_eq!(
        one(&r, apple(Some("ABC"), Some("removed")), &ctx),
        None,
        "already gone"
    );
    assert_eq!(one(&r, apple(None, Some("empty")), &ctx), None);
    let mut gone = intends(None);
    gone.outcome = Outcome::Unassigned(UnassignedReason::DeviceRemoved);
    assert_eq!(
        one(&gone, apple(Some("ABC"), Some("assigned")), &ctx),
        None,
        "left ABM"
    );
}

fn defined(server: Uuid, uuid: &str, profile: Option<Uuid>, revision: i64) -> AdeDefinedUuid {
    AdeDefinedUuid {
        abm_server_id: server,
        apple_profile_uuid: uuid.into(),
        profile_id: profile,
        revision,
        defined_at: now(),
    }
}

#[test]
fn superseded_and_deleted_profiles_uuids_are_still_cultivars_own() {
    // The profile is at revision 2 (defined as NEW); revision 1 was OLD, and a since-deleted
    // profile was GONE. Only the current definition is in `definitions`.
    let p = profile(2);
    let current = [definition(&p, 2, "NEW")];
    let history = [
        defined(SERVER, "OLD", Some(p.id), 1),
        defined(SERVER, "NEW", Some(p.id), 2),
        defined(SERVER, "GONE", None, 1),
        defined(OTHER_SERVER, "ELSEWHERE", Some(p.id), 1),
    ];
    let forgetful = PlanContext::new(std::slice::from_ref(&p), &current, &[], now());
    let ctx = forgetful.clone().with_history(&history);
    let r = intends(None);
    let remove = |uuid: &str| {
        Some(Action::Remove {
            serial: "S1".into(),
            abm_server: SERVER,
            apple_profile_uuid: uuid.into(),
        })
    };
    let old = apple(Some("old"), Some("pushed"));
    assert_eq!(
        one(&r, old, &forgetful),
        None,
        "without the history an older revision's UUID looks foreign"
    );
    assert_eq!(
        one(&r, old, &ctx),
        remove("old"),
        "older revision, any case"
    );
    let gone = apple(Some("GONE"), Some("assigned"));
    assert_eq!(one(&r, gone, &ctx), remove("GONE"), "a deleted profile's");
    let elsewhere = apple(Some("ELSEWHERE"), Some("assigned"));
    assert_eq!(
        one(&r, elsewhere, &ctx),
        None,
        "defined on another server only"
    );
    assert_eq!(
        one(&intends(Some(p.id)), old, &ctx),
        assign(&p, Some("NEW")),
        "an intended profile replaces the older revision"
    );
}

#[test]
fn throttled_serials_wait_until_retry_after() {
    let p = profile(1);
    let defs = [definition(&p, 1, "ABC")];
    let r = intends(Some(p.id));
    let until = now() + Duration::seconds(90);
    let state = push(PushResult::Throttled, Some(until), now());
    let ctx = PlanContext::new(
        std::slice::from_ref(&p),
        &defs,
        std::slice::from_ref(&state),
        now(),
    );
    let wait = Some(Action::Wait {
        serial: "S1".into(),
        until,
        reason: WaitReason::Throttled,
    });
    assert_eq!(one(&r, apple(None, Some("empty")), &ctx), wait);
    let later = PlanContext::new(std::slice::from_ref(&p), &defs, &[state], until);
    assert_eq!(
        one(&r, apple(None, Some("empty")), &later),
        assign(&p, Some("ABC")),
        "cooled down"
    );
}

#[test]
fn failed_serials_wait_24_hours() {
    let p = profile(1);
    let defs = [definition(&p, 1, "ABC")];
    let r = intends(Some(p.id));
    let attempted = now() - Duration::hours(1);
    let state = push(PushResult::Failed, None, attempted);
    let ctx = PlanContext::new(
        std::slice::from_ref(&p),
        &defs,
        std::slice::from_ref(&state),
        now(),
    );
    let until = attempted + FAILED_COOLDOWN;
    let wait = Some(Action::Wait {
        serial: "S1".into(),
        until,
        reason: WaitReason::Failed,
    });
    assert_eq!(one(&r, apple(None, Some("empty")), &ctx), wait);
    let later = PlanContext::new(
        std::slice::from_ref(&p),
        &defs,
        std::slice::from_ref(&state),
        until + Duration::seconds(1),
    );
    assert_eq!(
        one(&r, apple(None, Some("empty")), &later),
        assign(&p, Some("ABC"))
    );
    let moved = AdePushState {
        abm_server_id: OTHER_SERVER,
        ..state
    };
    let ctx = PlanContext::new(std::slice::from_ref(&p), &defs, &[moved], now());
    let got = one(&r, apple(None, Some("empty")), &ctx);
    assert_eq!(
        got,
        assign(&p, Some("ABC")),
        "another server's cooldown does not apply"
    );
    let ok = push(PushResult::Success, None, now());
    let ctx = PlanContext::new(std::slice::from_ref(&p), &defs, &[ok], now());
    assert_eq!(
        one(&r, apple(None, Some("empty")), &ctx),
        assign(&p, Some("ABC")),
        "no cooldown"
    );
}

#[test]
fn plan_lists_actions_in_input_order_and_skips_devices_in_sync() {
    let p = profile(1);
    let ctx = PlanContext::new(
        std::slice::from_ref(&p),
        &[definition(&p, 1, "ABC")],
        &[],
        now(),
    );
    let mut first = intends(Some(p.id));
    first.serial = "A".into();
    let mut synced = intends(Some(p.id));
    synced.serial = "B".into();
    let mut last = intends(None);
    last.serial = "C".into();
    let inputs = [
        PlanInput {
            resolution: &first,
            apple: apple(None, Some("empty")),
        },
        PlanInput {
            resolution: &synced,
            apple: apple(Some("ABC"), Some("assigned")),
        },
        PlanInput {
            resolution: &last,
            apple: apple(Some("ABC"), Some("pushed")),
        },
    ];
    let serials: Vec<String> = plan(&inputs, &ctx)
        .into_iter()
        .map(|a| match a {
            Action::Assign { serial, .. }
            | Action::Remove { serial, .. }
            | Action::Wait { serial, .. } => serial,
        })
        .collect();
    assert_eq!(serials, ["A", "C"]);
}

#[test]
fn apples_view_comes_from_the_synced_device_record() {
    let mut d = super::resolve_tests::device("S1", Some("iOS"), Some("iPhone"));
    d.data.profile_uuid = Some("ABC".into());
    d.data.profile_status = Some("pushed".into());
    let view = AppleView::of(&d);
    assert_eq!(view, apple(Some("ABC"), Some("pushed")));
}
