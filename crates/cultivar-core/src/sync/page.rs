//! One page of Apple's device records turned into store changes: duplicates resolved, records
//! mapped, and the page size chosen.

use cultivar_abm_proto::{parse_time, AccountDetail, Device, OpType};
use cultivar_store::{AbmDeviceData, DeviceChange};
use serde_json::{Map, Value};
use std::collections::HashMap;
use time::OffsetDateTime;

/// Largest page cultivar asks for, whatever `/account` allows (Apple's documented maximum).
pub const MAX_BATCH_SIZE: u32 = 1000;

/// The page size for `endpoint`: the server's setting, clamped to the maximum `/account` reports
/// for that endpoint (Apple's real fixture reports 5000, its docs 1000) and to
/// [`MAX_BATCH_SIZE`].
pub fn batch_size(configured: u32, account: &AccountDetail, endpoint: &str) -> u32 {
    let apple_max = account
        .limit_for(endpoint)
        .map_or(MAX_BATCH_SIZE, |l| l.maximum);
    configured.clamp(1, MAX_BATCH_SIZE.min(apple_max.max(1)))
}

/// Keeps one record per serial: the one with the latest `op_date`. Records without a date
/// (fetch) or with equal dates resolve to the later one in the page, which Apple orders
/// chronologically.
pub fn resolve_duplicates(devices: Vec<Device>) -> Vec<Device> {
    let mut kept: Vec<(Device, Option<OffsetDateTime>)> = Vec::with_capacity(devices.len());
    let mut index: HashMap<String, usize> = HashMap::with_capacity(devices.len());
    for device in devices {
        let date = device.op_date.as_deref().and_then(parse_time);
        match index.get(&device.serial_number) {
            Some(&i) => {
                let older = matches!((date, kept[i].1), (Some(new), Some(old)) if new < old);
                if !older {
                    kept[i] = (device, date);
                }
            }
            None => {
                index.insert(device.serial_number.clone(), kept.len());
                kept.push((device, date));
            }
        }
    }
    kept.into_iter().map(|(d, _)| d).collect()
}

/// Maps a record: `deleted` removes the device from this server, anything else (`added`,
/// `modified`, a fetch record without `op_type`, an op type Apple adds later) updates it.
pub fn to_change(mut device: Device) -> DeviceChange {
    let op_date = device.op_date.as_deref().and_then(parse_time);
    match device.op_type.take() {
        Some(OpType::Deleted) => DeviceChange::Removed {
            serial_number: device.serial_number,
            op_date,
        },
        op_type => DeviceChange::Upsert {
            op_type: op_type.map(|o| o.as_str().to_string()),
            op_date,
            data: to_data(device),
        },
    }
}

