//! A test "Apple device CA", device identities it issues, MachineInfo signed with them, and
//! requests to the endpoint.

use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine as _;
use cultivar_crypto::device_keys::{build_csr_for_key, generate_device_key};
use cultivar_crypto::CertificateAuthority;
use cultivar_testkit::TestServer;
use plist::{Dictionary, Value};

pub const ENROLL: &str = "/mdm/ade/enroll";

/// A CA and one device identity it issued (one key serves every simulated device: the
/// endpoint checks the chain, not which device holds the key).
pub struct DeviceCa {
    pub ca: CertificateAuthority,
    key_pem: String,
    cert_pem: String,
}

static SERIAL: AtomicU64 = AtomicU64::new(1);

impl DeviceCa {
    pub fn new(name: &str) -> DeviceCa {
        let ca = CertificateAuthority::generate(name, 365).unwrap();
        let key_pem = generate_device_key(2048).unwrap();
        let subject = [("CN".to_owned(), "Test device identity".to_owned())];
        let csr = build_csr_for_key(key_pem.as_bytes(), &subject, None).unwrap();
        let n = SERIAL.fetch_add(1, Ordering::Relaxed);
        let cert = ca.issue_client_certificate(&csr, None, 365, n).unwrap();
        DeviceCa {
            ca,
            key_pem,
            cert_pem: cert.certificate_pem,
        }
    }

    /// MachineInfo of an iPhone (`product`) with `serial`, `OS_VERSION` `os`, signed.
    pub fn machine_info(&self, serial: &str, product: &str, os: &str, can_update: bool) -> Vec<u8> {
        let mut d = Dictionary::new();
        let mut put = |k: &str, v: &str| {
            d.insert(k.to_owned(), Value::String(v.to_owned()));
        };
        put("UDID", &udid(serial));
        put("SERIAL", serial);
        put("PRODUCT", product);
        put("VERSION", "21C62");
        put("OS_VERSION", os);
        put("LANGUAGE", "en");
        put("SOFTWARE_UPDATE_DEVICE_ID", "D84AP");
        d.insert(
            "MDM_CAN_REQUEST_SOFTWARE_UPDATE".into(),
            Value::Boolean(can_update),
        );
        let mut xml = Vec::new();
        plist::to_writer_xml(&mut xml, &Value::Dictionary(d)).unwrap();
        cultivar_crypto::sign_machine_info(
            &xml,
            self.key_pem.as_bytes(),
            self.cert_pem.as_bytes(),
            &[],
        )
        .unwrap()
    }
}

/// The UDID the tests give the device with `serial`.
pub fn udid(serial: &str) -> String {
    format!("00008030-{serial}")
}

/// POSTs signed MachineInfo as a device does.
pub async fn post(server: &TestServer, signed: Vec<u8>) -> reqwest::Response {
    server
        .http()
        .post(server.url_for(ENROLL))
        .header("content-type", "application/pkcs7-signature")
        .body(signed)
        .send()
        .await
        .unwrap()
}

/// GETs with the message base64 in `x-apple-aspen-deviceinfo`, as a web view does.
pub async fn get(server: &TestServer, signed: &[u8]) -> reqwest::Response {
    let b64 = base64::engine::general_purpose::STANDARD.encode(signed);
    server
        .http()
        .get(server.url_for(ENROLL))
        .header("x-apple-aspen-deviceinfo", b64)
        .send()
        .await
        .unwrap()
}

/// A refusal's status and JSON `message` (checking it is JSON with cultivar's code).
pub async fn refusal(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    assert_eq!(response.headers()["content-type"], "application/json");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "com.cultivar.enrollment.refused", "{body}");
    (status, body["message"].as_str().unwrap().to_owned())
}

/// The audited refusals at the endpoint naming `serial`: (status, reason).
pub async fn audited(server: &TestServer, serial: &str) -> Vec<(i64, String)> {
    let audit = server.store().list_audit(500, None).await.unwrap();
    let target = format!("abm_device:{serial}");
    audit
        .into_iter()
        .filter(|e| e.action == "mdm.request.refused" && e.target.as_deref() == Some(&target))
        .map(|e| {
            assert_eq!(e.actor, "device");
            assert_eq!(e.detail["endpoint"], ENROLL);
            assert_eq!(e.detail["udid"], udid(serial).as_str());
            let reason = e.detail["reason"].as_str().unwrap().to_owned();
            (e.detail["status"].as_i64().unwrap(), reason)
        })
        .collect()
}
