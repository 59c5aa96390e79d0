//! MDM pushes: wake devices through APNs with the push certificate in force, body exactly
//! `{"mdm":"<PushMagic>"}` (built by `cultivar_apns::PushClient`, which also retries transient
//! failures with backoff). Every attempt is recorded on the channel, so device detail can say
//! whether pushes reach it. After a permanent failure (`BadDeviceToken`, `Unregistered`, …)
//! the channel is not pushed again until the device sends a new TokenUpdate: Apple asks
//! providers to stop pushing to tokens it refused.

use std::sync::Arc;

use cultivar_apns::{PushClient, PushError, PushOptions, PushTarget, Pusher};
use cultivar_store::MdmPushFailure;
use tokio::sync::Mutex;

use super::MdmService;
use crate::error::CoreError;

/// The APNs client of the certificate in force, rebuilt when the certificate changes (one
/// HTTP/2 connection pool per certificate).
#[derive(Default)]
pub(crate) struct PushClientCache {
    current: Mutex<Option<(String, Arc<PushClient>)>>,
}

/// What became of one channel's push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushResult {
    Delivered,
    /// Not sent: no such channel, not enabled, or no token yet.
    Skipped {
        reason: &'static str,
    },
    /// APNs refused it for good (recorded on the channel; a refused token also stops pushes
    /// to the channel until its next TokenUpdate, see [`TOKEN_REFUSALS`]).
    Permanent {
        reason: String,
    },
    /// Failed after the retries ran out (the device still gets its commands at its next
    /// check-in).
    Transient {
        reason: String,
    },
}

/// One channel's push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushReport {
    pub enrollment_id: String,
    pub result: PushResult,
}

impl MdmService {
    /// Pushes to `ids` in the background, so the caller (an API answer) does not wait on
    /// APNs; failures are logged and recorded on the channels.
    pub(crate) fn spawn_push(&self, ids: Vec<String>) {
        if ids.is_empty() {
            return;
        }
        let service = self.clone();
        tokio::spawn(async move {
            if let Err(e) = service.push_channels(&ids).await {
                tracing::warn!(error = %e, devices = ids.len(), "apns: push not sent");
            }
        });
    }

    /// Pushes to each enabled channel in `ids` and reports per channel. Without a push
    /// certificate nothing is sent (devices pick commands up at their next check-in).
    pub async fn push_channels(&self, ids: &[String]) -> Result<Vec<PushReport>, CoreError> {
        let Some((identity, topic)) = self.push_identity().await? else {
            tracing::info!("apns: no push certificate; devices get commands at next check-in");
            return Ok(ids
                .iter()
                .map(|id| skipped(id, "no push certificate"))
                .collect());
        };
        let client = self.push_client(identity).await?;
        let mut reports = Vec::with_capacity(ids.len());
        let mut targets = Vec::new();
        for id in ids {
            match self.store.mdm_enrollment(id).await? {
                None => reports.push(skipped(id, "no such channel")),
                Some(e) if !e.enabled => reports.push(skipped(id, "channel not enabled")),
                Some(e) if e.push_token_refused => {
                    reports.push(skipped(
                        id,
                        "token refused by APNs; waiting for a TokenUpdate",
                    ));
                }
                Some(e) => match (e.push_token, e.push_magic) {
                    (Some(device_token), Some(push_magic)) => targets.push((
                        id.clone(),
                        PushTarget {
                            device_token,
                            push_magic,
                            topic: topic.clone(),
                        },
                    )),
                    _ => reports.push(skipped(id, "no push token yet")),
                },
            }
        }
        let only: Vec<PushTarget> = targets.iter().map(|(_, t)| t.clone()).collect();
        let results = client.push_many(&only).await;
        for ((id, _), result) in targets.into_iter().zip(results) {
            let id: String = id;
            let result = self.record_push(&id, result).await?;
            reports.push(PushReport {
                enrollment_id: id,
                result,
            });
        }
        Ok(reports)
    }

