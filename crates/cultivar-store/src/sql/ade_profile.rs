//! [`AdeProfileStore`] and [`AdeProfileDefinitionStore`] on the shared SQL layer.

use async_trait::async_trait;
use uuid::Uuid;

use super::{count, non_empty, now, q, Query, Row, SqlError, SqlStore, Tx};
use crate::{
    model::check_os, AdeDefinedUuid, AdeProfile, AdeProfileDefinition, AdeProfileDefinitionStore,
    AdeProfileStore, AdeProfileUsage, NewAdeProfile, StoreError,
};

fn ade_profile(row: &dyn Row) -> Result<AdeProfile, StoreError> {
    Ok(AdeProfile {
        id: row.uuid("id")?,
        name: row.text("name")?,
        os: row.text("os")?,
        description: row.text("description")?,
        body: row.text("body")?,
        revision: row.i64("revision")?,
        created_at: row.time("created_at")?,
        updated_at: row.time("updated_at")?,
    })
}

fn definition(row: &dyn Row) -> Result<AdeProfileDefinition, StoreError> {
    Ok(AdeProfileDefinition {
        profile_id: row.uuid("profile_id")?,
        abm_server_id: row.uuid("abm_server_id")?,
        apple_profile_uuid: row.text("apple_profile_uuid")?,
        revision: row.i64("revision")?,
        defined_at: row.time("defined_at")?,
    })
}

fn validate(new: &NewAdeProfile) -> Result<(), StoreError> {
    non_empty("name", &new.name)?;
    check_os("os", &new.os)?;
    let Ok(serde_json::Value::Object(body)) = serde_json::from_str(&new.body) else {
        return Err(StoreError::invalid(
            "body",
            "must be a JSON object (Apple's profile JSON)",
        ));
    };
    // cultivar fills the enrollment URLs in when it defines the profile with Apple.
    for key in ["url", "configuration_web_url"] {
        if body.contains_key(key) {
            return Err(StoreError::invalid(
                "body",
                format!("must not contain {key:?} (cultivar sets it when defining the profile)"),
            ));
        }
    }
    Ok(())
}

fn name_taken(new: &NewAdeProfile) -> impl Fn(SqlError) -> StoreError + '_ {
    move |e| match e {
        SqlError::Unique(_) => StoreError::conflict(format!("ade profile name {:?}", new.name)),
        e => e.into(),
    }
}

// One statement counting the three kinds of reference, so usage is a consistent snapshot.
const USAGE: &str = "SELECT \
    (SELECT COUNT(*) FROM device_profile_assignments WHERE profile_id = $1) AS n_devices, \
    (SELECT COUNT(*) FROM device_groups WHERE profile_id = $1) AS n_groups, \
    (SELECT COUNT(*) FROM ade_os_defaults WHERE profile_id = $1) AS n_defaults";

fn usage(row: &dyn Row) -> Result<AdeProfileUsage, StoreError> {
    Ok(AdeProfileUsage {
        devices: count(row, "n_devices")?,
        groups: count(row, "n_groups")?,
        defaults: count(row, "n_defaults")?,
    })
}

#[async_trait]
impl AdeProfileStore for SqlStore {
    async fn insert_ade_profile(&self, new: &NewAdeProfile) -> Result<AdeProfile, StoreError> {
        validate(new)?;
        let at = now();
        let query = q(
            "INSERT INTO ade_profiles (id, name, os, description, body, revision, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 1, $6, $6) RETURNING *",
        )
        .bind(Uuid::new_v4())
        .bind(new.name.as_str())
        .bind(new.os.as_str())
        .bind(new.description.as_str())
        .bind(new.body.as_str())
        .bind(at);
        match self
            .db
            .fetch_optional(query)
            .await
            .map_err(name_taken(new))?
        {
            Some(row) => ade_profile(row.as_ref()),
            None => Err(StoreError::Backend(
                "ade_profiles: INSERT returned no row".into(),
            )),
        }
    }

    async fn ade_profile(&self, id: Uuid) -> Result<Option<AdeProfile>, StoreError> {
        let query = q("SELECT * FROM ade_profiles WHERE id = $1").bind(id);
        let row = self.db.fetch_optional(query).await?;
        row.map(|r| ade_profile(r.as_ref())).transpose()
    }

