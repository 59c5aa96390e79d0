//! [`SimAdminClient`]: the admin API over HTTP, one method per endpoint (used by the CLI and by
//! tests).

mod activation;

use crate::admin::types::*;
use crate::faults::Fault;
use crate::sessions::SessionConfig;
use crate::state::{DevicePatch, Org};
use reqwest::{Method, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Errors of [`SimAdminClient`].
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("simulator at {url}: {source}")]
    Http { url: String, source: reqwest::Error },
    #[error("simulator answered {status}: {message}")]
    Status { status: u16, message: String },
    #[error("simulator reply to {url}: {reason}")]
    Decode { url: String, reason: String },
}

/// Client for the simulator's admin API.
#[derive(Debug, Clone)]
pub struct SimAdminClient {
    base: String,
    http: reqwest::Client,
}

impl SimAdminClient {
    /// `base_url` is the simulator root, e.g. `http://127.0.0.1:8421`.
    pub fn new(base_url: &str) -> Self {
        SimAdminClient {
            base: base_url.trim_end_matches('/').to_string(),
            http: reqwest::Client::new(),
        }
    }

    /// The simulator root this client talks to.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    fn request(&self, method: Method, path: &str) -> (String, RequestBuilder) {
        let url = format!("{}/_sim{path}", self.base);
        let rb = self.http.request(method, &url);
        (url, rb)
    }

    async fn send(url: &str, rb: RequestBuilder) -> Result<Response, ClientError> {
        let resp = rb.send().await.map_err(|source| ClientError::Http {
            url: url.to_string(),
            source,
        })?;
        if resp.status().is_success() {
            return Ok(resp);
        }
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        let message = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string))
            .unwrap_or(text);
        Err(ClientError::Status { status, message })
    }

    async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, ClientError> {
        let (url, mut rb) = self.request(method, path);
        if let Some(b) = body {
            rb = rb.json(b);
        }
        let resp = Self::send(&url, rb).await?;
        resp.json().await.map_err(|e| ClientError::Decode {
            url,
            reason: e.to_string(),
        })
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        self.call::<(), T>(Method::GET, path, None).await
    }

    /// Registers an MDM server with its PEM certificate.
    pub async fn register_server(
        &self,
        name: &str,
        certificate_pem: &str,
    ) -> Result<ServerInfo, ClientError> {
        let body = RegisterServer {
            name: name.to_string(),
            certificate_pem: certificate_pem.to_string(),
        };
        self.call(Method::POST, "/servers", Some(&body)).await
    }

    pub async fn servers(&self) -> Result<Vec<ServerInfo>, ClientError> {
        self.get("/servers").await
    }

    /// Uploads a new certificate for a server (later tokens are encrypted to it).
    pub async fn update_certificate(
        &self,
        server_uuid: &str,
        certificate_pem: &str,
    ) -> Result<ServerInfo, ClientError> {
        let body = UpdateCertificate {
            certificate_pem: certificate_pem.to_string(),
        };
        self.call(
            Method::PUT,
            &format!("/servers/{server_uuid}/certificate"),
            Some(&body),
        )
        .await
    }

    /// Downloads a new token (invalidating the previous one of that server).
    pub async fn download_token(
        &self,
        server_uuid: &str,
        valid_days: Option<u32>,
        admin_id: Option<&str>,
    ) -> Result<TokenFile, ClientError> {
        let (url, mut rb) = self.request(Method::POST, &format!("/servers/{server_uuid}/token"));
        if let Some(d) = valid_days {
            rb = rb.query(&[("valid_days", d.to_string())]);
        }
        if let Some(a) = admin_id {
            rb = rb.query(&[("admin_id", a)]);
        }
        let resp = Self::send(&url, rb).await?;
        let filename = resp
            .headers()
            .get(reqwest::header::CONTENT_DISPOSITION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split("filename=\"").nth(1))
            .map(|v| v.trim_end_matches('"').to_string())
            .unwrap_or_else(|| "smime.p7m".to_string());
        let bytes = resp.bytes().await.map_err(|e| ClientError::Decode {
            url,
            reason: e.to_string(),
        })?;
        Ok(TokenFile {
            filename,
            bytes: bytes.to_vec(),
        })
    }

    pub async fn expire_token(&self, server_uuid: &str) -> Result<ServerInfo, ClientError> {
        self.call::<(), _>(
            Method::POST,
            &format!("/servers/{server_uuid}/expire-token"),
            None,
        )
        .await
    }

    /// Sets (or with `None` clears) the server new devices go to.
    pub async fn set_default_server(
        &self,
        server_uuid: Option<&str>,
    ) -> Result<DefaultServer, ClientError> {
        let body = DefaultServer {
            server_uuid: server_uuid.map(str::to_string),
        };
        self.call(Method::PUT, "/default-server", Some(&body)).await
    }

    /// Adds devices; `os` is `iOS`, `iPadOS`, `macOS`, `tvOS`, `visionOS` or `mix`.
    pub async fn add_devices(
        &self,
        count: u32,
        os: Option<&str>,
    ) -> Result<AddedDevices, ClientError> {
        let body = AddDevices {
            count,
            os: os.map(str::to_string),
        };
        self.call(Method::POST, "/devices", Some(&body)).await
    }

    pub async fn devices(&self, query: &DeviceQuery) -> Result<DeviceList, ClientError> {
        let (url, rb) = self.request(Method::GET, "/devices");
        let resp = Self::send(&url, rb.query(query)).await?;
        resp.json().await.map_err(|e| ClientError::Decode {
            url,
            reason: e.to_string(),
        })
    }

    pub async fn modify_device(
        &self,
        serial: &str,
        patch: &DevicePatch,
    ) -> Result<DeviceInfo, ClientError> {
        self.call(Method::PATCH, &format!("/devices/{serial}"), Some(patch))
            .await
    }

    pub async fn assign(
        &self,
        server_uuid: &str,
        serials: &[String],
    ) -> Result<BatchResult, ClientError> {
        let body = AssignRequest {
            server_uuid: server_uuid.to_string(),
            serials: serials.to_vec(),
            csv: None,
        };
        self.call(Method::POST, "/assign", Some(&body)).await
    }

    /// Assigns the serials of a CSV text (one a row, header optional).
    pub async fn assign_csv(
        &self,
        server_uuid: &str,
        csv: &str,
    ) -> Result<BatchResult, ClientError> {
        let body = AssignRequest {
            server_uuid: server_uuid.to_string(),
            serials: Vec::new(),
            csv: Some(csv.to_string()),
        };
        self.call(Method::POST, "/assign", Some(&body)).await
    }

    pub async fn release(&self, serials: &[String]) -> Result<BatchResult, ClientError> {
        let body = ReleaseRequest {
            serials: serials.to_vec(),
        };
        self.call(Method::POST, "/release", Some(&body)).await
    }

    pub async fn move_devices(
        &self,
        serials: &[String],
        to: &str,
    ) -> Result<BatchResult, ClientError> {
        let body = MoveRequest {
            serials: serials.to_vec(),
            to: to.to_string(),
        };
        self.call(Method::POST, "/move", Some(&body)).await
    }

    pub async fn org(&self) -> Result<Org, ClientError> {
        self.get("/org").await
    }

    pub async fn update_org(&self, patch: &OrgPatch) -> Result<Org, ClientError> {
        self.call(Method::PATCH, "/org", Some(patch)).await
    }

    /// `terms-not-signed true` makes every API call answer 403 `T_C_NOT_SIGNED`.
    pub async fn set_terms_signed(&self, signed: bool) -> Result<Org, ClientError> {
        self.update_org(&OrgPatch {
            terms_signed: Some(signed),
            ..OrgPatch::default()
        })
        .await
    }

    /// Queues a fault; returns everything queued.
    pub async fn add_fault(&self, fault: &Fault) -> Result<Vec<Fault>, ClientError> {
        self.call(Method::POST, "/faults", Some(fault)).await
    }

    /// Queues a fault that fires after `skip` requests to its endpoint have gone through.
    pub async fn add_fault_after(
        &self,
        fault: &Fault,
        skip: u32,
    ) -> Result<Vec<Fault>, ClientError> {
        let (url, rb) = self.request(Method::POST, "/faults");
        let resp = Self::send(&url, rb.query(&[("skip", skip)]).json(fault)).await?;
        decode(url, resp).await
    }

    pub async fn faults(&self) -> Result<Vec<Fault>, ClientError> {
        self.get("/faults").await
    }

    pub async fn clear_faults(&self) -> Result<Removed, ClientError> {
        self.call::<(), _>(Method::DELETE, "/faults", None).await
    }

    pub async fn session_config(&self) -> Result<SessionConfig, ClientError> {
        self.get("/sessions").await
    }

    pub async fn set_session_config(
        &self,
        config: &SessionConfig,
    ) -> Result<SessionConfig, ClientError> {
        self.call(Method::PUT, "/sessions", Some(config)).await
    }

    pub async fn invalidate_sessions(&self) -> Result<Removed, ClientError> {
        self.call::<(), _>(Method::POST, "/sessions/invalidate", None)
            .await
    }

    pub async fn clock(&self) -> Result<ClockInfo, ClientError> {
        self.get("/clock").await
    }

    pub async fn advance_clock(&self, seconds: u64) -> Result<ClockInfo, ClientError> {
        self.call(
            Method::POST,
            "/clock/advance",
            Some(&ClockAdvance { seconds }),
        )
        .await
    }

    /// Injects per-serial assign results; returns every injection now pending.
    pub async fn add_assign_results(
        &self,
        req: &AssignResultRequest,
    ) -> Result<Vec<AssignResultEntry>, ClientError> {
        self.call(Method::POST, "/assign-results", Some(req)).await
    }

    pub async fn assign_results(&self) -> Result<Vec<AssignResultEntry>, ClientError> {
        self.get("/assign-results").await
    }

    pub async fn clear_assign_results(&self) -> Result<Removed, ClientError> {
        self.call::<(), _>(Method::DELETE, "/assign-results", None)
            .await
    }

    /// Removes the serials' profile assignments as an ABM administrator would.
    pub async fn unassign_profiles(&self, serials: &[String]) -> Result<BatchResult, ClientError> {
        let body = UnassignRequest {
            serials: serials.to_vec(),
        };
        self.call(Method::POST, "/profiles/unassign", Some(&body))
            .await
    }

    /// The device activated and fetched its profile (`profile_status: pushed`).
    pub async fn mark_pushed(&self, serial: &str) -> Result<DeviceInfo, ClientError> {
        self.call::<(), _>(Method::POST, &format!("/devices/{serial}/pushed"), None)
            .await
    }

    /// Profiles defined by `server_uuid`, each with the serials that have it.
    pub async fn profiles(&self, server_uuid: &str) -> Result<Vec<ProfileInfo>, ClientError> {
        let q = ProfileQuery {
            server: Some(server_uuid.to_string()),
        };
        let (url, rb) = self.request(Method::GET, "/profiles");
        let resp = Self::send(&url, rb.query(&q)).await?;
        decode(url, resp).await
    }

    /// Requests per Apple path since the simulator started.
    pub async fn request_counts(&self) -> Result<RequestCounts, ClientError> {
        self.get("/requests").await
    }

    /// Waits until `path` has had `count` requests (or `timeout_ms`, default 30 s, passed).
    pub async fn wait_for_requests(
        &self,
        path: &str,
        count: u64,
        timeout_ms: Option<u64>,
    ) -> Result<RequestWait, ClientError> {
        let q = RequestWaitQuery {
            path: path.to_string(),
            count,
            timeout_ms,
        };
        let (url, rb) = self.request(Method::GET, "/requests/wait");
        let resp = Self::send(&url, rb.query(&q)).await?;
        decode(url, resp).await
    }
}

async fn decode<T: DeserializeOwned>(url: String, resp: Response) -> Result<T, ClientError> {
    resp.json().await.map_err(|e| ClientError::Decode {
        url,
        reason: e.to_string(),
    })
}
