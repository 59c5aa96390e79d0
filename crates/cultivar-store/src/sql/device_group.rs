//! [`DeviceGroupStore`] on the shared SQL layer. Member lists travel as one list argument
//! (`json_each` on SQLite, `= ANY`/`UNNEST` on PostgreSQL), so a bulk add is one statement.

use std::collections::BTreeSet;

use async_trait::async_trait;
use uuid::Uuid;

use super::{count, dialect, non_empty, now, q, Row, SqlError, SqlStore};
use crate::{
    model::check_os, DeviceGroup, DeviceGroupStore, DeviceGroupUpdate, GroupKind, GroupMembership,
    MembersAdded, NewDeviceGroup, StoreError,
};

fn device_group(row: &dyn Row) -> Result<DeviceGroup, StoreError> {
    Ok(DeviceGroup {
        id: row.uuid("id")?,
        name: row.text("name")?,
        kind: row.text("kind")?.parse()?,
        os: row.opt_text("os")?,
        priority: row.i64("priority")?,
        profile_id: row.opt_uuid("profile_id")?,
        created_at: row.time("created_at")?,
        updated_at: row.time("updated_at")?,
    })
}

fn validate(new: &NewDeviceGroup) -> Result<(), StoreError> {
    non_empty("name", &new.name)?;
    match (new.kind, new.os.as_deref()) {
        (GroupKind::Os, Some(os)) => check_os("os", os),
        (GroupKind::Os, None) => Err(StoreError::invalid("os", "required for an OS group")),
        (GroupKind::Static, None) => Ok(()),
        (GroupKind::Static, Some(_)) => Err(StoreError::invalid(
            "os",
            "must be empty for a static group (only OS groups have an OS)",
        )),
    }
}

/// Maps a write's errors: unique → the name is taken; foreign key → the profile is unknown.
fn write_error(name: &str, profile: Option<Uuid>) -> impl Fn(SqlError) -> StoreError + '_ {
    move |e| match e {
        SqlError::Unique(_) => StoreError::conflict(format!("device group name {name:?}")),
        SqlError::ForeignKey(_) => StoreError::not_found(format!(
            "ade profile {}",
            profile.map(|p| p.to_string()).unwrap_or_default()
        )),
        e => e.into(),
    }
}

/// The distinct serials of a request, refusing empty ones.
fn distinct(serials: &[String]) -> Result<Vec<Option<String>>, StoreError> {
    let mut set = BTreeSet::new();
    for serial in serials {
        non_empty("serial_number", serial)?;
        set.insert(serial.as_str());
    }
    Ok(set.into_iter().map(|s| Some(s.to_owned())).collect())
}

#[async_trait]
impl DeviceGroupStore for SqlStore {
    async fn create_device_group(&self, new: &NewDeviceGroup) -> Result<DeviceGroup, StoreError> {
        validate(new)?;
        let query = q(
            "INSERT INTO device_groups (id, name, kind, os, priority, profile_id, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING *",
        )
        .bind(Uuid::new_v4())
        .bind(new.name.as_str())
        .bind(new.kind.as_str())
        .bind(new.os.as_deref())
        .bind(new.priority)
        .bind(new.profile_id)
        .bind(now());
        let row = self
            .db
            .fetch_optional(query)
            .await
            .map_err(write_error(&new.name, new.profile_id))?;
        match row {
            Some(row) => device_group(row.as_ref()),
            None => Err(StoreError::Backend(
                "device_groups: INSERT returned no row".into(),
            )),
        }
    }

    async fn device_group(&self, id: Uuid) -> Result<Option<DeviceGroup>, StoreError> {
        let query = q("SELECT * FROM device_groups WHERE id = $1").bind(id);
        let row = self.db.fetch_optional(query).await?;
        row.map(|r| device_group(r.as_ref())).transpose()
    }

    async fn list_device_groups(&self) -> Result<Vec<DeviceGroup>, StoreError> {
        let rows = self
            .db
            .fetch_all(q("SELECT * FROM device_groups ORDER BY name, id"))
            .await?;
        rows.iter().map(|r| device_group(r.as_ref())).collect()
    }

