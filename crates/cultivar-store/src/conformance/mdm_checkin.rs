//! The device CA (one per database, the first insert wins) and device inventory.

use super::mdm::authenticate;
use super::{assert_invalid, at, found, must, unique};
use crate::{MdmDeviceCa, MdmInventoryUpdate, Store};

fn ca(tag: &str) -> MdmDeviceCa {
    MdmDeviceCa {
        certificate_pem: format!("-----BEGIN CERTIFICATE-----\n{tag}\n"),
        private_key_sealed: tag.as_bytes().to_vec(),
        created_at: at(1_700_000_000, 7),
    }
}

/// The first device CA stored stays; later (and concurrent) inserts get it back unchanged.
pub async fn mdm_device_ca_created_once(store: &dyn Store) {
    let before = must(store.mdm_device_ca().await, "device CA before");
    let (a, b) = (ca(&unique("ca-a")), ca(&unique("ca-b")));
    let (got_a, got_b) = tokio::join!(
        store.insert_mdm_device_ca_if_absent(&a),
        store.insert_mdm_device_ca_if_absent(&b)
    );
    let (got_a, got_b) = (must(got_a, "insert a"), must(got_b, "insert b"));
    assert_eq!(got_a, got_b, "concurrent first uses must agree on one CA");
    match before {
        Some(existing) => assert_eq!(got_a, existing, "an existing CA must never be replaced"),
        None => assert!(
            got_a == a || got_a == b,
            "the CA in force is one of those inserted"
        ),
    }
    let again = must(
        store.insert_mdm_device_ca_if_absent(&ca("late")).await,
        "late",
    );
    assert_eq!(again, got_a, "a later insert returns the CA in force");
    assert_eq!(found(store.mdm_device_ca().await, "read back"), got_a);
    let mut empty = ca("x");
    empty.certificate_pem.clear();
    assert_invalid(
        store.insert_mdm_device_ca_if_absent(&empty).await,
        "certificate_pem",
        "empty certificate",
    );
    let mut keyless = ca("x");
    keyless.private_key_sealed.clear();
    assert_invalid(
        store.insert_mdm_device_ca_if_absent(&keyless).await,
        "private_key_sealed",
        "empty key",
    );
}

fn update(id: &str, inventory: serde_json::Value) -> MdmInventoryUpdate {
    MdmInventoryUpdate {
        enrollment_id: id.to_owned(),
        inventory,
        device_name: Some("Lab iPhone".to_owned()),
        os_version: Some("18.2".to_owned()),
        build_version: None,
        product_name: None,
        model: Some("MQ2Y3LL/A".to_owned()),
        at: at(1_700_000_500, 3),
    }
}

/// Inventory replaces the last one and updates the device facts it names, keeping the others.
pub async fn mdm_inventory_round_trip(store: &dyn Store) {
    let id = unique("UDID").to_ascii_uppercase();
    must(
        store
            .store_authenticate(&authenticate(&id, &unique("cert")))
            .await,
        "authenticate",
    );
    assert_eq!(must(store.mdm_inventory(&id).await, "none yet"), None);
    let json = serde_json::json!({"DeviceName": "Lab iPhone", "BatteryLevel": 0.5});
    assert!(must(
        store.store_mdm_inventory(&update(&id, json.clone())).await,
        "store"
    ));
    let inv = found(store.mdm_inventory(&id).await, "read inventory");
    assert_eq!(inv.enrollment_id, id);
    assert_eq!(inv.inventory, json);
    assert_eq!(inv.inventory_at, at(1_700_000_500, 3));
    let e = found(store.mdm_enrollment(&id).await, "enrollment");
    assert_eq!(e.device_name.as_deref(), Some("Lab iPhone"));
    assert_eq!(e.os_version.as_deref(), Some("18.2"));
    assert_eq!(e.model.as_deref(), Some("MQ2Y3LL/A"));
    assert_eq!(
        e.product_name.as_deref(),
        Some("iPhone16,1"),
        "facts the answer lacks keep their stored value"
    );
    let newer = serde_json::json!({"OSVersion": "18.3"});
    must(
        store.store_mdm_inventory(&update(&id, newer.clone())).await,
        "replace",
    );
    assert_eq!(
        found(store.mdm_inventory(&id).await, "replaced").inventory,
        newer
    );
    let missing = unique("UDID");
    assert!(!must(
        store.store_mdm_inventory(&update(&missing, json)).await,
        "unknown channel"
    ));
    assert_eq!(must(store.mdm_inventory(&missing).await, "unknown"), None);
    assert_invalid(
        store
            .store_mdm_inventory(&update(&id, serde_json::json!([1])))
            .await,
        "inventory",
        "an array is not an inventory",
    );
}
