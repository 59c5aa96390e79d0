//! One command-channel request in one transaction: the report settled, the contact noted, the
//! next command claimed, with the same queue rules as the separate calls.

use super::mdm::{authenticate, command, enrolled, report, token_update};
use super::{assert_invalid, at, found, must};
use crate::{MdmCertCheck, MdmExchange, MdmExchanged, MdmInventoryUpdate, NextCommand, Store};

fn inventory(id: &str, name: &str) -> MdmInventoryUpdate {
    MdmInventoryUpdate {
        enrollment_id: id.to_owned(),
        inventory: serde_json::json!({ "DeviceName": name }),
        device_name: Some(name.to_owned()),
        os_version: None,
        build_version: None,
        product_name: None,
        model: None,
        at: at(1_700_000_301, 0),
    }
}

fn exchange(id: &str, report: Option<crate::MdmReport>, mode: NextCommand, s: i64) -> MdmExchange {
    MdmExchange {
        enrollment_id: id.to_owned(),
        report,
        inventory: None,
        mode,
        at: at(1_700_000_300 + s, 0),
        cert: None,
    }
}

/// A session through exchanges: Idle claims, a report settles and claims the next, NotNow
/// puts a command off until the next Idle poll, the last contact only moves forward.
pub async fn mdm_exchange_session(store: &dyn Store) {
    let id = enrolled(store).await;
    let cmds = [command("DeviceInformation", 0), command("ProfileList", 1)];
    for c in &cmds {
        let q = store
            .enqueue_mdm_command(c, std::slice::from_ref(&id))
            .await;
        assert_eq!(must(q, "enqueue").queued, vec![id.clone()]);
    }
    let run = |x: MdmExchange| async move { must(store.mdm_exchange(&x).await, "exchange") };
    let first = run(exchange(&id, None, NextCommand::AfterIdle, 0)).await;
    assert_eq!(
        first.settled_request_type, None,
        "an Idle poll settles nothing"
    );
    let first = first.next.unwrap_or_else(|| panic!("Idle poll: a command"));
    assert_eq!(
        (first.command_uuid.as_str(), first.request_type.as_str()),
        (cmds[0].command_uuid.as_str(), "DeviceInformation")
    );
    assert_eq!(
        first.raw, cmds[0].raw,
        "the command comes back with its claim"
    );
    let ack = Some(report(&id, &first.command_uuid, "Acknowledged"));
    let mut with_inventory = exchange(&id, ack, NextCommand::AfterReport, 1);
    with_inventory.inventory = Some(inventory(&id, "Kitchen iPad"));
    let second = run(with_inventory).await;
    let stored = found(
        store.mdm_inventory(&id).await,
        "inventory of the DeviceInformation",
    );
    assert_eq!(stored.inventory["DeviceName"], "Kitchen iPad");
    assert_eq!(
        second.settled_request_type.as_deref(),
        Some("DeviceInformation")
    );
    let second = second
        .next
        .unwrap_or_else(|| panic!("after the ack: a command"));
    assert_eq!(second.command_uuid, cmds[1].command_uuid);
    let not_now = Some(report(&id, &second.command_uuid, "NotNow"));
    let mut not_inventory = exchange(&id, not_now, NextCommand::AfterNotNow, 2);
    not_inventory.inventory = Some(inventory(&id, "Not a DeviceInformation"));
    let put_off = run(not_inventory).await;
    let stored = found(store.mdm_inventory(&id).await, "inventory kept");
    assert_eq!(
        stored.inventory["DeviceName"], "Kitchen iPad",
        "only an acknowledged DeviceInformation stores inventory"
    );
    assert_eq!(
        put_off,
        MdmExchanged {
            cert_bound_to: None,
            settled_request_type: Some("ProfileList".to_owned()),
            next: None
        },
        "a NotNow'd command waits for the next session"
    );
    let channel = found(store.mdm_enrollment(&id).await, "channel");
    assert_eq!(channel.last_seen_at, Some(at(1_700_000_302, 0)));
    let again = run(exchange(&id, None, NextCommand::AfterIdle, -100)).await;
    let again = again
        .next
        .unwrap_or_else(|| panic!("next Idle: the NotNow'd command"));
    assert_eq!(again.command_uuid, cmds[1].command_uuid);
    let channel = found(store.mdm_enrollment(&id).await, "channel");
    assert_eq!(
        channel.last_seen_at,
        Some(at(1_700_000_302, 0)),
        "an older request does not move the last contact back"
    );
    let entry = found(
        store.mdm_command_entry(&id, &first.command_uuid).await,
        "entry",
    );
    assert_eq!(entry.state, crate::CommandState::Acknowledged);
}

