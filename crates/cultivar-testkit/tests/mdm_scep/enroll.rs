//! A simulated device enrolls by profile end to end against the real endpoints: SCEP,
//! Authenticate, TokenUpdate, then DeviceInformation acknowledged and stored.

use cultivar_device_sim::{enroll_with_profile, Family, SimDevice};
use cultivar_mdm_proto::{EnrollmentKind, Status};
use cultivar_testkit::both_backends;

use crate::{install_push_cert, service};

#[tokio::test]
async fn sim_device_enrolls_by_profile_end_to_end() {
    both_backends(|server| async move {
        install_push_cert(&server).await;
        let signed = service(&server).enrollment_profile("e2e").await.unwrap();
        let http = reqwest::Client::new();
        let mut device = SimDevice::new(Family::IPhone, "scep-e2e", 0, EnrollmentKind::Device);
        let client = enroll_with_profile(&http, &mut device, &signed)
            .await
            .unwrap();
        let udid = device.udid.clone();
        let e = server.store().mdm_enrollment(&udid).await.unwrap().unwrap();
        assert!(
            e.enabled && e.token_updated_at.is_some(),
            "Authenticate and TokenUpdate"
        );
        assert_eq!(e.enrollment_type, "profile");
        let report = client.session(&mut device).await.unwrap();
        let info = report
            .commands
            .iter()
            .find(|h| h.request_type == "DeviceInformation")
            .expect("DeviceInformation is queued after TokenUpdate");
        assert_eq!(info.status, Status::Acknowledged);
        let inventory = server.store().mdm_inventory(&udid).await.unwrap();
        assert!(inventory.is_some(), "the inventory is stored");
    })
    .await;
}
