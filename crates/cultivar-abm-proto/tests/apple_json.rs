//! Apple's real Device Assignment API JSON (fixtures/dep-api-json, MIT) must deserialize, keep
//! every field, and re-serialize to the same JSON value.

use cultivar_abm_proto::*;
use serde::{de::DeserializeOwned, Serialize};

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/../../fixtures/dep-api-json/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn round_trip<T: DeserializeOwned + Serialize>(name: &str) -> T {
    let text = fixture(name);
    let parsed: T = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let original: serde_json::Value = serde_json::from_str(&text).expect("json");
    let again = serde_json::to_value(&parsed).expect("serialize");
    assert_eq!(again, original, "{name} lost or changed fields");
    parsed
}

#[test]
fn account_response() {
    let a: AccountDetail = round_trip("account_response.json");
    assert_eq!(a.server_name, "dev");
    assert_eq!(a.token_owner(), Some("apple-dep@acme.co"));
    let limit = a.limit_for(paths::FETCH_DEVICES).expect("limit");
    assert_eq!((limit.default, limit.maximum), (1000, 5000));
}

#[test]
fn device_page_and_empty_sync() {
    let page: DevicePage = round_trip("device_response.json");
    let d = &page.devices[0];
    assert_eq!(d.os, Some(DeviceOs::MacOs));
    assert_eq!(d.profile_status, Some(ProfileStatus::Assigned));
    assert!(parse_time(d.device_assigned_date.as_deref().expect("date")).is_some());
    let empty: DevicePage = round_trip("empty_sync_response.json");
    assert!(empty.devices.is_empty() && !empty.more_to_follow);
}

#[test]
fn device_details_and_profile() {
    let details: DeviceDetailsResponse = round_trip("device_details_response.json");
    let d = details.devices.get("C02T0HL0GGC0").expect("serial");
    assert_eq!(d.response_status, Some(DeviceResult::Success));
    let p: Profile = round_trip("fetch_profile_response.json");
    assert_eq!(p.skip_setup_items, vec!["AppleID", "Android"]);
}

#[test]
fn unknown_fields_and_values_are_kept() {
    let text = r#"{"serial_number":"X1","model":"M","os":"futureOS","shiny_new_field":[1,2]}"#;
    let d: Device = serde_json::from_str(text).expect("parse");
    assert_eq!(d.os, Some(DeviceOs::Other("futureOS".into())));
    let back = serde_json::to_value(&d).expect("ser");
    assert_eq!(back["shiny_new_field"], serde_json::json!([1, 2]));
}

#[test]
fn times_format_like_apple() {
    let t = parse_time("2018-09-08T17:28:18Z").expect("parse");
    assert_eq!(format_time(t), "2018-09-08T17:28:18Z");
}
