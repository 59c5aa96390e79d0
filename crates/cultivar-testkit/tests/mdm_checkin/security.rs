//! Identity failures: unsigned, forged, another CA's certificate, a certificate never bound, a
//! certificate bound to another device. Each answers 400 or 403 (never 401) and stores nothing.
//! And the trusted proxy header, honoured only when configured.

use base64::Engine;
use cultivar_mdm_proto::checkin::TokenUpdate;
use cultivar_mdm_proto::CheckinMessage;
use cultivar_testkit::{both_backends, Backend, TestServer};
use reqwest::StatusCode;

use crate::device::{Device, Identity, CHECKIN_TYPE, TOPIC};

fn authenticate_body(device: &Device) -> Vec<u8> {
    let msg = CheckinMessage::Authenticate(cultivar_mdm_proto::checkin::Authenticate {
        ids: device.ids(),
        topic: TOPIC.to_owned(),
        ..Default::default()
    });
    msg.to_plist_xml().unwrap()
}

async fn put_with(server: &TestServer, headers: &[(&str, &str)], body: Vec<u8>) -> StatusCode {
    let mut req = server
        .http()
        .put(server.url_for("/mdm/checkin"))
        .header("content-type", CHECKIN_TYPE);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.body(body).send().await.unwrap().status()
}

/// The audited refusals naming `udid`: (endpoint, status).
async fn refusals(server: &TestServer, udid: &str) -> Vec<(String, i64)> {
    let audit = server.store().list_audit(200, None).await.unwrap();
    let target = format!("mdm_enrollment:{udid}");
    audit
        .into_iter()
        .filter(|e| e.action == "mdm.request.refused" && e.target.as_deref() == Some(&target))
        .map(|e| {
            assert_eq!(e.actor, "device");
            assert!(e.detail["reason"].as_str().is_some_and(|r| !r.is_empty()));
            let endpoint = e.detail["endpoint"].as_str().unwrap().to_owned();
            (endpoint, e.detail["status"].as_i64().unwrap())
        })
        .collect()
}

async fn nothing_stored(server: &TestServer, udid: &str) {
    let e = server.store().mdm_enrollment(udid).await.unwrap();
    assert!(e.is_none(), "a refused request stored {e:?}");
}

#[tokio::test]
async fn unsigned_forged_and_unreadable_requests_are_400() {
    both_backends(|server| async move {
        let device = Device::new(&server).await;
        let body = authenticate_body(&device);
        assert_eq!(
            put_with(&server, &[], body.clone()).await,
            StatusCode::BAD_REQUEST
        );
        let junk = [("mdm-signature", "bm90IGEgc2lnbmF0dXJl")];
        assert_eq!(
            put_with(&server, &junk, body.clone()).await,
            StatusCode::BAD_REQUEST
        );
        // A real signature over other bytes: the body was changed in transit.
        let other = Device::new(&server).await;
        let sig = cultivar_crypto::sign_detached(
            b"other body",
            device.identity.key_pem.as_bytes(),
            device.identity.cert_pem.as_bytes(),
            cultivar_crypto::SignatureDigest::Sha256,
        )
        .unwrap();
        let forged = [("mdm-signature", sig.as_str())];
        assert_eq!(
            put_with(&server, &forged, body).await,
            StatusCode::BAD_REQUEST
        );
        nothing_stored(&server, &device.udid).await;
        let checkin = "checkin".to_owned();
        assert_eq!(
            refusals(&server, &device.udid).await,
            vec![(checkin, 400); 3]
        );
        let not_plist = device.checkin_raw(b"{\"MessageType\":1}".to_vec()).await;
        assert_eq!(not_plist.status(), StatusCode::BAD_REQUEST);
        let unknown = other
            .checkin_raw(
                br#"<plist version="1.0"><dict><key>MessageType</key><string>Bogus</string>
                <key>UDID</key><string>X</string></dict></plist>"#
                    .to_vec(),
            )
            .await;
        assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
    })
    .await;
}

