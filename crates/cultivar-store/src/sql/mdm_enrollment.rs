//! [`MdmEnrollmentStore`] on the shared SQL layer.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::{count, non_empty, q, Row, SqlStore, Tx};
use crate::{
    MdmAuthenticate, MdmCertBinding, MdmEnrollment, MdmEnrollmentStore, MdmTokenUpdate, StoreError,
};

pub(super) fn enrollment(row: &dyn Row) -> Result<MdmEnrollment, StoreError> {
    Ok(MdmEnrollment {
        id: row.text("id")?,
        device_id: row.text("device_id")?,
        channel: row.text("channel")?,
        enrollment_type: row.text("enrollment_type")?,
        serial_number: row.opt_text("serial_number")?,
        user_id: row.opt_text("user_id")?,
        user_short_name: row.opt_text("user_short_name")?,
        user_long_name: row.opt_text("user_long_name")?,
        topic: row.text("topic")?,
        push_magic: row.opt_text("push_magic")?,
        push_token: row.opt_text("push_token")?,
        unlock_token: row.opt_bytes("unlock_token")?,
        bootstrap_token: row.opt_bytes("bootstrap_token")?,
        enabled: row.i64("enabled")? != 0,
        token_update_tally: count(row, "token_update_tally")?,
        awaiting_configuration: row.i64("awaiting_configuration")? != 0,
        os_version: row.opt_text("os_version")?,
        build_version: row.opt_text("build_version")?,
        product_name: row.opt_text("product_name")?,
        model: row.opt_text("model")?,
        device_name: row.opt_text("device_name")?,
        authenticate_raw: row.opt_bytes("authenticate_raw")?,
        token_update_raw: row.opt_bytes("token_update_raw")?,
        authenticated_at: row.opt_time("authenticated_at")?,
        token_updated_at: row.opt_time("token_updated_at")?,
        checked_out_at: row.opt_time("checked_out_at")?,
        last_seen_at: row.opt_time("last_seen_at")?,
        push_token_refused: row.opt_i64("push_error_permanent")?.unwrap_or(0) != 0,
        created_at: row.time("created_at")?,
        updated_at: row.time("updated_at")?,
    })
}

fn binding(row: &dyn Row) -> Result<MdmCertBinding, StoreError> {
    Ok(MdmCertBinding {
        enrollment_id: row.text("enrollment_id")?,
        cert_sha256: row.text("cert_sha256")?,
        not_after: row.opt_time("not_after")?,
        bound_at: row.time("bound_at")?,
    })
}

const UPSERT_AUTHENTICATE: &str = "INSERT INTO mdm_enrollments (id, device_id, channel, \
     enrollment_type, serial_number, topic, enabled, token_update_tally, \
     awaiting_configuration, os_version, build_version, product_name, model, device_name, \
     authenticate_raw, authenticated_at, last_seen_at, created_at, updated_at) \
     VALUES ($1, $2, CASE WHEN $1 = $2 THEN 'device' ELSE 'user' END, $3, $4, $5, 0, 0, 0, \
     $6, $7, $8, $9, $10, $11, $12, $12, $12, $12) \
     ON CONFLICT (id) DO UPDATE SET enrollment_type = excluded.enrollment_type, \
     serial_number = excluded.serial_number, topic = excluded.topic, enabled = 0, \
     token_update_tally = 0, awaiting_configuration = 0, bootstrap_token = NULL, \
     os_version = excluded.os_version, build_version = excluded.build_version, \
     product_name = excluded.product_name, model = excluded.model, \
     device_name = excluded.device_name, authenticate_raw = excluded.authenticate_raw, \
     authenticated_at = excluded.authenticated_at, checked_out_at = NULL, \
     last_seen_at = excluded.last_seen_at, updated_at = excluded.updated_at";

/// Refuses a certificate already bound to another device channel (a stolen or shared
/// identity must not take over an enrollment).
async fn check_cert_free(tx: &mut Box<dyn Tx>, auth: &MdmAuthenticate) -> Result<(), StoreError> {
    let rows = tx
        .fetch_all(
            q(
                "SELECT enrollment_id FROM mdm_cert_bindings WHERE cert_sha256 = $1 \
               AND enrollment_id <> $2",
            )
            .bind(auth.cert_sha256.as_str())
            .bind(auth.device_id.as_str()),
        )
        .await?;
    match rows.first() {
        Some(row) => Err(StoreError::conflict(format!(
            "identity certificate {} is bound to enrollment {}",
            auth.cert_sha256,
            row.text("enrollment_id")?
        ))),
        None => Ok(()),
    }
}

