//! Refusals: an unknown serial, an unassigned device (reason named), a removed device, an
//! untrusted signer and unreadable requests — each 400/403 with a JSON reason, audited, and
//! nothing enrolled.

use cultivar_testkit::TestServer;
use reqwest::StatusCode;

use crate::device::{audited, get, post, refusal, udid, DeviceCa, ENROLL};
use crate::kit::{self, Fleet};
use crate::{each_backend, install_push_cert, Setup};

#[tokio::test]
async fn unknown_unassigned_removed_and_untrusted_devices_are_refused_and_audited() {
    each_backend(|s| async move {
        install_push_cert(&s.w.server).await;
        let f = kit::fleet(&s.w, "Main", 1, 2).await;
        unknown_serial(&s).await;
        unassigned(&s, &f).await;
        removed(&s, &f).await;
        untrusted(&s, &f).await;
        unreadable(&s.w.server).await;
    })
    .await;
}

/// Nothing about the device was stored: no enrollment, no SCEP challenge handed out.
async fn nothing_enrolled(server: &TestServer, serial: &str) {
    let e = server.store().mdm_enrollment(&udid(serial)).await.unwrap();
    assert!(e.is_none(), "{e:?}");
}

async fn unknown_serial(s: &Setup) {
    let server = &s.w.server;
    let serial = "NOTINABM0001";
    let signed = s.apple.machine_info(serial, "iPhone15,2", "17.4", true);
    let (status, message) = refusal(post(server, signed).await).await;
    assert_eq!(status, 403);
    assert!(message.contains(serial), "{message}");
    assert!(message.contains("Apple Business Manager"), "{message}");
    let audit = audited(server, serial).await;
    assert_eq!(audit, vec![(403, message)]);
    nothing_enrolled(server, serial).await;
}

async fn unassigned(s: &Setup, f: &Fleet) {
    let server = &s.w.server;
    let serial = &f.ios[0];
    let signed = s.apple.machine_info(serial, "iPhone15,2", "17.4", true);
    // The web-view form is checked the same way.
    for response in [
        post(server, signed.clone()).await,
        get(server, &signed).await,
    ] {
        let (status, message) = refusal(response).await;
        assert_eq!(status, 403);
        assert!(message.contains(serial.as_str()), "{message}");
        assert!(
            message.contains("unassigned: no profile for this iOS device and no iOS default"),
            "{message}"
        );
    }
    assert_eq!(audited(server, serial).await.len(), 2);
    nothing_enrolled(server, serial).await;
}

async fn removed(s: &Setup, f: &Fleet) {
    let server = &s.w.server;
    let serial = &f.mac[1];
    let r = s.w.sim.admin().release(&f.mac[1..2]).await.unwrap();
    assert!(r.errors.is_empty(), "{r:?}");
    s.w.synced(&f.e).await;
    let signed = s.apple.machine_info(serial, "Mac14,2", "14.5", true);
    let (status, message) = refusal(post(server, signed).await).await;
    assert_eq!(status, 403);
    assert!(message.contains("removed from its ABM server"), "{message}");
    assert_eq!(audited(server, serial).await, vec![(403, message)]);
    nothing_enrolled(server, serial).await;
}

async fn untrusted(s: &Setup, f: &Fleet) {
    let server = &s.w.server;
    let before = unnamed_refusals(server).await;
    let forger = DeviceCa::new("Not Apple");
    let signed = forger.machine_info(&f.mac[0], "Mac14,2", "14.5", true);
    let (status, message) = refusal(post(server, signed).await).await;
    assert_eq!(status, 403);
    assert!(message.starts_with("MachineInfo:"), "{message}");
    // A message nobody vouches for names no device: the entry has no target.
    assert_eq!(unnamed_refusals(server).await, before + 1);
    assert!(audited(server, &f.mac[0]).await.is_empty());
    nothing_enrolled(server, &f.mac[0]).await;
}

async fn unreadable(server: &TestServer) {
    let (status, message) = refusal(post(server, b"not a CMS message".to_vec()).await).await;
    assert_eq!(status, 400, "{message}");
    let bare = server.http().get(server.url_for(ENROLL)).send().await;
    let (status, message) = refusal(bare.unwrap()).await;
    assert_eq!(status, 400);
    assert!(message.contains("x-apple-aspen-deviceinfo"), "{message}");
    let bad = server
        .http()
        .get(server.url_for(ENROLL))
        .header("x-apple-aspen-deviceinfo", "%%%")
        .send()
        .await;
    let (status, message) = refusal(bad.unwrap()).await;
    assert_eq!(status, 400);
    assert!(message.contains("not base64"), "{message}");
    assert_ne!(StatusCode::UNAUTHORIZED.as_u16(), status);
}

/// Audited refusals at the endpoint that name no device.
async fn unnamed_refusals(server: &TestServer) -> usize {
    let audit = server.store().list_audit(500, None).await.unwrap();
    audit
        .iter()
        .filter(|e| e.action == "mdm.request.refused" && e.detail["endpoint"] == ENROLL)
        .filter(|e| e.target.is_none())
        .count()
}