#[tokio::test]
async fn another_cas_certificate_is_403_and_stores_nothing() {
    both_backends(|server| async move {
        let udid = "OTHER-CA-DEVICE";
        let device = Device::with_identity(&server, udid, Identity::from_other_ca(udid));
        let r = device.authenticate().await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        nothing_stored(&server, udid).await;
        assert_eq!(device.idle_status().await, StatusCode::FORBIDDEN);
    })
    .await;
}

#[tokio::test]
async fn certificates_must_be_bound_to_the_device_they_speak_for() {
    both_backends(|server| async move {
        let a = Device::new(&server).await;
        a.enroll(false).await;
        let b = Device::new(&server).await;
        b.enroll(false).await;
        // An identity from our CA that never authenticated.
        let stray = Device::with_identity(
            &server,
            &b.udid,
            Identity::from_server(&server, "stray").await,
        );
        assert_eq!(
            stray.token_update(false).await.status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(stray.idle_status().await, StatusCode::FORBIDDEN);
        // A's certificate speaking for B: check-ins, reports, and a take-over Authenticate.
        let a_as_b = Device::with_identity(&server, &b.udid, a.identity.clone());
        assert_eq!(
            a_as_b.token_update(false).await.status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(a_as_b.check_out().await.status(), StatusCode::FORBIDDEN);
        assert_eq!(a_as_b.idle_status().await, StatusCode::FORBIDDEN);
        assert_eq!(a_as_b.authenticate().await.status(), StatusCode::FORBIDDEN);
        let mut audited = refusals(&server, &b.udid).await;
        audited.sort();
        let (c, k) = ("checkin".to_owned(), "connect".to_owned());
        let want = [(&c, 4), (&k, 2)]
            .map(|(e, n)| vec![(e.clone(), 403); n])
            .concat();
        assert_eq!(audited, want, "every refusal naming B is audited");
        let e = server
            .store()
            .mdm_enrollment(&b.udid)
            .await
            .unwrap()
            .unwrap();
        assert!(e.enabled, "B is untouched");
        assert_eq!(e.token_update_tally, 1);
        // B's own requests still work.
        assert_eq!(b.idle().await.unwrap().request_type, "DeviceInformation");
    })
    .await;
}

#[tokio::test]
async fn the_proxy_header_counts_only_when_configured() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let configured = TestServer::start_with(backend, |c| {
            c.mdm_cert_header = Some("x-client-cert".into());
        });
        let Some(server) = configured.await else {
            continue;
        };
        let device = Device::new(&server).await;
        let der = base64::engine::general_purpose::STANDARD.encode(&device.identity.cert_der);
        let rfc9440 = format!(":{der}:");
        let body = authenticate_body(&device);
        let header = [("x-client-cert", rfc9440.as_str())];
        assert_eq!(
            put_with(&server, &header, body.clone()).await,
            StatusCode::OK
        );
        let pem = device
            .identity
            .cert_pem
            .replace('\n', "%0A")
            .replace('+', "%2B");
        let update = token_update_body(&device);
        let header = [("x-client-cert", pem.as_str())];
        assert_eq!(put_with(&server, &header, update).await, StatusCode::OK);
        let e = server
            .store()
            .mdm_enrollment(&device.udid)
            .await
            .unwrap()
            .unwrap();
        assert!(e.enabled);

        // Without the setting the same header is ignored: no identity, 400.
        let plain = TestServer::start(backend).await.unwrap();
        let device = Device::new(&plain).await;
        let der = base64::engine::general_purpose::STANDARD.encode(&device.identity.cert_der);
        let rfc9440 = format!(":{der}:");
        let header = [("x-client-cert", rfc9440.as_str())];
        let status = put_with(&plain, &header, authenticate_body(&device)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        nothing_stored(&plain, &device.udid).await;
    }
}

fn token_update_body(device: &Device) -> Vec<u8> {
    let msg = CheckinMessage::TokenUpdate(TokenUpdate {
        ids: device.ids(),
        topic: TOPIC.to_owned(),
        token: vec![1; 32],
        push_magic: "MAGIC".to_owned(),
        ..Default::default()
    });
    msg.to_plist_xml().unwrap()
}
