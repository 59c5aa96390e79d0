//! [`MdmDeviceCaStore`] and [`MdmInventoryStore`] on the shared SQL layer.

use async_trait::async_trait;

use super::{non_empty, q, Query, Row, SqlStore};
use crate::{
    MdmDeviceCa, MdmDeviceCaStore, MdmInventory, MdmInventoryStore, MdmInventoryUpdate, StoreError,
};

fn device_ca(row: &dyn Row) -> Result<MdmDeviceCa, StoreError> {
    Ok(MdmDeviceCa {
        certificate_pem: row.text("certificate_pem")?,
        private_key_sealed: row.bytes("private_key_sealed")?,
        created_at: row.time("created_at")?,
    })
}

fn inventory(row: &dyn Row) -> Result<Option<MdmInventory>, StoreError> {
    let (Some(text), Some(at)) = (row.opt_text("inventory")?, row.opt_time("inventory_at")?) else {
        return Ok(None);
    };
    let inventory = serde_json::from_str(&text)
        .map_err(|e| StoreError::Backend(format!("column inventory: invalid JSON: {e}")))?;
    Ok(Some(MdmInventory {
        enrollment_id: row.text("id")?,
        inventory,
        inventory_at: at,
    }))
}

#[async_trait]
impl MdmDeviceCaStore for SqlStore {
    async fn insert_mdm_device_ca_if_absent(
        &self,
        ca: &MdmDeviceCa,
    ) -> Result<MdmDeviceCa, StoreError> {
        non_empty("certificate_pem", &ca.certificate_pem)?;
        if ca.private_key_sealed.is_empty() {
            return Err(StoreError::invalid(
                "private_key_sealed",
                "must not be empty",
            ));
        }
        self.db
            .execute(
                q(
                    "INSERT INTO mdm_device_ca (id, certificate_pem, private_key_sealed, \
                   created_at) VALUES (1, $1, $2, $3) ON CONFLICT (id) DO NOTHING",
                )
                .bind(ca.certificate_pem.as_str())
                .bind(ca.private_key_sealed.as_slice())
                .bind(ca.created_at),
            )
            .await?;
        self.mdm_device_ca().await?.ok_or_else(|| {
            StoreError::Backend("mdm_device_ca: row missing right after its insert".into())
        })
    }

    async fn mdm_device_ca(&self) -> Result<Option<MdmDeviceCa>, StoreError> {
        let row = self
            .db
            .fetch_optional(q("SELECT * FROM mdm_device_ca WHERE id = 1"))
            .await?;
        row.map(|r| device_ca(r.as_ref())).transpose()
    }
}

#[async_trait]
impl MdmInventoryStore for SqlStore {
    async fn store_mdm_inventory(&self, u: &MdmInventoryUpdate) -> Result<bool, StoreError> {
        let changed = self.db.execute(inventory_query(u)?).await?;
        Ok(changed > 0)
    }

    async fn mdm_inventory(&self, enrollment_id: &str) -> Result<Option<MdmInventory>, StoreError> {
        let row = self
            .db
            .fetch_optional(
                q("SELECT id, inventory, inventory_at FROM mdm_enrollments WHERE id = $1")
                    .bind(enrollment_id),
            )
            .await?;
        match row {
            Some(r) => inventory(r.as_ref()),
            None => Ok(None),
        }
    }
}

/// Refuses an inventory that is not a JSON object.
pub(super) fn check_inventory(u: &MdmInventoryUpdate) -> Result<(), StoreError> {
    if u.inventory.is_object() {
        Ok(())
    } else {
        Err(StoreError::invalid("inventory", "must be a JSON object"))
    }
}

/// The statement that stores an inventory update.
fn inventory_query(u: &MdmInventoryUpdate) -> Result<Query, StoreError> {
    check_inventory(u)?;
    Ok(q(
        "UPDATE mdm_enrollments SET inventory = $2, inventory_at = $3, \
         device_name = COALESCE($4, device_name), os_version = COALESCE($5, os_version), \
         build_version = COALESCE($6, build_version), \
         product_name = COALESCE($7, product_name), model = COALESCE($8, model), \
         updated_at = $3 WHERE id = $1",
    )
    .bind(u.enrollment_id.as_str())
    .bind(u.inventory.to_string())
    .bind(u.at)
    .bind(u.device_name.as_deref())
    .bind(u.os_version.as_deref())
    .bind(u.build_version.as_deref())
    .bind(u.product_name.as_deref())
    .bind(u.model.as_deref()))
}
