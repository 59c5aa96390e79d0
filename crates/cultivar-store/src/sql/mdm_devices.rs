//! [`MdmDeviceStore`] on the shared SQL layer.

use async_trait::async_trait;

use super::mdm_enrollment::enrollment;
use super::{q, SqlStore};
use crate::{MdmDeviceStore, MdmEnrollment, StoreError};

#[async_trait]
impl MdmDeviceStore for SqlStore {
    async fn list_mdm_device_channels(
        &self,
        after_key: Option<&str>,
        limit: u32,
    ) -> Result<Vec<MdmEnrollment>, StoreError> {
        let rows = self
            .db
            // Keys are never empty, so '' starts the list; the comparison stays a range on
            // the device-key index (migration 0007).
            .fetch_all(
                q("SELECT * FROM mdm_enrollments WHERE channel = 'device' \
                   AND COALESCE(serial_number, id) > COALESCE($1, '') \
                   ORDER BY COALESCE(serial_number, id), \
                   COALESCE(authenticated_at, created_at) DESC, id LIMIT $2")
                .bind(after_key)
                .bind(i64::from(limit)),
            )
            .await?;
        rows.iter().map(|r| enrollment(r.as_ref())).collect()
    }
}
