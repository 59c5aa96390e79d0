//! Profile-based enrollment: `/api/v1/enroll/…`.

use cultivar_api_types::enroll::{CreateEnrollLink, EnrollLinkView};
use reqwest::Method;

use crate::{AdminClient, ClientError};

impl AdminClient {
    /// A freshly signed enrollment profile (`.mobileconfig` bytes, CMS-signed).
    pub async fn enroll_profile(&self) -> Result<Vec<u8>, ClientError> {
        let path = "/enroll/profile";
        let resp = self.send(path, self.request(Method::POST, path)).await?;
        let bytes = resp.bytes().await.map_err(|e| self.transport(path, e))?;
        Ok(bytes.to_vec())
    }

    /// A one-time download link for a signed enrollment profile.
    pub async fn enroll_link(
        &self,
        body: &CreateEnrollLink,
    ) -> Result<EnrollLinkView, ClientError> {
        let path = "/enroll/links";
        self.json(path, self.request(Method::POST, path).json(body))
            .await
    }
}
