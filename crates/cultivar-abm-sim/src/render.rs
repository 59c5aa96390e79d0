//! Turns device records into Apple's wire records, honouring `X-Server-Protocol-Version` the way
//! Apple does: `os` and `device_family` arrive with version 2, and iPads say `iPadOS` only from
//! version 7 (before that they report `iOS`).

use crate::clock::format_ms;
use crate::state::{DeviceRec, Op, Os, ProfileState};
use cultivar_abm_proto::{Device, DeviceOs, OpType, ProfileStatus};

/// A device record as fetch, sync and details return it.
pub(crate) fn device(serial: &str, d: &DeviceRec, protocol: u32) -> Device {
    let (os, family) = if protocol >= 2 {
        let os = match d.os {
            Os::IpadOs if protocol < 7 => DeviceOs::Ios,
            other => other.wire(),
        };
        (Some(os), Some(d.os.family()))
    } else {
        (None, None)
    };
    Device {
        serial_number: serial.to_string(),
        model: d.model.clone(),
        description: Some(d.description.clone()),
        color: Some(d.color.clone()),
        asset_tag: d.asset_tag.clone(),
        os,
        device_family: family,
        profile_status: Some(profile_status(d.profile_status)),
        profile_uuid: d.profile_uuid.clone(),
        profile_assign_time: d.profile_assign_ms.map(format_ms),
        profile_push_time: d.profile_push_ms.map(format_ms),
        device_assigned_date: d.assigned_ms.map(format_ms),
        device_assigned_by: d.assigned_by.clone(),
        ..Device::default()
    }
}

/// A sync record: the device as of now, plus what happened and when.
pub(crate) fn sync_record(
    serial: &str,
    d: Option<&DeviceRec>,
    op: Op,
    at_ms: i64,
    protocol: u32,
) -> Device {
    let mut rec = match d {
        Some(d) => device(serial, d, protocol),
        None => Device {
            serial_number: serial.to_string(),
            ..Device::default()
        },
    };
    rec.op_type = Some(match op {
        Op::Added => OpType::Added,
        Op::Modified => OpType::Modified,
        Op::Deleted => OpType::Deleted,
    });
    rec.op_date = Some(format_ms(at_ms));
    rec
}

fn profile_status(s: ProfileState) -> ProfileStatus {
    match s {
        ProfileState::Empty => ProfileStatus::Empty,
        ProfileState::Assigned => ProfileStatus::Assigned,
        ProfileState::Pushed => ProfileStatus::Pushed,
        ProfileState::Removed => ProfileStatus::Removed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ipad() -> DeviceRec {
        DeviceRec {
            model: "iPad".into(),
            description: "IPAD".into(),
            color: "SILVER".into(),
            asset_tag: None,
            os: Os::IpadOs,
            server: None,
            assigned_ms: Some(0),
            assigned_by: Some("a@example.com".into()),
            profile_uuid: None,
            profile_status: ProfileState::Empty,
            profile_assign_ms: None,
            profile_push_ms: None,
        }
    }

    #[test]
    fn protocol_version_shapes_os_fields() {
        assert_eq!(device("S", &ipad(), 1).os, None);
        assert_eq!(device("S", &ipad(), 3).os, Some(DeviceOs::Ios));
        assert_eq!(device("S", &ipad(), 7).os, Some(DeviceOs::IpadOs));
        let r = sync_record("S", Some(&ipad()), Op::Added, 0, 10);
        assert_eq!(r.op_date.as_deref(), Some("1970-01-01T00:00:00Z"));
        assert_eq!(
            r.op_date, r.device_assigned_date,
            "added: op_date == assigned date"
        );
    }
}
