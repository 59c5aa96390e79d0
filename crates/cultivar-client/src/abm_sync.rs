//! ABM device sync: `/api/v1/abm/servers/{id}/sync…`, `/api/v1/abm/sync-runs/…`,
//! `/api/v1/abm/devices…` and the per-server settings.

use std::io::Write;

use crate::{AdminClient, ClientError};
use cultivar_api_types::abm_sync::{
    AbmDeviceFilter, AbmDeviceList, AbmDeviceView, AbmServerSettings, SyncHealthView, SyncRunList,
    SyncRunView, SyncStarted, SyncSummaryView,
};
use reqwest::{Method, StatusCode};
use uuid::Uuid;

/// What Sync Now with `wait` answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncNow {
    /// The run finished within the server's wait limit.
    Finished(SyncSummaryView),
    /// The run is still going (follow it with [`AdminClient::abm_sync_run`]).
    Running(SyncStarted),
}

impl AdminClient {
    /// Sync Now: starts a run of the ABM server, or joins the one in progress.
    pub async fn abm_sync_start(&self, id: Uuid) -> Result<SyncStarted, ClientError> {
        let path = format!("/abm/servers/{id}/sync");
        self.json(&path, self.request(Method::POST, &path)).await
    }

    /// Sync Now, answered once the run has finished (or, for a long run, while it still goes).
    pub async fn abm_sync_wait(&self, id: Uuid) -> Result<SyncNow, ClientError> {
        let path = format!("/abm/servers/{id}/sync");
        let req = self.request(Method::POST, &path).query(&[("wait", "true")]);
        let resp = self.send(&path, req).await?;
        let accepted = resp.status() == StatusCode::ACCEPTED;
        let bytes = resp.bytes().await.map_err(|e| self.transport(&path, e))?;
        if accepted {
            self.decode(&path, &bytes).map(SyncNow::Running)
        } else {
            self.decode(&path, &bytes).map(SyncNow::Finished)
        }
    }

    /// Sync health with the run in progress, if any.
    pub async fn abm_sync_health(&self, id: Uuid) -> Result<SyncHealthView, ClientError> {
        let path = format!("/abm/servers/{id}/sync");
        self.json(&path, self.request(Method::GET, &path)).await
    }

    /// The server's sync history, newest first (`before`: the previous page's `next_before`).
    pub async fn abm_sync_runs(
        &self,
        id: Uuid,
        limit: Option<u32>,
        before: Option<Uuid>,
    ) -> Result<SyncRunList, ClientError> {
        let path = format!("/abm/servers/{id}/sync-runs");
        let mut query: Vec<(&str, String)> = Vec::new();
        query.extend(limit.map(|l| ("limit", l.to_string())));
        query.extend(before.map(|b| ("before", b.to_string())));
        let req = self.request(Method::GET, &path).query(&query);
        self.json(&path, req).await
    }

    /// One run; with `wait`, answered when it has finished (or after the server's wait limit,
    /// still `running`).
    pub async fn abm_sync_run(&self, run_id: Uuid, wait: bool) -> Result<SyncRunView, ClientError> {
        let path = format!("/abm/sync-runs/{run_id}");
        let req = self.request(Method::GET, &path).query(&[("wait", wait)]);
        self.json(&path, req).await
    }

    /// Sets how many devices each sync request asks Apple for (1–1000).
    pub async fn abm_set_batch_size(
        &self,
        id: Uuid,
        sync_batch_size: u32,
    ) -> Result<AbmServerSettings, ClientError> {
        let path = format!("/abm/servers/{id}");
        let body = AbmServerSettings { sync_batch_size };
        self.json(&path, self.request(Method::PATCH, &path).json(&body))
            .await
    }

    /// One page of ABM devices.
    pub async fn abm_devices(
        &self,
        filter: &AbmDeviceFilter,
    ) -> Result<AbmDeviceList, ClientError> {
        let path = "/abm/devices";
        self.json(path, self.request(Method::GET, path).query(filter))
            .await
    }

    pub async fn abm_device(&self, serial: &str) -> Result<AbmDeviceView, ClientError> {
        let path = format!("/abm/devices/{serial}");
        self.json(&path, self.request(Method::GET, &path)).await
    }

    /// Writes the CSV export of `filter` (its `after` and `limit` must be unset) to `out` as it
    /// arrives, without holding it in memory; returns the bytes written.
    pub async fn abm_devices_csv(
        &self,
        filter: &AbmDeviceFilter,
        out: &mut impl Write,
    ) -> Result<u64, ClientError> {
        let path = "/abm/devices.csv";
        let mut resp = self
            .send(path, self.request(Method::GET, path).query(filter))
            .await?;
        let mut written = 0u64;
        loop {
            let chunk = resp.chunk().await.map_err(|e| self.transport(path, e))?;
            let Some(chunk) = chunk else {
                return Ok(written);
            };
            out.write_all(&chunk).map_err(|e| ClientError::Output {
                detail: e.to_string(),
            })?;
            written += chunk.len() as u64;
        }
    }
}
