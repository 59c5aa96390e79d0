//! MDM channels: Authenticate → TokenUpdate → CheckOut, certificate bindings, and the
//! command queue (order, NotNow, one hand-out per claim, reports, cancel, the activity log).

use super::{assert_conflict, assert_not_found, at, found, must, unique};
use crate::{
    CommandState, MdmAuthenticate, MdmCommandQuery, MdmReport, MdmTokenUpdate, NewMdmCommand,
    NextCommand, Store,
};

pub(crate) fn authenticate(id: &str, cert: &str) -> MdmAuthenticate {
    MdmAuthenticate {
        id: id.to_owned(),
        device_id: id.to_owned(),
        enrollment_type: "ade".to_owned(),
        serial_number: Some(format!("S{}", &id[id.len() - 8..]).to_ascii_uppercase()),
        topic: "com.apple.mgmt.External.test".to_owned(),
        os_version: Some("18.1".to_owned()),
        build_version: None,
        product_name: Some("iPhone16,1".to_owned()),
        model: None,
        device_name: None,
        raw: b"<plist>authenticate</plist>".to_vec(),
        cert_sha256: cert.to_owned(),
        cert_not_after: Some(at(1_800_000_000, 0)),
        at: at(1_700_000_000, 1),
    }
}

pub(crate) fn token_update(id: &str, device_id: &str, seconds: i64) -> MdmTokenUpdate {
    MdmTokenUpdate {
        id: id.to_owned(),
        device_id: device_id.to_owned(),
        user_id: (id != device_id).then(|| "U1".to_owned()),
        user_short_name: None,
        user_long_name: None,
        topic: "com.apple.mgmt.External.test".to_owned(),
        push_magic: "MAGIC".to_owned(),
        push_token: "00ff".to_owned(),
        unlock_token: Some(vec![1, 2, 3]),
        awaiting_configuration: true,
        raw: b"<plist>token</plist>".to_vec(),
        at: at(1_700_000_000 + seconds, 2),
    }
}

pub(crate) fn command(request_type: &str, seconds: i64) -> NewMdmCommand {
    NewMdmCommand {
        command_uuid: unique("cmd"),
        request_type: request_type.to_owned(),
        raw: format!("<plist>{request_type}</plist>").into_bytes(),
        at: at(1_700_000_100 + seconds, 0),
    }
}

pub(crate) fn report(id: &str, uuid: &str, status: &str) -> MdmReport {
    MdmReport {
        enrollment_id: id.to_owned(),
        command_uuid: uuid.to_owned(),
        status: status.to_owned(),
        error_chain: (status == "Error")
            .then(|| serde_json::json!([{"ErrorCode": 12021, "ErrorDomain": "MCMDMErrorDomain"}])),
        raw: format!("<plist>{status}</plist>").into_bytes(),
        at: at(1_700_000_200, 0),
    }
}

/// An enrolled device channel with a fresh id.
pub(crate) async fn enrolled(store: &dyn Store) -> String {
    let id = unique("UDID").to_ascii_uppercase();
    must(
        store
            .store_authenticate(&authenticate(&id, &unique("cert")))
            .await,
        "authenticate",
    );
    must(
        store.store_token_update(&token_update(&id, &id, 1)).await,
        "token update",
    );
    id
}

