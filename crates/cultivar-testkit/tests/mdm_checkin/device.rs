//! A minimal signing test device: an identity (key + certificate) and the check-in and
//! command-channel requests a real device sends, signed with `Mdm-Signature`.

use cultivar_crypto::{generate_push_csr, sign_detached, CertificateAuthority, SignatureDigest};
use cultivar_mdm_proto::checkin::{Authenticate, CheckOut, TokenUpdate};
use cultivar_mdm_proto::{CheckinMessage, Command, CommandResult, EnrollmentIds, Status};
use cultivar_testkit::TestServer;
use plist::{Dictionary, Value};
use reqwest::{Response, StatusCode};

pub const TOPIC: &str = "com.apple.mgmt.External.e0bd1eac-1f17-4c8e-8a63-dd17d3dd35d9";
pub const CHECKIN_TYPE: &str = "application/x-apple-aspen-mdm-checkin";
pub const CONNECT_TYPE: &str = "application/x-apple-aspen-mdm";

/// A key pair and certificate a device signs with.
#[derive(Clone)]
pub struct Identity {
    pub key_pem: String,
    pub cert_pem: String,
    pub cert_der: Vec<u8>,
}

impl Identity {
    /// An identity issued by the server's device CA.
    pub async fn from_server(server: &TestServer, cn: &str) -> Identity {
        let csr = generate_push_csr(cn).unwrap();
        let mdm = &server.state().mdm;
        let cert = mdm
            .issue_device_identity(csr.csr_pem.as_bytes(), Some(cn), None)
            .await
            .unwrap();
        Identity {
            key_pem: csr.private_key_pem,
            cert_pem: cert.certificate_pem,
            cert_der: cert.certificate_der,
        }
    }

    /// An identity from some other CA (an attacker's, or another server's).
    pub fn from_other_ca(cn: &str) -> Identity {
        let ca = CertificateAuthority::generate("Some Other CA", 30).unwrap();
        let csr = generate_push_csr(cn).unwrap();
        let cert = ca
            .issue_client_certificate(csr.csr_pem.as_bytes(), Some(cn), 30, 7)
            .unwrap();
        Identity {
            key_pem: csr.private_key_pem,
            cert_pem: cert.certificate_pem,
            cert_der: cert.certificate_der,
        }
    }
}

/// One simulated device talking to one server.
pub struct Device {
    pub udid: String,
    pub serial: String,
    pub identity: Identity,
    base: String,
    http: reqwest::Client,
}

impl Device {
    /// A device with a fresh UDID and an identity from the server's device CA.
    pub async fn new(server: &TestServer) -> Device {
        let udid = uuid::Uuid::new_v4().to_string().to_uppercase();
        let identity = Identity::from_server(server, &udid).await;
        Device::with_identity(server, &udid, identity)
    }

    pub fn with_identity(server: &TestServer, udid: &str, identity: Identity) -> Device {
        Device {
            udid: udid.to_owned(),
            serial: format!("C02{}", &udid.replace('-', "")[..9]),
            identity,
            base: server.url(),
            http: server.http().clone(),
        }
    }

    pub fn ids(&self) -> EnrollmentIds {
        EnrollmentIds::device(self.udid.clone())
    }

