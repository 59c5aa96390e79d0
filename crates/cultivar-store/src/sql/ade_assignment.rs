//! [`AdeAssignmentStore`] on the shared SQL layer.

use async_trait::async_trait;
use uuid::Uuid;

use super::{abm_device::abm_device, non_empty, now, q, Row, SqlError, SqlStore};
use crate::{
    model::check_os, AdeAssignmentStore, AdeDeviceRow, AdeOsDefault, AdeProfileStore,
    DeviceProfileAssignment, StoreError,
};

fn assignment(row: &dyn Row) -> Result<DeviceProfileAssignment, StoreError> {
    Ok(DeviceProfileAssignment {
        serial_number: row.text("serial_number")?,
        profile_id: row.uuid("profile_id")?,
        assigned_at: row.time("assigned_at")?,
    })
}

fn os_default(row: &dyn Row) -> Result<AdeOsDefault, StoreError> {
    Ok(AdeOsDefault {
        os: row.text("os")?,
        profile_id: row.uuid("profile_id")?,
        updated_at: row.time("updated_at")?,
    })
}

fn unknown_profile(profile_id: Uuid) -> impl Fn(SqlError) -> StoreError {
    move |e| match e {
        SqlError::ForeignKey(_) => StoreError::not_found(format!("ade profile {profile_id}")),
        e => e.into(),
    }
}

fn returned<T>(
    row: Option<Box<dyn Row>>,
    table: &str,
    read: fn(&dyn Row) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    match row {
        Some(row) => read(row.as_ref()),
        None => Err(StoreError::Backend(format!(
            "{table}: upsert returned no row"
        ))),
    }
}

#[async_trait]
impl AdeAssignmentStore for SqlStore {
    async fn set_device_profile(
        &self,
        serial: &str,
        profile_id: Uuid,
    ) -> Result<DeviceProfileAssignment, StoreError> {
        non_empty("serial_number", serial)?;
        let query = q(
            "INSERT INTO device_profile_assignments (serial_number, profile_id, \
             assigned_at) VALUES ($1, $2, $3) ON CONFLICT (serial_number) DO UPDATE SET \
             profile_id = excluded.profile_id, assigned_at = excluded.assigned_at RETURNING *",
        )
        .bind(serial)
        .bind(profile_id)
        .bind(now());
        let row = self
            .db
            .fetch_optional(query)
            .await
            .map_err(unknown_profile(profile_id))?;
        returned(row, "device_profile_assignments", assignment)
    }

    async fn clear_device_profile(&self, serial: &str) -> Result<bool, StoreError> {
        let query =
            q("DELETE FROM device_profile_assignments WHERE serial_number = $1").bind(serial);
        Ok(self.db.execute(query).await? > 0)
    }

    async fn device_profile(
        &self,
        serial: &str,
    ) -> Result<Option<DeviceProfileAssignment>, StoreError> {
        let query =
            q("SELECT * FROM device_profile_assignments WHERE serial_number = $1").bind(serial);
        let row = self.db.fetch_optional(query).await?;
        row.map(|r| assignment(r.as_ref())).transpose()
    }

    async fn list_device_profiles(
        &self,
        after_serial: Option<&str>,
        limit: u32,
    ) -> Result<Vec<DeviceProfileAssignment>, StoreError> {
        let query = q("SELECT * FROM device_profile_assignments \
             WHERE ($1 IS NULL OR serial_number > $1) ORDER BY serial_number LIMIT $2")
        .bind(after_serial)
        .bind(i64::from(limit));
        let rows = self.db.fetch_all(query).await?;
        rows.iter().map(|r| assignment(r.as_ref())).collect()
    }

    async fn set_os_default(&self, os: &str, profile_id: Uuid) -> Result<AdeOsDefault, StoreError> {
        check_os("os", os)?;
        let Some(profile) = self.ade_profile(profile_id).await? else {
            return Err(StoreError::not_found(format!("ade profile {profile_id}")));
        };
        if profile.os != os {
            return Err(StoreError::invalid(
                "profile_id",
                format!(
                    "the default for {os} must be a {os} profile ({:?} is for {})",
                    profile.name, profile.os
                ),
            ));
        }
        let query = q("INSERT INTO ade_os_defaults (os, profile_id, updated_at) \
             VALUES ($1, $2, $3) ON CONFLICT (os) DO UPDATE SET \
             profile_id = excluded.profile_id, updated_at = excluded.updated_at RETURNING *")
        .bind(os)
        .bind(profile_id)
        .bind(now());
        let row = self
            .db
            .fetch_optional(query)
            .await
            .map_err(unknown_profile(profile_id))?;
        returned(row, "ade_os_defaults", os_default)
    }

    async fn clear_os_default(&self, os: &str) -> Result<bool, StoreError> {
        let query = q("DELETE FROM ade_os_defaults WHERE os = $1").bind(os);
        Ok(self.db.execute(query).await? > 0)
    }

    async fn os_default(&self, os: &str) -> Result<Option<AdeOsDefault>, StoreError> {
        let query = q("SELECT * FROM ade_os_defaults WHERE os = $1").bind(os);
        let row = self.db.fetch_optional(query).await?;
        row.map(|r| os_default(r.as_ref())).transpose()
    }

    async fn list_os_defaults(&self) -> Result<Vec<AdeOsDefault>, StoreError> {
        let rows = self
            .db
            .fetch_all(q("SELECT * FROM ade_os_defaults ORDER BY os"))
            .await?;
        rows.iter().map(|r| os_default(r.as_ref())).collect()
    }

    async fn list_ade_devices(
        &self,
        after_serial: Option<&str>,
        limit: u32,
    ) -> Result<Vec<AdeDeviceRow>, StoreError> {
        let query = q(
            "SELECT d.*, a.profile_id AS explicit_profile_id FROM abm_devices AS d \
             LEFT JOIN device_profile_assignments AS a ON a.serial_number = d.serial_number \
             WHERE d.removed_at IS NULL AND ($1 IS NULL OR d.serial_number > $1) \
             ORDER BY d.serial_number LIMIT $2",
        )
        .bind(after_serial)
        .bind(i64::from(limit));
        let rows = self.db.fetch_all(query).await?;
        rows.iter()
            .map(|r| {
                Ok(AdeDeviceRow {
                    device: abm_device(r.as_ref())?,
                    explicit_profile_id: r.opt_uuid("explicit_profile_id")?,
                })
            })
            .collect()
    }
}
