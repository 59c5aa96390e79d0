//! CheckOut, UserAuthenticate (declined), bootstrap tokens, Declarative Management, GetToken.

use cultivar_mdm_proto::checkin::{
    DeclarativeManagement, GetBootstrapToken, GetToken, SetBootstrapToken, UserAuthenticate,
};
use cultivar_mdm_proto::CheckinMessage;
use cultivar_testkit::both_backends;
use reqwest::StatusCode;

use crate::device::Device;

#[tokio::test]
async fn check_out_disables_the_enrollment() {
    both_backends(|server| async move {
        let device = Device::new(&server).await;
        device.enroll(false).await;
        assert_eq!(device.check_out().await.status(), StatusCode::OK);
        let e = server
            .store()
            .mdm_enrollment(&device.udid)
            .await
            .unwrap()
            .unwrap();
        assert!(!e.enabled);
        assert!(e.checked_out_at.is_some());
    })
    .await;
}

#[tokio::test]
async fn user_authenticate_is_declined_with_410() {
    both_backends(|server| async move {
        let device = Device::new(&server).await;
        device.enroll(false).await;
        let mut ids = device.ids();
        ids.user_id = Some("A1B2C3D4-0000-0000-0000-000000000001".into());
        ids.user_short_name = Some("alice".into());
        let msg = CheckinMessage::UserAuthenticate(UserAuthenticate {
            ids,
            ..Default::default()
        });
        assert_eq!(device.checkin(msg).await.status(), StatusCode::GONE);
    })
    .await;
}

#[tokio::test]
async fn bootstrap_token_round_trips_sealed() {
    both_backends(|server| async move {
        let device = Device::new(&server).await;
        device.enroll(false).await;
        let get = || {
            device.checkin(CheckinMessage::GetBootstrapToken(GetBootstrapToken {
                ids: device.ids(),
                ..Default::default()
            }))
        };
        let set = |token: Option<Vec<u8>>| {
            device.checkin(CheckinMessage::SetBootstrapToken(SetBootstrapToken {
                ids: device.ids(),
                bootstrap_token: token,
                ..Default::default()
            }))
        };
        let none = get().await;
        assert_eq!(none.status(), StatusCode::OK);
        assert!(
            none.bytes().await.unwrap().is_empty(),
            "no token yet: empty body"
        );

        let token = b"bootstrap-token-bytes".to_vec();
        assert_eq!(set(Some(token.clone())).await.status(), StatusCode::OK);
        let stored = server
            .store()
            .mdm_enrollment(&device.udid)
            .await
            .unwrap()
            .unwrap();
        let sealed = stored.bootstrap_token.unwrap();
        assert!(
            !sealed.windows(token.len()).any(|w| w == token),
            "sealed at rest"
        );
        let got = get().await;
        assert_eq!(got.headers()["content-type"], "application/xml");
        let dict: plist::Dictionary = plist::from_bytes(&got.bytes().await.unwrap()).unwrap();
        assert_eq!(dict["BootstrapToken"].as_data(), Some(&token[..]));

        // An empty token deletes it.
        assert_eq!(set(Some(Vec::new())).await.status(), StatusCode::OK);
        assert!(get().await.bytes().await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn declarative_management_is_answered_minimally_and_get_token_refused() {
    both_backends(|server| async move {
        let device = Device::new(&server).await;
        device.enroll(false).await;
        let ddm = |endpoint: &str| {
            device.checkin(CheckinMessage::DeclarativeManagement(
                DeclarativeManagement {
                    ids: device.ids(),
                    endpoint: endpoint.to_owned(),
                    data: (endpoint == "status").then(|| b"{}".to_vec()),
                    ..Default::default()
                },
            ))
        };
        let tokens: serde_json::Value = ddm("tokens").await.json().await.unwrap();
        assert!(
            tokens["SyncTokens"]["DeclarationsToken"].is_string(),
            "{tokens}"
        );
        let items: serde_json::Value = ddm("declaration-items").await.json().await.unwrap();
        assert_eq!(
            items["Declarations"]["Configurations"],
            serde_json::json!([])
        );
        assert_eq!(
            items["DeclarationsToken"], tokens["SyncTokens"]["DeclarationsToken"],
            "the same token in both answers"
        );
        assert_eq!(ddm("status").await.status(), StatusCode::OK);
        let missing = ddm("declaration/configuration/nope").await;
        assert_eq!(missing.status(), StatusCode::BAD_REQUEST);

        let get_token = CheckinMessage::GetToken(GetToken {
            ids: device.ids(),
            token_service_type: "com.apple.maid".into(),
            ..Default::default()
        });
        assert_eq!(
            device.checkin(get_token).await.status(),
            StatusCode::BAD_REQUEST
        );
    })
    .await;
}