    async fn ade_profile_by_name(&self, name: &str) -> Result<Option<AdeProfile>, StoreError> {
        let query = q("SELECT * FROM ade_profiles WHERE name = $1").bind(name);
        let row = self.db.fetch_optional(query).await?;
        row.map(|r| ade_profile(r.as_ref())).transpose()
    }

    async fn list_ade_profiles(&self) -> Result<Vec<AdeProfile>, StoreError> {
        let rows = self
            .db
            .fetch_all(q("SELECT * FROM ade_profiles ORDER BY name, id"))
            .await?;
        rows.iter().map(|r| ade_profile(r.as_ref())).collect()
    }

    async fn update_ade_profile(
        &self,
        id: Uuid,
        expected_revision: i64,
        new: &NewAdeProfile,
    ) -> Result<AdeProfile, StoreError> {
        validate(new)?;
        let query = q(
            "UPDATE ade_profiles SET name = $3, os = $4, description = $5, body = $6, \
             revision = revision + 1, updated_at = $7 WHERE id = $1 AND revision = $2 \
             RETURNING *",
        )
        .bind(id)
        .bind(expected_revision)
        .bind(new.name.as_str())
        .bind(new.os.as_str())
        .bind(new.description.as_str())
        .bind(new.body.as_str())
        .bind(now());
        if let Some(row) = self
            .db
            .fetch_optional(query)
            .await
            .map_err(name_taken(new))?
        {
            return ade_profile(row.as_ref());
        }
        match self.ade_profile(id).await? {
            None => Err(StoreError::not_found(format!("ade profile {id}"))),
            Some(p) => Err(StoreError::conflict(format!(
                "ade profile {id} revision {expected_revision} (it is at revision {}; \
                 reload and retry)",
                p.revision
            ))),
        }
    }

    async fn delete_ade_profile(&self, id: Uuid, force: bool) -> Result<bool, StoreError> {
        let mut tx = self.db.begin().await?;
        // A write first takes SQLite's write lock, so the usage read below cannot go stale
        // before the delete (PostgreSQL: the row lock has the same effect for this profile).
        let locked = q("UPDATE ade_profiles SET revision = revision WHERE id = $1").bind(id);
        if tx.execute(locked).await? == 0 {
            return Ok(false);
        }
        let found = usage_in(tx.as_mut(), id).await?;
        if found.in_use() && !force {
            return Err(StoreError::conflict(format!(
                "ade profile {id} is in use ({} devices, {} groups, {} OS defaults; \
                 delete with force to clear them)",
                found.devices, found.groups, found.defaults
            )));
        }
        if force {
            clear_references(tx.as_mut(), id).await?;
        }
        let gone = tx
            .execute(q("DELETE FROM ade_profiles WHERE id = $1").bind(id))
            .await
            .map_err(|e| match e {
                SqlError::ForeignKey(_) => StoreError::conflict(format!(
                    "ade profile {id} came into use while being deleted"
                )),
                e => e.into(),
            })?;
        tx.commit().await?;
        Ok(gone > 0)
    }

    async fn ade_profile_usage(&self, id: Uuid) -> Result<AdeProfileUsage, StoreError> {
        match self.db.fetch_optional(q(USAGE).bind(id)).await? {
            Some(row) => usage(row.as_ref()),
            None => Ok(AdeProfileUsage::default()),
        }
    }
}

async fn usage_in(tx: &mut dyn Tx, id: Uuid) -> Result<AdeProfileUsage, StoreError> {
    let rows = tx.fetch_all(q(USAGE).bind(id)).await?;
    match rows.first() {
        Some(row) => usage(row.as_ref()),
        None => Ok(AdeProfileUsage::default()),
    }
}

async fn clear_references(tx: &mut dyn Tx, id: Uuid) -> Result<(), StoreError> {
    tx.execute(q("DELETE FROM device_profile_assignments WHERE profile_id = $1").bind(id))
        .await?;
    tx.execute(
        q("UPDATE device_groups SET profile_id = NULL, updated_at = $2 WHERE profile_id = $1")
            .bind(id)
            .bind(now()),
    )
    .await?;
    tx.execute(q("DELETE FROM ade_os_defaults WHERE profile_id = $1").bind(id))
        .await?;
    Ok(())
}