/// Authenticate creates the channel disabled; TokenUpdates enable it and count; a new
/// Authenticate resets it; CheckOut disables it with its user channels.
pub async fn mdm_enrollment_lifecycle(store: &dyn Store) {
    let id = unique("UDID").to_ascii_uppercase();
    let cert = unique("cert");
    must(
        store.store_authenticate(&authenticate(&id, &cert)).await,
        "auth",
    );
    let e = found(store.mdm_enrollment(&id).await, "after auth");
    assert_eq!(
        (e.enabled, e.token_update_tally, e.channel.as_str()),
        (false, 0, "device")
    );
    let tally = must(
        store.store_token_update(&token_update(&id, &id, 1)).await,
        "tu",
    );
    assert_eq!(tally, 1, "the first TokenUpdate completes the enrollment");
    let e = found(store.mdm_enrollment(&id).await, "after tu");
    assert!(
        e.enabled && e.awaiting_configuration,
        "enabled, awaiting: {e:?}"
    );
    assert_eq!(e.push_magic.as_deref(), Some("MAGIC"));
    assert_eq!(e.unlock_token.as_deref(), Some(&[1u8, 2, 3][..]));
    let mut again = token_update(&id, &id, 2);
    again.unlock_token = None;
    assert_eq!(must(store.store_token_update(&again).await, "tu 2"), 2);
    let e = found(store.mdm_enrollment(&id).await, "after tu 2");
    assert_eq!(
        e.unlock_token.as_deref(),
        Some(&[1u8, 2, 3][..]),
        "unlock token kept"
    );

    let user = format!("{id}:U1");
    assert_eq!(
        must(
            store.store_token_update(&token_update(&user, &id, 3)).await,
            "user"
        ),
        1
    );
    let u = found(store.mdm_enrollment(&user).await, "user channel");
    assert_eq!(
        (u.channel.as_str(), u.device_id.as_str()),
        ("user", id.as_str())
    );
    assert_eq!(
        u.serial_number, e.serial_number,
        "a user channel inherits the serial"
    );

    assert!(must(
        store.store_check_out(&id, at(1_700_000_300, 0)).await,
        "checkout"
    ));
    for channel in [&id, &user] {
        let c = found(store.mdm_enrollment(channel).await, "after checkout");
        assert!(!c.enabled && c.checked_out_at.is_some(), "{c:?}");
    }
    must(
        store.store_authenticate(&authenticate(&id, &cert)).await,
        "re-auth",
    );
    let e = found(store.mdm_enrollment(&id).await, "after re-auth");
    assert_eq!(
        (e.enabled, e.token_update_tally, e.checked_out_at),
        (false, 0, None)
    );
    let serial = e.serial_number.clone().unwrap_or_default();
    let by_serial = must(store.mdm_enrollments_by_serial(&serial).await, "by serial");
    assert_eq!(by_serial.len(), 1, "one device channel per serial here");

    let ghost = unique("GHOST");
    assert_not_found(
        store
            .store_token_update(&token_update(&ghost, &ghost, 1))
            .await,
        "a TokenUpdate without Authenticate",
    );
}

/// A certificate bound to one device cannot authenticate another.
pub async fn mdm_cert_bindings(store: &dyn Store) {
    let a = unique("UDID").to_ascii_uppercase();
    let b = unique("UDID").to_ascii_uppercase();
    let cert = unique("cert");
    must(
        store.store_authenticate(&authenticate(&a, &cert)).await,
        "a",
    );
    let binding = found(store.mdm_cert_binding(&cert).await, "binding");
    assert_eq!(binding.enrollment_id, a);
    assert_conflict(
        store.store_authenticate(&authenticate(&b, &cert)).await,
        "the same certificate for another device",
    );
    assert_eq!(
        must(store.mdm_enrollment(&b).await, "b"),
        None,
        "nothing stored"
    );
    must(
        store.store_authenticate(&authenticate(&a, &cert)).await,
        "a again",
    );
}