/// A report on a command never queued is kept in the history and settles nothing; a report
/// for another channel is refused and changes nothing.
pub async fn mdm_exchange_rules(store: &dyn Store) {
    let id = enrolled(store).await;
    let other = enrolled(store).await;
    let stray = Some(report(&id, "never-queued", "Acknowledged"));
    let done = must(
        store
            .mdm_exchange(&exchange(&id, stray, NextCommand::AfterReport, 0))
            .await,
        "stray report",
    );
    assert_eq!(
        done,
        MdmExchanged {
            cert_bound_to: None,
            settled_request_type: None,
            next: None
        }
    );
    let kept = must(
        store.mdm_command_reports(&id, "never-queued").await,
        "history",
    );
    assert_eq!(kept.len(), 1, "the stray report is kept");
    let c = command("ProfileList", 0);
    must(
        store
            .enqueue_mdm_command(&c, std::slice::from_ref(&other))
            .await,
        "enqueue",
    );
    let foreign = Some(report(&other, &c.command_uuid, "Acknowledged"));
    let before = found(store.mdm_enrollment(&id).await, "before");
    assert_invalid(
        store
            .mdm_exchange(&exchange(&id, foreign, NextCommand::AfterReport, 5))
            .await,
        "report.enrollment_id",
        "report of another channel",
    );
    assert_eq!(found(store.mdm_enrollment(&id).await, "after"), before);
    let entry = found(
        store.mdm_command_entry(&other, &c.command_uuid).await,
        "entry",
    );
    assert_eq!(entry.state, crate::CommandState::Queued, "nothing settled");
    assert_invalid(
        store
            .mdm_exchange(&exchange("", None, NextCommand::AfterIdle, 0))
            .await,
        "enrollment_id",
        "empty id",
    );
}

/// With a certificate to check, the exchange writes only when the certificate's latest binding
/// is the device channel named: another channel's certificate, or one never bound, changes
/// nothing and says whom (if anyone) it is bound to.
pub async fn mdm_exchange_checks_the_certificate(store: &dyn Store) {
    let (id, other) = (enrolled(store).await, enrolled(store).await);
    let cert = super::unique("cert");
    must(
        store.store_authenticate(&authenticate(&other, &cert)).await,
        "authenticate other",
    );
    must(
        store
            .store_token_update(&token_update(&other, &other, 1))
            .await,
        "token update other",
    );
    let c = command("DeviceInformation", 0);
    must(
        store
            .enqueue_mdm_command(&c, std::slice::from_ref(&id))
            .await,
        "enqueue",
    );
    let before = found(store.mdm_enrollment(&id).await, "before");
    let with = |cert: &str, device: &str| {
        let mut x = exchange(&id, None, NextCommand::AfterIdle, 10);
        x.cert = Some(MdmCertCheck {
            cert_sha256: cert.to_owned(),
            device_id: device.to_owned(),
        });
        x
    };
    let foreign = must(store.mdm_exchange(&with(&cert, &id)).await, "foreign cert");
    assert_eq!(foreign.cert_bound_to.as_deref(), Some(other.as_str()));
    assert_eq!(foreign.next, None, "nothing handed out");
    let unbound = must(
        store.mdm_exchange(&with("no-such-cert", &id)).await,
        "unbound",
    );
    assert_eq!((unbound.cert_bound_to, unbound.next), (None, None));
    assert_eq!(found(store.mdm_enrollment(&id).await, "after"), before);
    let entry = found(store.mdm_command_entry(&id, &c.command_uuid).await, "entry");
    assert_eq!(entry.state, crate::CommandState::Queued, "still queued");
    let own = must(store.mdm_exchange(&with(&cert, &other)).await, "own cert");
    assert_eq!(own.cert_bound_to.as_deref(), Some(other.as_str()));
}