#[async_trait]
impl AdeProfileDefinitionStore for SqlStore {
    async fn ade_profile_definition(
        &self,
        profile_id: Uuid,
        abm_server_id: Uuid,
    ) -> Result<Option<AdeProfileDefinition>, StoreError> {
        let query = q(
            "SELECT * FROM ade_profile_definitions WHERE profile_id = $1 AND abm_server_id = $2",
        )
        .bind(profile_id)
        .bind(abm_server_id);
        let row = self.db.fetch_optional(query).await?;
        row.map(|r| definition(r.as_ref())).transpose()
    }

    async fn put_ade_profile_definition(&self, d: &AdeProfileDefinition) -> Result<(), StoreError> {
        non_empty("apple_profile_uuid", &d.apple_profile_uuid)?;
        let not_found = |e: SqlError| match e {
            SqlError::ForeignKey(_) => StoreError::not_found(format!(
                "ade profile {} or abm server {}",
                d.profile_id, d.abm_server_id
            )),
            e => e.into(),
        };
        // One transaction: the history never lacks a UUID a definition names.
        let mut tx = self.db.begin().await?;
        tx.execute(bind_definition(q(PUT_DEFINITION), d))
            .await
            .map_err(not_found)?;
        tx.execute(bind_definition(q(PUT_HISTORY), d))
            .await
            .map_err(not_found)?;
        tx.commit().await?;
        Ok(())
    }

    async fn list_ade_profile_definitions(
        &self,
        profile_id: Uuid,
    ) -> Result<Vec<AdeProfileDefinition>, StoreError> {
        let query = q(
            "SELECT * FROM ade_profile_definitions WHERE profile_id = $1 ORDER BY abm_server_id",
        )
        .bind(profile_id);
        let rows = self.db.fetch_all(query).await?;
        rows.iter().map(|r| definition(r.as_ref())).collect()
    }

    async fn list_all_ade_profile_definitions(
        &self,
    ) -> Result<Vec<AdeProfileDefinition>, StoreError> {
        let query = q("SELECT * FROM ade_profile_definitions ORDER BY profile_id, abm_server_id");
        let rows = self.db.fetch_all(query).await?;
        rows.iter().map(|r| definition(r.as_ref())).collect()
    }

    async fn list_ade_defined_uuids(&self) -> Result<Vec<AdeDefinedUuid>, StoreError> {
        let query = q("SELECT * FROM ade_profile_definition_history \
             ORDER BY abm_server_id, apple_profile_uuid");
        let rows = self.db.fetch_all(query).await?;
        rows.iter().map(|r| defined_uuid(r.as_ref())).collect()
    }
}

const PUT_DEFINITION: &str = "INSERT INTO ade_profile_definitions (profile_id, abm_server_id, \
     apple_profile_uuid, revision, defined_at) VALUES ($1, $2, $3, $4, $5) \
     ON CONFLICT (profile_id, abm_server_id) DO UPDATE SET \
     apple_profile_uuid = excluded.apple_profile_uuid, revision = excluded.revision, \
     defined_at = excluded.defined_at";

// Apple does not hand out a UUID twice; should it, the latest definition names it.
const PUT_HISTORY: &str = "INSERT INTO ade_profile_definition_history (profile_id, \
     abm_server_id, apple_profile_uuid, revision, defined_at) VALUES ($1, $2, $3, $4, $5) \
     ON CONFLICT (abm_server_id, apple_profile_uuid) DO UPDATE SET \
     profile_id = excluded.profile_id, revision = excluded.revision, \
     defined_at = excluded.defined_at";

fn bind_definition(query: Query, d: &AdeProfileDefinition) -> Query {
    query
        .bind(d.profile_id)
        .bind(d.abm_server_id)
        .bind(d.apple_profile_uuid.as_str())
        .bind(d.revision)
        .bind(d.defined_at)
}

fn defined_uuid(row: &dyn Row) -> Result<AdeDefinedUuid, StoreError> {
    Ok(AdeDefinedUuid {
        abm_server_id: row.uuid("abm_server_id")?,
        apple_profile_uuid: row.text("apple_profile_uuid")?,
        profile_id: row.opt_uuid("profile_id")?,
        revision: row.i64("revision")?,
        defined_at: row.time("defined_at")?,
    })
}
