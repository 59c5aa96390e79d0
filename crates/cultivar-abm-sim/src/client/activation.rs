//! [`SimAdminClient`] methods for the simulated activation service.

use super::{ClientError, SimAdminClient};
use crate::activation::{Activation, ActivationRequest, Refusal};
use reqwest::Method;

impl SimAdminClient {
    /// The simulated Apple device CA certificate (PEM): the MachineInfo trust anchor.
    pub async fn device_ca_pem(&self) -> Result<String, ClientError> {
        let (url, rb) = self.request(Method::GET, "/device-ca.pem");
        let resp = Self::send(&url, rb).await?;
        resp.text().await.map_err(|e| ClientError::Decode {
            url,
            reason: e.to_string(),
        })
    }

    /// Activates a device as Setup Assistant does: `Ok(Ok(_))` with its ADE profile and a new
    /// identity, `Ok(Err(_))` with Apple's refusal (unknown, unassigned or without a profile).
    pub async fn activate(
        &self,
        serial_number: &str,
        udid: &str,
    ) -> Result<Result<Activation, Refusal>, ClientError> {
        let body = ActivationRequest {
            serial_number: serial_number.to_string(),
            udid: udid.to_string(),
        };
        let (url, rb) = self.request(Method::POST, "/activation");
        let resp = rb
            .json(&body)
            .send()
            .await
            .map_err(|source| ClientError::Http {
                url: url.clone(),
                source,
            })?;
        let status = resp.status();
        let decode = |e: reqwest::Error| ClientError::Decode {
            url: url.clone(),
            reason: e.to_string(),
        };
        if status.is_success() {
            return Ok(Ok(resp.json().await.map_err(decode)?));
        }
        let text = resp.text().await.map_err(decode)?;
        if status == reqwest::StatusCode::NOT_FOUND {
            if let Ok(refusal) = serde_json::from_str::<Refusal>(&text) {
                return Ok(Err(refusal));
            }
        }
        let message = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string))
            .unwrap_or(text);
        Err(ClientError::Status {
            status: status.as_u16(),
            message,
        })
    }
}
