//! [`AbmDeviceStore`] on the shared SQL layer: page commits (`page`), the batched statements
//! they run (`batch`, the only dialect-specific part), sync state (`state`) and listings
//! (`query`).

mod batch;
mod classify;
mod page;
mod query;
mod state;

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{q, Row, SqlError, SqlStore};
use crate::{
    AbmDevice, AbmDeviceData, AbmDeviceQuery, AbmDeviceStore, PageCommit, PageCounts, StoreError,
    SyncState,
};

pub(crate) fn abm_device(row: &dyn Row) -> Result<AbmDevice, StoreError> {
    let data = AbmDeviceData {
        serial_number: row.text("serial_number")?,
        model: row.opt_text("model")?,
        description: row.opt_text("description")?,
        color: row.opt_text("color")?,
        asset_tag: row.opt_text("asset_tag")?,
        os: row.opt_text("os")?,
        device_family: row.opt_text("device_family")?,
        profile_status: row.opt_text("profile_status")?,
        profile_uuid: row.opt_text("profile_uuid")?,
        profile_assign_time: row.opt_time("profile_assign_time")?,
        profile_push_time: row.opt_time("profile_push_time")?,
        device_assigned_date: row.opt_time("device_assigned_date")?,
        device_assigned_by: row.opt_text("device_assigned_by")?,
        extra: row.json("extra")?,
    };
    Ok(AbmDevice {
        data,
        abm_server_id: row.uuid("abm_server_id")?,
        last_op_type: row.opt_text("last_op_type")?,
        last_op_date: row.opt_time("last_op_date")?,
        removed_at: row.opt_time("removed_at")?,
        first_seen_at: row.time("first_seen_at")?,
        updated_at: row.time("updated_at")?,
    })
}

/// A foreign-key failure on a write keyed by the server means the server does not exist.
fn unknown_server(server: Uuid) -> impl Fn(SqlError) -> StoreError {
    move |e| match e {
        SqlError::ForeignKey(_) => StoreError::not_found(format!("abm server {server}")),
        other => other.into(),
    }
}

/// Serials one [`AbmDeviceStore::known_abm_serials`] read takes.
const KNOWN_MAX: usize = 1000;

#[async_trait]
impl AbmDeviceStore for SqlStore {
    async fn commit_sync_page(&self, page: &PageCommit<'_>) -> Result<PageCounts, StoreError> {
        self.commit_page(page).await
    }

    async fn sync_state(&self, abm_server_id: Uuid) -> Result<Option<SyncState>, StoreError> {
        self.read_sync_state(abm_server_id).await
    }

    async fn start_full_fetch(
        &self,
        abm_server_id: Uuid,
        now: OffsetDateTime,
    ) -> Result<SyncState, StoreError> {
        self.begin_full_fetch(abm_server_id, now).await
    }

    async fn finish_full_fetch(
        &self,
        abm_server_id: Uuid,
        run_id: Uuid,
        generation: i64,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        self.reconcile_full_fetch(abm_server_id, run_id, generation, now)
            .await
    }

    async fn record_sync_success(
        &self,
        abm_server_id: Uuid,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.record_health(abm_server_id, None, at).await
    }

    async fn record_sync_error(
        &self,
        abm_server_id: Uuid,
        error: &str,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        super::non_empty("error", error)?;
        self.record_health(abm_server_id, Some(error), at).await
    }

    async fn abm_device(&self, serial: &str) -> Result<Option<AbmDevice>, StoreError> {
        let query = q("SELECT * FROM abm_devices WHERE serial_number = $1").bind(serial);
        self.db
            .fetch_optional(query)
            .await?
            .map(|row| abm_device(row.as_ref()))
            .transpose()
    }

    async fn list_abm_devices(&self, q: &AbmDeviceQuery) -> Result<Vec<AbmDevice>, StoreError> {
        self.list_devices(q).await
    }

    async fn known_abm_serials(&self, serials: &[String]) -> Result<Vec<String>, StoreError> {
        if serials.len() > KNOWN_MAX {
            return Err(StoreError::invalid(
                "serials",
                format!("at most {KNOWN_MAX} per read (got {})", serials.len()),
            ));
        }
        if serials.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<Option<String>> = serials.iter().map(|s| Some(s.clone())).collect();
        let query = super::dialect(
            self.db.backend(),
            "SELECT serial_number FROM abm_devices \
             WHERE serial_number IN (SELECT value FROM json_each($1)) ORDER BY serial_number",
            "SELECT serial_number FROM abm_devices WHERE serial_number = ANY($1) \
             ORDER BY serial_number",
        )
        .bind(list);
        let rows = self.db.fetch_all(query).await?;
        rows.iter().map(|r| r.text("serial_number")).collect()
    }

    async fn count_abm_devices(&self, q: &AbmDeviceQuery) -> Result<u64, StoreError> {
        self.count_devices(q).await
    }
}