/// Commands go out in order; NotNow'd ones skip the rest of the session (every request after
/// the Idle that opened it) and come back at the next poll; finished ones never come back.
pub async fn mdm_queue_order_and_not_now(store: &dyn Store) {
    let id = enrolled(store).await;
    let cmds = [
        command("DeviceInformation", 0),
        command("ProfileList", 1),
        command("Settings", 2),
    ];
    for c in &cmds {
        let q = must(
            store
                .enqueue_mdm_command(c, std::slice::from_ref(&id))
                .await,
            "enqueue",
        );
        assert_eq!(q.queued, vec![id.clone()]);
    }
    let next = |mode| store.next_mdm_command(&id, mode, at(1_700_000_150, 0));
    let first = found(next(NextCommand::AfterIdle).await, "first");
    assert_eq!(first.command_uuid, cmds[0].command_uuid, "queue order");
    assert_eq!(first.raw, cmds[0].raw);
    must(
        store
            .record_mdm_report(&report(&id, &first.command_uuid, "NotNow"))
            .await,
        "nn",
    );
    let second = found(next(NextCommand::AfterNotNow).await, "second");
    assert_eq!(
        second.command_uuid, cmds[1].command_uuid,
        "NotNow'd skipped this session"
    );
    let entry = must(
        store
            .record_mdm_report(&report(&id, &second.command_uuid, "Acknowledged"))
            .await,
        "ack",
    );
    assert_eq!(entry.map(|e| e.state), Some(CommandState::Acknowledged));
    let third = found(next(NextCommand::AfterReport).await, "third");
    assert_eq!(
        third.command_uuid, cmds[2].command_uuid,
        "the NotNow'd command is not offered again in the same session"
    );
    must(
        store
            .record_mdm_report(&report(&id, &third.command_uuid, "Acknowledged"))
            .await,
        "ack 3",
    );
    assert_eq!(
        must(next(NextCommand::AfterReport).await, "session end"),
        None,
        "the session ends with the NotNow'd command still queued"
    );
    let retried = found(next(NextCommand::AfterIdle).await, "next poll");
    assert_eq!(
        retried.command_uuid, cmds[0].command_uuid,
        "NotNow'd offered at the next poll"
    );
    let e = must(
        store
            .record_mdm_report(&report(&id, &retried.command_uuid, "Error"))
            .await,
        "err",
    );
    let e = e.unwrap_or_else(|| panic!("entry of an errored command"));
    assert_eq!(
        (e.state, e.not_now_count, e.deliveries),
        (CommandState::Error, 1, 2)
    );
    assert!(e.error_chain.is_some(), "the ErrorChain is kept");
    assert_eq!(
        must(next(NextCommand::AfterIdle).await, "empty"),
        None,
        "queue drained"
    );
    let history = must(
        store.mdm_command_reports(&id, &cmds[0].command_uuid).await,
        "history",
    );
    let statuses: Vec<&str> = history.iter().map(|r| r.status.as_str()).collect();
    assert_eq!(statuses, ["NotNow", "Error"], "every report is kept");
}

/// A sent command goes to one request only; it is offered again only after an Idle poll
/// (the answer was lost). Duplicate UUIDs, unknown channels and cancels.
pub async fn mdm_queue_claims_and_cancel(store: &dyn Store) {
    let id = enrolled(store).await;
    let other = enrolled(store).await;
    let c = command("DeviceLock", 0);
    let targets = [id.clone(), other.clone(), "NO-SUCH".to_owned(), id.clone()];
    let q = must(store.enqueue_mdm_command(&c, &targets).await, "enqueue");
    assert_eq!((q.queued.len(), q.unknown), (2, vec!["NO-SUCH".to_owned()]));
    assert_conflict(
        store.enqueue_mdm_command(&c, &targets[..1]).await,
        "same UUID again",
    );
    let t = at(1_700_000_150, 0);
    let (a, b) = tokio::join!(
        store.next_mdm_command(&id, NextCommand::AfterReport, t),
        store.next_mdm_command(&id, NextCommand::AfterReport, t)
    );
    let handed = [must(a, "a"), must(b, "b")].into_iter().flatten().count();
    assert_eq!(handed, 1, "one command, one request");
    assert_eq!(
        must(
            store
                .next_mdm_command(&id, NextCommand::AfterReport, t)
                .await,
            "again"
        ),
        None
    );
    let idle = |t| store.next_mdm_command(&id, NextCommand::AfterIdle, t);
    assert_eq!(
        must(idle(t).await, "idle at once"),
        None,
        "in flight: not handed out again"
    );
    let (a, b) = tokio::join!(idle(t + time::Duration::minutes(4)), idle(t));
    assert_eq!(
        (must(a, "a"), must(b, "b")),
        (None, None),
        "not before five minutes"
    );
    let later = t + time::Duration::minutes(6);
    let (a, b) = tokio::join!(idle(later), idle(later));
    let resent: Vec<_> = [must(a, "a"), must(b, "b")].into_iter().flatten().collect();
    assert_eq!(
        resent.len(),
        1,
        "re-offered to one Idle poll once its answer is overdue"
    );
    assert_eq!(resent[0].command_uuid, c.command_uuid);

    assert_eq!(
        must(
            store.cancel_mdm_command(&c.command_uuid, None, t).await,
            "cancel"
        ),
        1,
        "only the still-queued row is cancelled (the sent one is in flight)"
    );
    let e = found(
        store.mdm_command_entry(&other, &c.command_uuid).await,
        "other",
    );
    assert_eq!(e.state, CommandState::Cancelled);
    assert_eq!(
        must(
            store
                .next_mdm_command(&other, NextCommand::AfterIdle, t)
                .await,
            "x"
        ),
        None
    );
    let unknown = must(
        store
            .record_mdm_report(&report(&id, "NOT-QUEUED", "Acknowledged"))
            .await,
        "r",
    );
    assert_eq!(
        unknown, None,
        "a report on an unknown command is kept but has no entry"
    );
}

