//! MDM pushes: wake devices through APNs with the push certificate in force, body exactly
//! `{"mdm":"<PushMagic>"}` (built by `cultivar_apns::PushClient`, which also retries transient
//! failures with backoff). A permanent failure (`BadDeviceToken`, `Unregistered`, …) is kept
//! on the channel until a push to it succeeds again.

use std::sync::Arc;

use cultivar_apns::{PushClient, PushError, PushOptions, PushTarget, Pusher};
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
    /// APNs refused it for good (recorded on the channel).
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

    /// Keeps a permanent failure on the channel (and clears it after a delivered push).
    async fn record_push(
        &self,
        id: &str,
        result: Result<cultivar_apns::PushOutcome, PushError>,
    ) -> Result<PushResult, CoreError> {
        let now = self.clock.now();
        match result {
            Ok(_) => {
                self.store.set_mdm_push_error(id, None, now).await?;
                Ok(PushResult::Delivered)
            }
            Err(e @ PushError::Transient { .. }) => {
                tracing::warn!(channel = id, error = %e, "apns: push failed after retries");
                Ok(PushResult::Transient {
                    reason: e.reason().unwrap_or_default().to_owned(),
                })
            }
            Err(e) => {
                let reason = e.reason().map_or_else(|| e.to_string(), str::to_owned);
                tracing::warn!(channel = id, error = %e, "apns: push refused permanently");
                self.store
                    .set_mdm_push_error(id, Some(&reason), now)
                    .await?;
                Ok(PushResult::Permanent { reason })
            }
        }
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