    /// PUTs `body` to `path`, signed with this device's identity.
    pub async fn put(&self, path: &str, content_type: &str, body: Vec<u8>) -> Response {
        let sig = sign_detached(
            &body,
            self.identity.key_pem.as_bytes(),
            self.identity.cert_pem.as_bytes(),
            SignatureDigest::Sha256,
        )
        .unwrap();
        self.http
            .put(format!("{}{path}", self.base))
            .header("content-type", content_type)
            .header("mdm-signature", sig)
            .body(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn checkin_raw(&self, body: Vec<u8>) -> Response {
        self.put("/mdm/checkin", CHECKIN_TYPE, body).await
    }

    pub async fn checkin(&self, msg: CheckinMessage) -> Response {
        self.checkin_raw(msg.to_plist_xml().unwrap()).await
    }

    pub async fn authenticate(&self) -> Response {
        self.checkin(CheckinMessage::Authenticate(Authenticate {
            ids: self.ids(),
            topic: TOPIC.to_owned(),
            serial_number: Some(self.serial.clone()),
            product_name: Some("iPhone16,1".to_owned()),
            os_version: Some("18.1".to_owned()),
            ..Authenticate::default()
        }))
        .await
    }

    pub async fn token_update(&self, awaiting_configuration: bool) -> Response {
        self.checkin(CheckinMessage::TokenUpdate(TokenUpdate {
            ids: self.ids(),
            topic: TOPIC.to_owned(),
            token: vec![0xab; 32],
            push_magic: format!("MAGIC-{}", self.udid),
            unlock_token: Some(b"unlock secret".to_vec()),
            awaiting_configuration: Some(awaiting_configuration),
            ..TokenUpdate::default()
        }))
        .await
    }

    pub async fn check_out(&self) -> Response {
        self.checkin(CheckinMessage::CheckOut(CheckOut {
            ids: self.ids(),
            topic: TOPIC.to_owned(),
            ..CheckOut::default()
        }))
        .await
    }

    /// Authenticate + TokenUpdate, both answered 200.
    pub async fn enroll(&self, awaiting_configuration: bool) {
        assert_eq!(self.authenticate().await.status(), StatusCode::OK);
        let r = self.token_update(awaiting_configuration).await;
        assert_eq!(r.status(), StatusCode::OK);
    }

    /// Sends a report (extra response keys in `extra`) and returns the answer.
    pub async fn report(&self, status: Status, uuid: Option<&str>, extra: Dictionary) -> Response {
        let mut result = CommandResult::new(self.ids(), status, uuid.map(str::to_owned));
        result.raw = extra;
        self.put("/mdm/connect", CONNECT_TYPE, result.to_plist_xml().unwrap())
            .await
    }

    /// The command in a 200 answer, or `None` for an empty body.
    pub async fn command_in(response: Response) -> Option<Command> {
        assert_eq!(response.status(), StatusCode::OK);
        let body = response.bytes().await.unwrap();
        (!body.is_empty()).then(|| Command::from_plist(&body).unwrap())
    }

    pub async fn idle(&self) -> Option<Command> {
        Self::command_in(self.report(Status::Idle, None, Dictionary::new()).await).await
    }

    pub async fn ack(&self, command: &Command, extra: Dictionary) -> Option<Command> {
        let r = self
            .report(Status::Acknowledged, Some(&command.command_uuid), extra)
            .await;
        Self::command_in(r).await
    }

    /// Enrolls and acknowledges the DeviceInformation queued by enrollment: an empty queue.
    pub async fn enroll_and_drain(&self) {
        self.enroll(false).await;
        let info = self.idle().await.unwrap();
        assert_eq!(info.request_type, "DeviceInformation");
        assert_eq!(self.ack(&info, Dictionary::new()).await, None);
    }
}

/// A dictionary from pairs.
pub fn dict(pairs: &[(&str, Value)]) -> Dictionary {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

/// Queues `command` for `ids` directly in the store (the admin API is another module's).
pub async fn enqueue(server: &TestServer, command: &Command, ids: &[&str]) {
    let new = cultivar_store::NewMdmCommand {
        command_uuid: command.command_uuid.clone(),
        request_type: command.request_type.clone(),
        raw: command.to_plist_xml().unwrap(),
        at: time::OffsetDateTime::now_utc(),
    };
    let ids: Vec<String> = ids.iter().map(|s| (*s).to_owned()).collect();
    let out = server
        .store()
        .enqueue_mdm_command(&new, &ids)
        .await
        .unwrap();
    assert_eq!(out.queued.len(), ids.len());
}

impl Device {
    /// The status of an Idle poll (for refusals).
    pub async fn idle_status(&self) -> StatusCode {
        self.report(Status::Idle, None, Dictionary::new())
            .await
            .status()
    }
}
