//! Typed client of cultivar's admin API (`/api/v1`), used by the CLI and by tests.
//!
//! Every failure the server reports comes back as [`ClientError::Api`] with the server's code,
//! message and field, so the CLI can print exactly what the server said.
#![forbid(unsafe_code)]

mod abm;
mod abm_sync;
mod ade;
mod enroll;
mod mdm;
mod push_cert;

pub use abm_sync::SyncNow;

use cultivar_api_types::ErrorBody;
use reqwest::{Method, RequestBuilder, Response};
use serde::de::DeserializeOwned;

/// Errors of the admin client.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with an error body.
    #[error("{message}")]
    Api {
        status: u16,
        code: String,
        message: String,
        field: Option<String>,
        /// Every refused field, when the server reports several (an ADE profile).
        errors: Vec<cultivar_api_types::FieldError>,
    },
    /// The server could not be reached or the exchange broke off.
    #[error("cannot reach cultivar at {url}: {detail}")]
    Transport { url: String, detail: String },
    /// The server answered something this client does not understand.
    #[error("unexpected answer from {url}: {detail}")]
    Unexpected { url: String, detail: String },
    /// Writing a download to its destination failed.
    #[error("writing the download failed: {detail}")]
    Output { detail: String },
}

/// Admin API client: a base URL and an API key.
#[derive(Clone)]
pub struct AdminClient {
    base: String,
    api_key: Option<String>,
    http: reqwest::Client,
}

impl AdminClient {
    /// `base_url` is the server's root, e.g. `http://127.0.0.1:8420`.
    pub fn new(base_url: &str, api_key: Option<String>) -> Self {
        AdminClient {
            base: base_url.trim_end_matches('/').to_string(),
            api_key,
            http: reqwest::Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let req = self.http.request(method, self.url(path));
        match &self.api_key {
            Some(key) => req.bearer_auth(key),
            None => req,
        }
    }

    async fn send(&self, path: &str, req: RequestBuilder) -> Result<Response, ClientError> {
        let url = self.url(path);
        let resp = req.send().await.map_err(|e| ClientError::Transport {
            url: url.clone(),
            detail: e.to_string(),
        })?;
        if resp.status().is_success() {
            return Ok(resp);
        }
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.unwrap_or_default();
        match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(body) => Err(ClientError::Api {
                status,
                code: body.error.code,
                message: body.error.message,
                field: body.error.field,
                errors: body.error.errors,
            }),
            Err(_) => Err(ClientError::Unexpected {
                url,
                detail: format!("HTTP {status}: {}", String::from_utf8_lossy(&bytes)),
            }),
        }
    }

    async fn json<T: DeserializeOwned>(
        &self,
        path: &str,
        req: RequestBuilder,
    ) -> Result<T, ClientError> {
        let resp = self.send(path, req).await?;
        let bytes = resp.bytes().await.map_err(|e| self.transport(path, e))?;
        self.decode(path, &bytes)
    }

    fn decode<T: DeserializeOwned>(&self, path: &str, bytes: &[u8]) -> Result<T, ClientError> {
        serde_json::from_slice(bytes).map_err(|e| ClientError::Unexpected {
            url: self.url(path),
            detail: format!("{e}: {}", String::from_utf8_lossy(bytes)),
        })
    }

    fn transport(&self, path: &str, e: reqwest::Error) -> ClientError {
        ClientError::Transport {
            url: self.url(path),
            detail: e.to_string(),
        }
    }

    async fn text(&self, path: &str, req: RequestBuilder) -> Result<String, ClientError> {
        let resp = self.send(path, req).await?;
        resp.text().await.map_err(|e| ClientError::Transport {
            url: self.url(path),
            detail: e.to_string(),
        })
    }

    /// `GET /api/v1/whoami`.
    pub async fn whoami(&self) -> Result<cultivar_api_types::WhoAmI, ClientError> {
        self.json("/whoami", self.request(Method::GET, "/whoami"))
            .await
    }
}
