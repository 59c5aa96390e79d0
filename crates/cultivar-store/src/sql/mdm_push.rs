//! [`MdmPushCertStore`] on the shared SQL layer.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::{non_empty, q, Row, SqlStore};
use crate::{
    MdmPushActive, MdmPushCert, MdmPushCertStore, MdmPushError, MdmPushFailure, MdmPushPending,
    MdmPushState, StoreError,
};

fn push_cert(row: &dyn Row) -> Result<MdmPushCert, StoreError> {
    let active = match row.opt_text("topic")? {
        Some(topic) => Some(MdmPushActive {
            topic,
            certificate_pem: row.text("certificate_pem")?,
            private_key_sealed: row.bytes("private_key_sealed")?,
            not_before: row.time("not_before")?,
            not_after: row.time("not_after")?,
            uploaded_at: row.time("uploaded_at")?,
        }),
        None => None,
    };
    let pending = match row.opt_bytes("pending_key_sealed")? {
        Some(key_sealed) => Some(MdmPushPending {
            key_sealed,
            csr_pem: row.text("pending_csr_pem")?,
            created_at: row.time("pending_created_at")?,
        }),
        None => None,
    };
    Ok(MdmPushCert { active, pending })
}

fn check_active(a: &MdmPushActive) -> Result<(), StoreError> {
    non_empty("topic", &a.topic)?;
    non_empty("certificate_pem", &a.certificate_pem)?;
    if a.private_key_sealed.is_empty() {
        return Err(StoreError::invalid(
            "private_key_sealed",
            "must not be empty",
        ));
    }
    Ok(())
}

#[async_trait]
impl MdmPushCertStore for SqlStore {
    async fn mdm_push_cert(&self) -> Result<MdmPushCert, StoreError> {
        let row = self
            .db
            .fetch_optional(q("SELECT * FROM mdm_push_cert WHERE id = 1"))
            .await?;
        match row {
            Some(r) => push_cert(r.as_ref()),
            None => Ok(MdmPushCert::default()),
        }
    }

    async fn set_mdm_push_pending(&self, p: &MdmPushPending) -> Result<(), StoreError> {
        non_empty("csr_pem", &p.csr_pem)?;
        if p.key_sealed.is_empty() {
            return Err(StoreError::invalid("key_sealed", "must not be empty"));
        }
        self.db
            .execute(
                q(
                    "INSERT INTO mdm_push_cert (id, pending_key_sealed, pending_csr_pem, \
                   pending_created_at) VALUES (1, $1, $2, $3) ON CONFLICT (id) DO UPDATE SET \
                   pending_key_sealed = $1, pending_csr_pem = $2, pending_created_at = $3",
                )
                .bind(p.key_sealed.as_slice())
                .bind(p.csr_pem.as_str())
                .bind(p.created_at),
            )
            .await?;
        Ok(())
    }

    async fn install_mdm_push_cert(
        &self,
        a: &MdmPushActive,
        consumed_pending: Option<&[u8]>,
    ) -> Result<(), StoreError> {
        check_active(a)?;
        let query = match consumed_pending {
            // Conditional on the pending key: a CSR generated meanwhile must not be lost.
            Some(pending) => q(
                "UPDATE mdm_push_cert SET topic = $1, certificate_pem = $2, \
                   private_key_sealed = $3, not_before = $4, not_after = $5, uploaded_at = $6, \
                   pending_key_sealed = NULL, pending_csr_pem = NULL, pending_created_at = NULL \
                   WHERE id = 1 AND pending_key_sealed = $7",
            )
            .bind(a.topic.as_str())
            .bind(a.certificate_pem.as_str())
            .bind(a.private_key_sealed.as_slice())
            .bind(a.not_before)
            .bind(a.not_after)
            .bind(a.uploaded_at)
            .bind(pending),
            None => q(
                "INSERT INTO mdm_push_cert (id, topic, certificate_pem, private_key_sealed, \
                   not_before, not_after, uploaded_at) VALUES (1, $1, $2, $3, $4, $5, $6) \
                   ON CONFLICT (id) DO UPDATE SET topic = $1, certificate_pem = $2, \
                   private_key_sealed = $3, not_before = $4, not_after = $5, uploaded_at = $6",
            )
            .bind(a.topic.as_str())
            .bind(a.certificate_pem.as_str())
            .bind(a.private_key_sealed.as_slice())
            .bind(a.not_before)
            .bind(a.not_after)
            .bind(a.uploaded_at),
        };
        let changed = self.db.execute(query).await?;
        if changed == 0 {
            return Err(StoreError::conflict(
                "push certificate: the pending key changed (a newer CSR was generated)",
            ));
        }
        Ok(())
    }

    async fn record_mdm_push(
        &self,
        enrollment_id: &str,
        failure: Option<&MdmPushFailure>,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let query = match failure {
            Some(f) => {
                non_empty("reason", &f.reason)?;
                q(
                    "UPDATE mdm_enrollments SET push_attempt_at = $2, push_error = $3, \
                   push_error_at = $2, push_error_permanent = $4 WHERE id = $1",
                )
                .bind(enrollment_id)
                .bind(at)
                .bind(f.reason.as_str())
                .bind(i64::from(f.permanent))
            }
            None => q(
                "UPDATE mdm_enrollments SET push_attempt_at = $2, push_delivered_at = $2, \
                   push_error = NULL, push_error_at = NULL, push_error_permanent = NULL \
                   WHERE id = $1",
            )
            .bind(enrollment_id)
            .bind(at),
        };
        Ok(self.db.execute(query).await? > 0)
    }

    async fn mdm_push_state(
        &self,
        enrollment_id: &str,
    ) -> Result<Option<MdmPushState>, StoreError> {
        let row = self
            .db
            .fetch_optional(
                q(
                    "SELECT id, push_attempt_at, push_delivered_at, push_error, push_error_at, \
                   push_error_permanent FROM mdm_enrollments WHERE id = $1",
                )
                .bind(enrollment_id),
            )
            .await?;
        let Some(row) = row else { return Ok(None) };
        let id = row.text("id")?;
        let error = match (row.opt_text("push_error")?, row.opt_time("push_error_at")?) {
            (Some(reason), Some(at)) => Some(MdmPushError {
                enrollment_id: id.clone(),
                reason,
                at,
                permanent: row.opt_i64("push_error_permanent")?.unwrap_or(0) != 0,
            }),
            _ => None,
        };
        Ok(Some(MdmPushState {
            enrollment_id: id,
            attempted_at: row.opt_time("push_attempt_at")?,
            delivered_at: row.opt_time("push_delivered_at")?,
            error,
        }))
    }
}
