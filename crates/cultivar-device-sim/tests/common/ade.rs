//! A stand-in for an MDM server's ADE profile URL, on real HTTP: it takes MachineInfo by `POST`
//! (`application/pkcs7-signature`) or `GET` (`x-apple-aspen-deviceinfo`), verifies it with
//! cultivar-crypto against the device CA, and answers the enrollment profile, or Apple's 403
//! `com.apple.softwareupdate.required` when the device's OS is below a minimum.
#![allow(dead_code)]
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

pub struct AdeInner {
    pub device_ca_pem: String,
    pub profile: Vec<u8>,
    /// Devices below this major OS version that can update are told to update first.
    pub min_os_major: Option<u32>,
    /// (method, verified MachineInfo) per accepted request.
    pub seen: Vec<(String, plist::Dictionary)>,
    /// Why each refused request was refused.
    pub refused: Vec<String>,
}

pub struct AdeServer {
    pub url: String,
    pub state: Arc<Mutex<AdeInner>>,
}

impl AdeServer {
    pub async fn start(device_ca_pem: String, profile: Vec<u8>) -> Self {
        let state = Arc::new(Mutex::new(AdeInner {
            device_ca_pem,
            profile,
            min_os_major: None,
            seen: Vec::new(),
            refused: Vec::new(),
        }));
        let app = Router::new()
            .route("/ade/enroll", any(enroll))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self {
            url: format!("http://{addr}/ade/enroll"),
            state,
        }
    }
}

fn refuse(s: &mut AdeInner, status: StatusCode, why: &str) -> Response {
    s.refused.push(why.to_string());
    (status, why.to_string()).into_response()
}

async fn enroll(
    State(state): State<Arc<Mutex<AdeInner>>>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut s = state.lock().unwrap();
    let der = if method == Method::POST {
        let ct = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        if ct != Some("application/pkcs7-signature") {
            return refuse(&mut s, StatusCode::BAD_REQUEST, "content type");
        }
        body.to_vec()
    } else {
        let Some(b64) = headers
            .get("x-apple-aspen-deviceinfo")
            .and_then(|v| v.to_str().ok())
        else {
            return refuse(
                &mut s,
                StatusCode::BAD_REQUEST,
                "no x-apple-aspen-deviceinfo",
            );
        };
        STANDARD.decode(b64).unwrap()
    };
    let anchors = [s.device_ca_pem.as_bytes()];
    let plist = match cultivar_crypto::verify_signed_machine_info(&der, &anchors) {
        Ok(p) => p,
        Err(e) => return refuse(&mut s, StatusCode::FORBIDDEN, &e.to_string()),
    };
    let info: plist::Dictionary = plist::from_bytes(&plist).unwrap();
    if let Some(answer) = update_required(&s, &info) {
        s.refused.push("softwareupdate.required".into());
        return answer;
    }
    s.seen.push((method.to_string(), info));
    (
        [(header::CONTENT_TYPE, "application/x-apple-aspen-config")],
        s.profile.clone(),
    )
        .into_response()
}

fn update_required(s: &AdeInner, info: &plist::Dictionary) -> Option<Response> {
    let min = s.min_os_major?;
    let can_update = info
        .get("MDM_CAN_REQUEST_SOFTWARE_UPDATE")
        .and_then(|v| v.as_boolean())
        .unwrap_or(false);
    let major: u32 = info
        .get("OS_VERSION")
        .and_then(|v| v.as_string())
        .and_then(|v| v.split('.').next())
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    if !can_update || major >= min {
        return None;
    }
    let body = serde_json::json!({
        "code": "com.apple.softwareupdate.required",
        "description": "update first",
        "message": "Update to continue",
        "details": {"OSVersion": format!("{min}.0"), "BuildVersion": "99A1"}
    });
    Some((StatusCode::FORBIDDEN, axum::Json(body)).into_response())
}
