//! The APNs push certificate: `/api/v1/mdm/push-cert`.

use cultivar_api_types::push_cert::{PushCertView, PushCsrView};
use reqwest::Method;

use crate::{AdminClient, ClientError};

impl AdminClient {
    /// The push certificate's status, topic and validity.
    pub async fn push_cert(&self) -> Result<PushCertView, ClientError> {
        let path = "/mdm/push-cert";
        self.json(path, self.request(Method::GET, path)).await
    }

    /// Generates a new push key on the server and returns its CSR (PEM).
    pub async fn push_cert_csr(&self) -> Result<PushCsrView, ClientError> {
        let path = "/mdm/push-cert/csr";
        self.json(path, self.request(Method::POST, path)).await
    }

    /// Uploads the signed push certificate (PEM or DER); `force` accepts a new topic.
    pub async fn upload_push_cert(
        &self,
        certificate: Vec<u8>,
        force: bool,
    ) -> Result<PushCertView, ClientError> {
        let path = "/mdm/push-cert";
        let req = self
            .request(Method::PUT, path)
            .query(&[("force", force)])
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(certificate);
        self.json(path, req).await
    }
}