fn validate_authenticate(auth: &MdmAuthenticate) -> Result<(), StoreError> {
    non_empty("id", &auth.id)?;
    non_empty("device_id", &auth.device_id)?;
    non_empty("topic", &auth.topic)?;
    non_empty("cert_sha256", &auth.cert_sha256)?;
    non_empty("enrollment_type", &auth.enrollment_type)
}

#[async_trait]
impl MdmEnrollmentStore for SqlStore {
    async fn store_authenticate(&self, auth: &MdmAuthenticate) -> Result<(), StoreError> {
        validate_authenticate(auth)?;
        let mut tx = self.db.begin().await?;
        check_cert_free(&mut tx, auth).await?;
        tx.execute(
            q(UPSERT_AUTHENTICATE)
                .bind(auth.id.as_str())
                .bind(auth.device_id.as_str())
                .bind(auth.enrollment_type.as_str())
                .bind(auth.serial_number.as_deref())
                .bind(auth.topic.as_str())
                .bind(auth.os_version.as_deref())
                .bind(auth.build_version.as_deref())
                .bind(auth.product_name.as_deref())
                .bind(auth.model.as_deref())
                .bind(auth.device_name.as_deref())
                .bind(auth.raw.as_slice())
                .bind(auth.at),
        )
        .await?;
        tx.execute(
            q(
                "UPDATE mdm_queue SET state = 'cancelled', answered_at = $2 \
               WHERE state IN ('queued', 'sent', 'not_now') AND enrollment_id IN \
               (SELECT id FROM mdm_enrollments WHERE device_id = $1)",
            )
            .bind(auth.device_id.as_str())
            .bind(auth.at),
        )
        .await?;
        tx.execute(
            q(
                "INSERT INTO mdm_cert_bindings (enrollment_id, cert_sha256, not_after, bound_at) \
               VALUES ($1, $2, $3, $4) ON CONFLICT (enrollment_id, cert_sha256) \
               DO UPDATE SET not_after = excluded.not_after",
            )
            .bind(auth.device_id.as_str())
            .bind(auth.cert_sha256.as_str())
            .bind(auth.cert_not_after)
            .bind(auth.at),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn store_token_update(&self, u: &MdmTokenUpdate) -> Result<u64, StoreError> {
        non_empty("id", &u.id)?;
        non_empty("push_token", &u.push_token)?;
        non_empty("push_magic", &u.push_magic)?;
        let mut tx = self.db.begin().await?;
        if u.id != u.device_id {
            // A user channel appears with its first TokenUpdate; it inherits the device's
            // enrollment type and serial.
            tx.execute(
                q(
                    "INSERT INTO mdm_enrollments (id, device_id, channel, enrollment_type, \
                   serial_number, topic, enabled, token_update_tally, awaiting_configuration, \
                   created_at, updated_at) SELECT $1, id, 'user', enrollment_type, \
                   serial_number, $3, 0, 0, 0, $4, $4 FROM mdm_enrollments WHERE id = $2 \
                   ON CONFLICT (id) DO NOTHING",
                )
                .bind(u.id.as_str())
                .bind(u.device_id.as_str())
                .bind(u.topic.as_str())
                .bind(u.at),
            )
            .await?;
        }
        // A new TokenUpdate ends a permanent push failure: the device re-registered, so
        // pushes may be tried again. A transient failure stays until a push is delivered.
        let rows = tx
            .fetch_all(
                q("UPDATE mdm_enrollments SET enabled = 1, \
                   token_update_tally = token_update_tally + 1, topic = $2, push_magic = $3, \
                   push_token = $4, unlock_token = COALESCE($5, unlock_token), \
                   awaiting_configuration = $6, user_id = $7, user_short_name = $8, \
                   user_long_name = $9, token_update_raw = $10, token_updated_at = $11, \
                   checked_out_at = NULL, last_seen_at = $11, updated_at = $11, \
                   push_error = CASE WHEN push_error_permanent = 1 THEN NULL ELSE push_error END, \
                   push_error_at = CASE WHEN push_error_permanent = 1 THEN NULL \
                   ELSE push_error_at END, \
                   push_error_permanent = CASE WHEN push_error_permanent = 1 THEN NULL \
                   ELSE push_error_permanent END \
                   WHERE id = $1 RETURNING token_update_tally")
                .bind(u.id.as_str())
                .bind(u.topic.as_str())
                .bind(u.push_magic.as_str())
                .bind(u.push_token.as_str())
                .bind(u.unlock_token.as_deref())
                .bind(i64::from(u.awaiting_configuration))
                .bind(u.user_id.as_deref())
                .bind(u.user_short_name.as_deref())
                .bind(u.user_long_name.as_deref())
                .bind(u.raw.as_slice())
                .bind(u.at),
            )
            .await?;
        let Some(row) = rows.first() else {
            return Err(StoreError::not_found(format!(
                "MDM enrollment {} (it never authenticated)",
                u.device_id
            )));
        };
        let tally = count(row.as_ref(), "token_update_tally")?;
        tx.commit().await?;
        Ok(tally)
    }

    async fn store_check_out(&self, id: &str, at: OffsetDateTime) -> Result<bool, StoreError> {
        let changed = self
            .db
            .execute(
                q(
                    "UPDATE mdm_enrollments SET enabled = 0, checked_out_at = $2, \
                   updated_at = $2 WHERE id = $1 OR device_id = $1",
                )
                .bind(id)
                .bind(at),
            )
            .await?;
        Ok(changed > 0)
    }

    async fn set_bootstrap_token(
        &self,
        id: &str,
        token: Option<&[u8]>,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let changed = self
            .db
            .execute(
                q(
                    "UPDATE mdm_enrollments SET bootstrap_token = $2, updated_at = $3 \
                   WHERE id = $1",
                )
                .bind(id)
                .bind(token)
                .bind(at),
            )
            .await?;
        Ok(changed > 0)
    }

    async fn touch_mdm_enrollment(&self, id: &str, at: OffsetDateTime) -> Result<(), StoreError> {
        self.db
            .execute(
                q(
                    "UPDATE mdm_enrollments SET last_seen_at = $2 WHERE id = $1 \
                   AND (last_seen_at IS NULL OR last_seen_at < $2)",
                )
                .bind(id)
                .bind(at),
            )
            .await?;
        Ok(())
    }

    async fn mdm_enrollment(&self, id: &str) -> Result<Option<MdmEnrollment>, StoreError> {
        let row = self
            .db
            .fetch_optional(q("SELECT * FROM mdm_enrollments WHERE id = $1").bind(id))
            .await?;
        row.map(|r| enrollment(r.as_ref())).transpose()
    }

    async fn mdm_enrollments_by_serial(
        &self,
        serial: &str,
    ) -> Result<Vec<MdmEnrollment>, StoreError> {
        let rows = self
            .db
            .fetch_all(
                q("SELECT * FROM mdm_enrollments WHERE serial_number = $1 \
                   AND channel = 'device' ORDER BY authenticated_at DESC, id")
                .bind(serial),
            )
            .await?;
        rows.iter().map(|r| enrollment(r.as_ref())).collect()
    }

    async fn list_mdm_enrollments(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<MdmEnrollment>, StoreError> {
        let rows = self
            .db
            .fetch_all(
                q(
                    "SELECT * FROM mdm_enrollments WHERE ($1 IS NULL OR id > $1) \
                   ORDER BY id LIMIT $2",
                )
                .bind(after)
                .bind(i64::from(limit)),
            )
            .await?;
        rows.iter().map(|r| enrollment(r.as_ref())).collect()
    }

    async fn mdm_cert_binding(
        &self,
        cert_sha256: &str,
    ) -> Result<Option<MdmCertBinding>, StoreError> {
        let row = self
            .db
            .fetch_optional(
                q("SELECT * FROM mdm_cert_bindings WHERE cert_sha256 = $1 \
                   ORDER BY bound_at DESC LIMIT 1")
                .bind(cert_sha256),
            )
            .await?;
        row.map(|r| binding(r.as_ref())).transpose()
    }
}