fn to_data(d: Device) -> AbmDeviceData {
    let mut extra: Map<String, Value> = d.extra;
    // A timestamp that does not parse is kept verbatim in `extra` rather than lost.
    let mut time = |name: &str, value: Option<String>| -> Option<OffsetDateTime> {
        let raw = value?;
        let parsed = parse_time(&raw);
        if parsed.is_none() {
            extra.insert(name.to_string(), Value::String(raw));
        }
        parsed
    };
    let profile_assign_time = time("profile_assign_time", d.profile_assign_time);
    let profile_push_time = time("profile_push_time", d.profile_push_time);
    let device_assigned_date = time("device_assigned_date", d.device_assigned_date);
    AbmDeviceData {
        serial_number: d.serial_number,
        model: Some(d.model).filter(|m| !m.is_empty()),
        description: d.description,
        color: d.color,
        asset_tag: d.asset_tag,
        os: d.os.map(|v| v.as_str().to_string()),
        device_family: d.device_family.map(|v| v.as_str().to_string()),
        profile_status: d.profile_status.map(|v| v.as_str().to_string()),
        profile_uuid: d.profile_uuid,
        profile_assign_time,
        profile_push_time,
        device_assigned_date,
        device_assigned_by: d.device_assigned_by,
        extra: Value::Object(extra),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cultivar_abm_proto::{paths, AccountUrl, DeviceOs, Limit};

    fn record(serial: &str, op: Option<OpType>, date: Option<&str>, color: &str) -> Device {
        Device {
            serial_number: serial.into(),
            model: "iPhone 15".into(),
            color: Some(color.into()),
            op_type: op,
            op_date: date.map(str::to_string),
            ..Device::default()
        }
    }

    fn colors(devices: &[Device]) -> Vec<(&str, &str)> {
        devices
            .iter()
            .map(|d| (d.serial_number.as_str(), d.color.as_deref().unwrap_or("")))
            .collect()
    }

    #[test]
    fn duplicates_resolve_to_the_latest_op_date_whatever_the_order() {
        let page = vec![
            record(
                "A",
                Some(OpType::Modified),
                Some("2024-01-02T00:00:00Z"),
                "new",
            ),
            record("B", Some(OpType::Added), Some("2024-01-01T00:00:00Z"), "b1"),
            record(
                "A",
                Some(OpType::Added),
                Some("2024-01-01T00:00:00Z"),
                "old",
            ),
            record(
                "B",
                Some(OpType::Modified),
                Some("2024-01-01T00:00:00Z"),
                "b2",
            ),
        ];
        let kept = resolve_duplicates(page);
        // A keeps its later record though it came first; B's tie goes to the later record.
        assert_eq!(colors(&kept), vec![("A", "new"), ("B", "b2")]);
    }

    #[test]
    fn fetch_records_without_dates_resolve_to_the_last_one() {
        let page = vec![record("A", None, None, "1"), record("A", None, None, "2")];
        assert_eq!(colors(&resolve_duplicates(page)), vec![("A", "2")]);
    }

    #[test]
    fn deleted_removes_and_everything_else_upserts() {
        let deleted = to_change(record(
            "A",
            Some(OpType::Deleted),
            Some("2024-01-01T00:00:00Z"),
            "x",
        ));
        assert!(
            matches!(deleted, DeviceChange::Removed { ref serial_number, op_date: Some(_) } if serial_number == "A")
        );
        for op in [
            None,
            Some(OpType::Added),
            Some(OpType::Modified),
            Some(OpType::Other("moved".into())),
        ] {
            let expected = op.as_ref().map(|o| o.as_str().to_string());
            match to_change(record("A", op, None, "x")) {
                DeviceChange::Upsert { op_type, .. } => assert_eq!(op_type, expected),
                other => panic!("expected an upsert, got {other:?}"),
            }
        }
    }

    #[test]
    fn fields_map_and_unknown_ones_are_kept() {
        let mut d = record("A", None, None, "RED");
        d.os = Some(DeviceOs::MacOs);
        d.device_assigned_date = Some("2024-03-04T05:06:07Z".into());
        d.profile_push_time = Some("last tuesday".into());
        d.extra.insert("eid".into(), Value::String("E1".into()));
        let DeviceChange::Upsert { data, .. } = to_change(d) else {
            panic!("expected an upsert");
        };
        assert_eq!(data.os.as_deref(), Some("OSX"));
        assert_eq!(data.model.as_deref(), Some("iPhone 15"));
        assert_eq!(
            data.device_assigned_date.map(|t| t.unix_timestamp()),
            Some(1_709_528_767)
        );
        assert_eq!(data.profile_push_time, None);
        assert_eq!(data.extra["eid"], "E1");
        assert_eq!(data.extra["profile_push_time"], "last tuesday");
    }

    #[test]
    fn batch_size_is_clamped_to_account_limits_and_1000() {
        let account = |max: u32| AccountDetail {
            urls: vec![AccountUrl {
                uri: paths::SYNC_DEVICES.into(),
                http_method: vec!["POST".into()],
                limit: Some(Limit {
                    default: 100,
                    maximum: max,
                }),
                extra: Map::new(),
            }],
            ..AccountDetail::default()
        };
        assert_eq!(batch_size(100, &account(1000), paths::SYNC_DEVICES), 100);
        assert_eq!(batch_size(800, &account(500), paths::SYNC_DEVICES), 500);
        assert_eq!(batch_size(1000, &account(5000), paths::SYNC_DEVICES), 1000);
        assert_eq!(batch_size(5000, &account(5000), paths::SYNC_DEVICES), 1000);
        // No limit reported for the endpoint (older protocol): only cultivar's own cap.
        assert_eq!(batch_size(700, &account(500), paths::FETCH_DEVICES), 700);
        assert_eq!(batch_size(0, &account(0), paths::SYNC_DEVICES), 1);
    }
}