    async fn update_device_group(
        &self,
        id: Uuid,
        update: &DeviceGroupUpdate,
    ) -> Result<DeviceGroup, StoreError> {
        if let Some(name) = &update.name {
            non_empty("name", name)?;
        }
        // `$5` says whether the profile changes, so that `$4 = NULL` can clear it.
        let query = q("UPDATE device_groups SET name = COALESCE($2, name), \
             priority = COALESCE($3, priority), \
             profile_id = CASE WHEN $5 = 1 THEN $4 ELSE profile_id END, updated_at = $6 \
             WHERE id = $1 RETURNING *")
        .bind(id)
        .bind(update.name.as_deref())
        .bind(update.priority)
        .bind(update.profile_id.flatten())
        .bind(i64::from(update.profile_id.is_some()))
        .bind(now());
        let name = update.name.as_deref().unwrap_or_default();
        let row = self
            .db
            .fetch_optional(query)
            .await
            .map_err(write_error(name, update.profile_id.flatten()))?;
        match row {
            Some(row) => device_group(row.as_ref()),
            None => Err(StoreError::not_found(format!("device group {id}"))),
        }
    }

    async fn delete_device_group(&self, id: Uuid) -> Result<bool, StoreError> {
        let query = q("DELETE FROM device_groups WHERE id = $1").bind(id);
        Ok(self.db.execute(query).await? > 0)
    }

    async fn add_group_members(
        &self,
        group_id: Uuid,
        serials: &[String],
    ) -> Result<MembersAdded, StoreError> {
        let serials = distinct(serials)?;
        let Some(group) = self.device_group(group_id).await? else {
            return Err(StoreError::not_found(format!("device group {group_id}")));
        };
        if group.kind == GroupKind::Os {
            return Err(StoreError::invalid(
                "group_id",
                "an OS group has no listed members (its members are the devices of its OS)",
            ));
        }
        let requested = serials.len() as u64;
        let query = dialect(
            self.db.backend(),
            "INSERT INTO device_group_members (group_id, serial_number, added_at) \
             SELECT $1, value, $2 FROM json_each($3) WHERE true ON CONFLICT DO NOTHING",
            "INSERT INTO device_group_members (group_id, serial_number, added_at) \
             SELECT $1, s, $2 FROM UNNEST($3::text[]) AS s ON CONFLICT DO NOTHING",
        )
        .bind(group_id)
        .bind(now())
        .bind(serials);
        let added = self.db.execute(query).await.map_err(|e| match e {
            SqlError::ForeignKey(_) => StoreError::not_found(format!("device group {group_id}")),
            e => e.into(),
        })?;
        Ok(MembersAdded {
            added,
            already: requested.saturating_sub(added),
        })
    }

    async fn remove_group_members(
        &self,
        group_id: Uuid,
        serials: &[String],
    ) -> Result<u64, StoreError> {
        let serials = distinct(serials)?;
        let query = dialect(
            self.db.backend(),
            "DELETE FROM device_group_members WHERE group_id = $1 \
             AND serial_number IN (SELECT value FROM json_each($2))",
            "DELETE FROM device_group_members WHERE group_id = $1 AND serial_number = ANY($2)",
        )
        .bind(group_id)
        .bind(serials);
        Ok(self.db.execute(query).await?)
    }

    async fn list_group_members(
        &self,
        group_id: Uuid,
        after_serial: Option<&str>,
        limit: u32,
    ) -> Result<Vec<String>, StoreError> {
        let query = q(
            "SELECT serial_number FROM device_group_members WHERE group_id = $1 \
             AND ($2 IS NULL OR serial_number > $2) ORDER BY serial_number LIMIT $3",
        )
        .bind(group_id)
        .bind(after_serial)
        .bind(i64::from(limit));
        let rows = self.db.fetch_all(query).await?;
        rows.iter().map(|r| r.text("serial_number")).collect()
    }

    async fn count_group_members(&self, group_id: Uuid) -> Result<u64, StoreError> {
        let query =
            q("SELECT COUNT(*) AS n FROM device_group_members WHERE group_id = $1").bind(group_id);
        match self.db.fetch_optional(query).await? {
            Some(row) => count(row.as_ref(), "n"),
            None => Ok(0),
        }
    }

    async fn groups_for_serials(
        &self,
        serials: &[String],
    ) -> Result<Vec<GroupMembership>, StoreError> {
        if serials.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<Option<String>> = serials.iter().map(|s| Some(s.clone())).collect();
        let query = dialect(
            self.db.backend(),
            "SELECT serial_number, group_id FROM device_group_members \
             WHERE serial_number IN (SELECT value FROM json_each($1)) \
             ORDER BY serial_number, group_id",
            "SELECT serial_number, group_id FROM device_group_members \
             WHERE serial_number = ANY($1) ORDER BY serial_number, group_id",
        )
        .bind(list);
        let rows = self.db.fetch_all(query).await?;
        rows.iter()
            .map(|r| {
                Ok(GroupMembership {
                    serial_number: r.text("serial_number")?,
                    group_id: r.uuid("group_id")?,
                })
            })
            .collect()
    }
}