/// The activity log: newest first, filtered by state, type and time, paged by seq.
pub async fn mdm_activity_log(store: &dyn Store) {
    let id = enrolled(store).await;
    let mut uuids = Vec::new();
    for (i, t) in ["DeviceInformation", "ProfileList", "DeviceInformation"]
        .iter()
        .enumerate()
    {
        let c = command(t, i as i64 * 10);
        must(
            store
                .enqueue_mdm_command(&c, std::slice::from_ref(&id))
                .await,
            "enqueue",
        );
        uuids.push(c.command_uuid);
    }
    let first = found(
        store
            .next_mdm_command(&id, NextCommand::AfterIdle, at(1_700_000_150, 0))
            .await,
        "n",
    );
    must(
        store
            .record_mdm_report(&report(&id, &first.command_uuid, "Acknowledged"))
            .await,
        "ack",
    );
    let query = |f: &dyn Fn(&mut MdmCommandQuery)| {
        let mut q = MdmCommandQuery {
            enrollment_id: id.clone(),
            states: Vec::new(),
            request_type: None,
            since: None,
            until: None,
            before_seq: None,
            limit: 100,
        };
        f(&mut q);
        q
    };
    let all = must(store.list_mdm_commands(&query(&|_| {})).await, "all");
    let order: Vec<&str> = all.iter().map(|e| e.command_uuid.as_str()).collect();
    assert_eq!(
        order,
        [&uuids[2], &uuids[1], &uuids[0]].map(String::as_str),
        "newest first"
    );
    let acked = must(
        store
            .list_mdm_commands(&query(&|q| q.states = vec![CommandState::Acknowledged]))
            .await,
        "s",
    );
    assert_eq!(acked.len(), 1);
    let typed = must(
        store
            .list_mdm_commands(&query(&|q| {
                q.request_type = Some("DeviceInformation".into())
            }))
            .await,
        "t",
    );
    assert_eq!(typed.len(), 2);
    let since = must(
        store
            .list_mdm_commands(&query(&|q| q.since = Some(at(1_700_000_110, 0))))
            .await,
        "since",
    );
    assert_eq!(since.len(), 2);
    let until = must(
        store
            .list_mdm_commands(&query(&|q| q.until = Some(at(1_700_000_110, 0))))
            .await,
        "until",
    );
    assert_eq!(until.len(), 1);
    let page = must(
        store
            .list_mdm_commands(&query(&|q| {
                q.limit = 1;
                q.before_seq = Some(all[0].seq);
            }))
            .await,
        "page",
    );
    assert_eq!(
        page.iter()
            .map(|e| e.command_uuid.clone())
            .collect::<Vec<_>>(),
        vec![uuids[1].clone()]
    );
}

/// A new Authenticate drops what was queued for the device (it starts over).
pub async fn mdm_reauthenticate_clears_queue(store: &dyn Store) {
    let id = enrolled(store).await;
    let c = command("InstallProfile", 0);
    must(
        store
            .enqueue_mdm_command(&c, std::slice::from_ref(&id))
            .await,
        "enqueue",
    );
    let e = found(store.mdm_enrollment(&id).await, "e");
    let mut auth = authenticate(&id, &unique("cert2"));
    auth.serial_number = e.serial_number;
    must(store.store_authenticate(&auth).await, "re-auth");
    let entry = found(store.mdm_command_entry(&id, &c.command_uuid).await, "entry");
    assert_eq!(entry.state, CommandState::Cancelled);
    must(
        store.store_token_update(&token_update(&id, &id, 5)).await,
        "tu",
    );
    assert_eq!(
        must(
            store
                .next_mdm_command(&id, NextCommand::AfterIdle, at(1_700_000_150, 0))
                .await,
            "n"
        ),
        None
    );
}
