//! Enrollment IDs follow NanoMDM's rules (device, macOS user, Shared iPad, User Enrollment).
#![allow(clippy::unwrap_used)]

use cultivar_mdm_proto::identity::SHARED_IPAD_USER_ID;
use cultivar_mdm_proto::{EnrollmentIds, EnrollmentType, IdentityError};

fn ids(udid: Option<&str>, enrollment_id: Option<&str>) -> EnrollmentIds {
    EnrollmentIds {
        udid: udid.map(str::to_string),
        enrollment_id: enrollment_id.map(str::to_string),
        ..EnrollmentIds::default()
    }
}

#[test]
fn device_channel() {
    let id = EnrollmentIds::device("UDID-1").resolve().unwrap();
    assert_eq!(id.id, "UDID-1");
    assert_eq!(id.kind, EnrollmentType::Device);
    assert!(!id.is_user_channel());
    assert_eq!(id.device_id(), "UDID-1");
}

#[test]
fn macos_user_channel() {
    let mut ids = EnrollmentIds::device("UDID-1");
    ids.user_id = Some("USER-GUID".into());
    ids.user_short_name = Some("alice".into());
    let id = ids.resolve().unwrap();
    assert_eq!(id.id, "UDID-1:USER-GUID");
    assert_eq!(id.kind, EnrollmentType::User);
    assert_eq!(id.parent_id.as_deref(), Some("UDID-1"));
    assert_eq!(id.device_id(), "UDID-1");
}

#[test]
fn shared_ipad_user_is_named_by_short_name() {
    let mut ids = EnrollmentIds::device("UDID-1");
    ids.user_id = Some(SHARED_IPAD_USER_ID.into());
    ids.user_short_name = Some("student@school.example".into());
    let id = ids.resolve().unwrap();
    assert_eq!(id.id, "UDID-1:student@school.example");
    assert_eq!(id.kind, EnrollmentType::SharedIpadUser);
    assert!(id.is_user_channel());
}

#[test]
fn user_enrollment_channels() {
    let id = EnrollmentIds::user_enrollment("ENR-1").resolve().unwrap();
    assert_eq!(
        (id.id.as_str(), id.kind),
        ("ENR-1", EnrollmentType::UserEnrollmentDevice)
    );
    assert!(id.is_user_enrollment() && !id.is_user_channel());

    let mut ids = EnrollmentIds::user_enrollment("ENR-1");
    ids.enrollment_user_id = Some("EU-1".into());
    let id = ids.resolve().unwrap();
    assert_eq!(id.id, "ENR-1:EU-1");
    assert_eq!(id.kind, EnrollmentType::UserEnrollmentUser);
    assert_eq!(id.device_id(), "ENR-1");
    assert!(id.is_user_enrollment());
}

#[test]
fn missing_both_or_empty_identifiers_are_errors() {
    assert_eq!(ids(None, None).resolve(), Err(IdentityError::Missing));
    assert_eq!(
        ids(Some(""), Some("")).resolve(),
        Err(IdentityError::Missing)
    );
    assert_eq!(
        ids(Some("U"), Some("E")).resolve(),
        Err(IdentityError::Both)
    );
    // An empty UDID next to a real EnrollmentID is a User Enrollment.
    assert_eq!(
        ids(Some(""), Some("E")).resolve().unwrap().kind,
        EnrollmentType::UserEnrollmentDevice
    );
}
