//! [`MdmScepStore`] on the shared SQL layer.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::{non_empty, q, Row, SqlError, SqlStore};
use crate::{ChallengePurpose, MdmChallenge, MdmIssuedCert, MdmScepStore, StoreError};

fn challenge(row: &dyn Row) -> Result<MdmChallenge, StoreError> {
    let purpose = row.text("purpose")?;
    Ok(MdmChallenge {
        challenge_hash: row.text("challenge_hash")?,
        purpose: ChallengePurpose::parse(&purpose).ok_or_else(|| {
            StoreError::Backend(format!("mdm_challenges.purpose: unknown {purpose:?}"))
        })?,
        enrollment_ref: row.opt_text("enrollment_ref")?,
        created_at: row.time("created_at")?,
        expires_at: row.time("expires_at")?,
        used_at: row.opt_time("used_at")?,
    })
}

fn issued(row: &dyn Row) -> Result<MdmIssuedCert, StoreError> {
    Ok(MdmIssuedCert {
        serial: row.text("serial")?,
        subject: row.text("subject")?,
        sha256: row.text("sha256")?,
        not_after: row.time("not_after")?,
        issued_at: row.time("issued_at")?,
        challenge_hash: row.opt_text("challenge_hash")?,
    })
}

#[async_trait]
impl MdmScepStore for SqlStore {
    async fn insert_mdm_challenge(&self, c: &MdmChallenge) -> Result<(), StoreError> {
        non_empty("challenge_hash", &c.challenge_hash)?;
        if c.expires_at <= c.created_at {
            return Err(StoreError::invalid(
                "expires_at",
                "must be after created_at",
            ));
        }
        let query = q(
            "INSERT INTO mdm_challenges (challenge_hash, purpose, enrollment_ref, created_at, \
             expires_at, used_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(c.challenge_hash.as_str())
        .bind(c.purpose.as_str())
        .bind(c.enrollment_ref.as_deref())
        .bind(c.created_at)
        .bind(c.expires_at)
        .bind(c.used_at);
        match self.db.execute(query).await {
            Ok(_) => Ok(()),
            Err(SqlError::Unique(_)) => Err(StoreError::conflict("challenge hash")),
            Err(e) => Err(e.into()),
        }
    }

    async fn consume_mdm_challenge(
        &self,
        challenge_hash: &str,
        purpose: ChallengePurpose,
        at: OffsetDateTime,
    ) -> Result<Option<MdmChallenge>, StoreError> {
        // One conditional UPDATE: the row lock (PostgreSQL) or the database write lock
        // (SQLite) lets exactly one of two concurrent consumers match `used_at IS NULL`.
        let query = q(
            "UPDATE mdm_challenges SET used_at = $3 WHERE challenge_hash = $1 AND purpose = $2 \
             AND used_at IS NULL AND expires_at > $3 RETURNING *",
        )
        .bind(challenge_hash)
        .bind(purpose.as_str())
        .bind(at);
        self.db
            .fetch_optional(query)
            .await?
            .map(|row| challenge(row.as_ref()))
            .transpose()
    }

    async fn mdm_challenge(
        &self,
        challenge_hash: &str,
    ) -> Result<Option<MdmChallenge>, StoreError> {
        let query =
            q("SELECT * FROM mdm_challenges WHERE challenge_hash = $1").bind(challenge_hash);
        self.db
            .fetch_optional(query)
            .await?
            .map(|row| challenge(row.as_ref()))
            .transpose()
    }

    async fn record_mdm_issued_cert(&self, c: &MdmIssuedCert) -> Result<(), StoreError> {
        non_empty("serial", &c.serial)?;
        non_empty("sha256", &c.sha256)?;
        let query = q(
            "INSERT INTO mdm_issued_certs (serial, subject, sha256, not_after, issued_at, \
             challenge_hash) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(c.serial.as_str())
        .bind(c.subject.as_str())
        .bind(c.sha256.as_str())
        .bind(c.not_after)
        .bind(c.issued_at)
        .bind(c.challenge_hash.as_deref());
        match self.db.execute(query).await {
            Ok(_) => Ok(()),
            Err(SqlError::Unique(_)) => Err(StoreError::conflict(format!(
                "issued certificate serial {}",
                c.serial
            ))),
            Err(e) => Err(e.into()),
        }
    }

    async fn mdm_issued_cert(&self, serial: &str) -> Result<Option<MdmIssuedCert>, StoreError> {
        let query = q("SELECT * FROM mdm_issued_certs WHERE serial = $1").bind(serial);
        self.db
            .fetch_optional(query)
            .await?
            .map(|row| issued(row.as_ref()))
            .transpose()
    }

    async fn mdm_issued_certs_expiring(
        &self,
        before: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<MdmIssuedCert>, StoreError> {
        let query = q(
            "SELECT * FROM mdm_issued_certs WHERE not_after < $1 ORDER BY not_after, serial \
             LIMIT $2",
        )
        .bind(before)
        .bind(i64::from(limit));
        let rows = self.db.fetch_all(query).await?;
        rows.iter().map(|row| issued(row.as_ref())).collect()
    }
}