    /// Records the attempt on the channel: a delivery clears any failure, a failure is kept
    /// with its reason and kind.
    async fn record_push(
        &self,
        id: &str,
        result: Result<cultivar_apns::PushOutcome, PushError>,
    ) -> Result<PushResult, CoreError> {
        let now = self.clock.now();
        let (failure, result) = match result {
            Ok(_) => (None, PushResult::Delivered),
            Err(e @ PushError::Transient { .. }) => {
                tracing::warn!(channel = id, error = %e, "apns: push failed after retries");
                let reason = failure_reason(&e);
                let failure = MdmPushFailure {
                    reason: reason.clone(),
                    permanent: false,
                };
                (Some(failure), PushResult::Transient { reason })
            }
            Err(e) => {
                tracing::warn!(channel = id, error = %e, "apns: push refused permanently");
                let reason = failure_reason(&e);
                // Only a refused token stops pushes to the channel; a certificate problem
                // concerns every device and ends when the certificate is fixed.
                let failure = MdmPushFailure {
                    permanent: TOKEN_REFUSALS.contains(&reason.as_str()),
                    reason: reason.clone(),
                };
                (Some(failure), PushResult::Permanent { reason })
            }
        };
        self.store
            .record_mdm_push(id, failure.as_ref(), now)
            .await?;
        Ok(result)
    }

    /// The client for `identity`, reusing the cached one while the certificate is the same.
    async fn push_client(&self, identity: String) -> Result<Arc<PushClient>, CoreError> {
        let mut current = self.push_clients.current.lock().await;
        if let Some((cached, client)) = current.as_ref() {
            if *cached == identity {
                return Ok(client.clone());
            }
        }
        let extra_root_pem = match &self.settings.apns_ca_file {
            Some(path) => Some(std::fs::read_to_string(path).map_err(|e| {
                CoreError::Unavailable(format!(
                    "apns_ca_file: {} cannot be read ({e})",
                    path.display()
                ))
            })?),
            None => None,
        };
        let options = PushOptions {
            extra_root_pem,
            ..PushOptions::default()
        };
        let client = PushClient::new(identity.as_bytes(), &self.settings.apns_url, options)
            .map_err(|e| CoreError::Unavailable(format!("apns client: {e}")))?;
        let client = Arc::new(client);
        *current = Some((identity, client.clone()));
        Ok(client)
    }
}

fn skipped(id: &str, reason: &'static str) -> PushReport {
    PushReport {
        enrollment_id: id.to_owned(),
        result: PushResult::Skipped { reason },
    }
}

/// APNs' reasons that say the device token itself is dead: pushing it again cannot work until
/// the device registers anew (a TokenUpdate).
pub const TOKEN_REFUSALS: [&str; 4] = [
    "BadDeviceToken",
    "Unregistered",
    "DeviceTokenNotForTopic",
    "ExpiredToken",
];

/// APNs' reason, else the HTTP status, else the error itself (a network failure), so a
/// recorded failure always says something.
fn failure_reason(e: &PushError) -> String {
    let status = match e {
        PushError::Permanent { status, .. } | PushError::Transient { status, .. } => *status,
        _ => None,
    };
    match (e.reason().filter(|r| !r.is_empty()), status) {
        (Some(reason), _) => reason.to_owned(),
        (None, Some(status)) => format!("HTTP {status}"),
        (None, None) => e.to_string(),
    }
}

/// What an administrator can do about a push failure, in one line.
pub fn push_failure_hint(reason: &str, permanent: bool) -> &'static str {
    match reason {
        "Unregistered" | "BadDeviceToken" | "ExpiredToken" => {
            "The device left MDM or was erased; it must re-enroll."
        }
        "DeviceTokenNotForTopic" => {
            "The push certificate's topic changed since the device enrolled; it must re-enroll."
        }
        "BadCertificate"
        | "BadCertificateEnvironment"
        | "Forbidden"
        | "TopicDisallowed"
        | "BadTopic"
        | "MissingTopic" => {
            "APNs refused the push certificate; check it (mdm push-cert show) and renew it at \
             Apple if it expired or was revoked."
        }
        "TooManyRequests" => "APNs throttled pushes to this device; the next push tries again.",
        _ if permanent => "APNs refused the device's token; it must re-enroll.",
        _ => {
            "The next push tries again; meanwhile the device gets its commands at its next \
             check-in."
        }
    }
}
