//! `/api/v1/abm/servers…`

use crate::{AdminClient, ClientError};
use cultivar_api_types::abm::{AbmCertificate, AbmServerList, AbmServerView, CreateAbmServer};
use reqwest::Method;
use uuid::Uuid;

impl AdminClient {
    /// Creates an ABM server entry and returns its public certificate ("Generate Token").
    pub async fn abm_create_server(
        &self,
        body: &CreateAbmServer,
    ) -> Result<AbmCertificate, ClientError> {
        let path = "/abm/servers";
        self.json(path, self.request(Method::POST, path).json(body))
            .await
    }

    pub async fn abm_list_servers(&self) -> Result<AbmServerList, ClientError> {
        let path = "/abm/servers";
        self.json(path, self.request(Method::GET, path)).await
    }

    pub async fn abm_server(&self, id: Uuid) -> Result<AbmServerView, ClientError> {
        let path = format!("/abm/servers/{id}");
        self.json(&path, self.request(Method::GET, &path)).await
    }

    /// The PEM certificate to upload to ABM (the renewal one while a renewal is pending).
    pub async fn abm_public_key(&self, id: Uuid) -> Result<String, ClientError> {
        let path = format!("/abm/servers/{id}/public-key");
        self.text(&path, self.request(Method::GET, &path)).await
    }

    /// Starts a renewal: a new staging keypair whose certificate goes to ABM.
    pub async fn abm_renew(&self, id: Uuid) -> Result<AbmCertificate, ClientError> {
        let path = format!("/abm/servers/{id}/renew");
        self.json(&path, self.request(Method::POST, &path)).await
    }

    /// Uploads the `.p7m` server token downloaded from ABM.
    pub async fn abm_upload_token(
        &self,
        id: Uuid,
        p7m: Vec<u8>,
        force: bool,
    ) -> Result<AbmServerView, ClientError> {
        let path = format!("/abm/servers/{id}/token");
        let req = self
            .request(Method::PUT, &path)
            .query(&[("force", force)])
            .header(reqwest::header::CONTENT_TYPE, "application/pkcs7-mime")
            .body(p7m);
        self.json(&path, req).await
    }

    /// Asks Apple's `/account` again and refreshes the status.
    pub async fn abm_refresh(&self, id: Uuid) -> Result<AbmServerView, ClientError> {
        let path = format!("/abm/servers/{id}/refresh");
        self.json(&path, self.request(Method::POST, &path)).await
    }

    pub async fn abm_delete_server(&self, id: Uuid) -> Result<(), ClientError> {
        let path = format!("/abm/servers/{id}");
        self.send(&path, self.request(Method::DELETE, &path))
            .await
            .map(|_| ())
    }
}
