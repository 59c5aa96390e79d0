//! Device channels keyed like ABM devices (serial, else id) for the device list.

use super::mdm::{authenticate, token_update};
use super::{must, unique};
use crate::Store;

/// Keyset by serial (or id without one), user channels left out, re-enrolled serials newest
/// first, and paging resumes after the key.
pub async fn mdm_device_channels_by_key(store: &dyn Store) {
    let prefix = unique("K").to_ascii_uppercase();
    let enroll = |id: String, serial: Option<String>, second: i64| {
        let mut a = authenticate(&id, &unique("cert"));
        a.serial_number = serial;
        a.at = super::at(1_700_000_000 + second, 0);
        a
    };
    let b_old = format!("{prefix}-UDID-B1");
    let b_new = format!("{prefix}-UDID-B2");
    let no_serial = format!("{prefix}-C-UE");
    for a in [
        enroll(b_old.clone(), Some(format!("{prefix}-B")), 1),
        enroll(b_new.clone(), Some(format!("{prefix}-B")), 5),
        enroll(format!("{prefix}-UDID-A"), Some(format!("{prefix}-A")), 2),
        enroll(no_serial.clone(), None, 3),
    ] {
        must(store.store_authenticate(&a).await, "authenticate");
    }
    let user = format!("{b_new}:U1");
    must(
        store
            .store_token_update(&token_update(&b_new, &b_new, 1))
            .await,
        "device token update",
    );
    must(
        store
            .store_token_update(&token_update(&user, &b_new, 2))
            .await,
        "user token update",
    );
    let after = format!("{prefix}-");
    let rows = must(
        store.list_mdm_device_channels(Some(&after), 1000).await,
        "list",
    );
    let mine: Vec<&str> = rows
        .iter()
        .filter(|e| e.id.starts_with(&prefix))
        .map(|e| e.id.as_str())
        .collect();
    let a = format!("{prefix}-UDID-A");
    assert_eq!(
        mine,
        vec![
            a.as_str(),
            b_new.as_str(),
            b_old.as_str(),
            no_serial.as_str()
        ],
        "ordered by serial (or id), newest channel of a serial first, no user channels"
    );
    let next = must(
        store
            .list_mdm_device_channels(Some(&format!("{prefix}-B")), 1)
            .await,
        "next page",
    );
    assert_eq!(
        next.first().map(|e| e.id.as_str()),
        Some(no_serial.as_str()),
        "resumes after the key"
    );
}
