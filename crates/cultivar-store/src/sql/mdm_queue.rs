//! [`MdmCommandStore`] on the shared SQL layer: one queue row per (channel, command), claimed
//! with a single conditional `UPDATE … RETURNING` so no command goes to two requests.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::{
    count,
    mdm_exchange::{self, Plan},
    non_empty, q, Row, SqlStore,
};
use crate::{
    MdmCommandEntry, MdmCommandQuery, MdmCommandStore, MdmEnqueued, MdmExchange, MdmExchanged,
    MdmQueuedCommand, MdmReport, MdmReportEntry, NewMdmCommand, NextCommand, StoreError,
};

/// Most channels one enqueue may name (one transaction).
const MAX_TARGETS: usize = 10_000;

fn entry(row: &dyn Row) -> Result<MdmCommandEntry, StoreError> {
    let error_chain = row
        .opt_text("error_chain")?
        .map(|t| serde_json::from_str(&t))
        .transpose()
        .map_err(|e| StoreError::Backend(format!("column error_chain: {e}")))?;
    Ok(MdmCommandEntry {
        enrollment_id: row.text("enrollment_id")?,
        command_uuid: row.text("command_uuid")?,
        request_type: row.text("request_type")?,
        state: row.text("state")?.parse()?,
        seq: row.i64("seq")?,
        queued_at: row.time("queued_at")?,
        sent_at: row.opt_time("sent_at")?,
        answered_at: row.opt_time("answered_at")?,
        deliveries: count(row, "deliveries")?,
        not_now_count: count(row, "not_now_count")?,
        last_not_now_at: row.opt_time("last_not_now_at")?,
        error_chain,
        result_raw: row.opt_bytes("result_raw")?,
    })
}

fn validate_command(command: &NewMdmCommand, ids: &[String]) -> Result<(), StoreError> {
    non_empty("command_uuid", &command.command_uuid)?;
    non_empty("request_type", &command.request_type)?;
    if command.raw.is_empty() {
        return Err(StoreError::invalid("command", "must not be empty"));
    }
    if ids.len() > MAX_TARGETS {
        return Err(StoreError::invalid(
            "enrollment_ids",
            format!("at most {MAX_TARGETS} per command (got {})", ids.len()),
        ));
    }
    Ok(())
}

#[async_trait]
impl MdmCommandStore for SqlStore {
    async fn enqueue_mdm_command(
        &self,
        command: &NewMdmCommand,
        enrollment_ids: &[String],
    ) -> Result<MdmEnqueued, StoreError> {
        validate_command(command, enrollment_ids)?;
        let mut tx = self.db.begin().await?;
        let inserted = tx
            .execute(
                q(
                    "INSERT INTO mdm_commands (command_uuid, request_type, raw, created_at) \
                   VALUES ($1, $2, $3, $4) ON CONFLICT (command_uuid) DO NOTHING",
                )
                .bind(command.command_uuid.as_str())
                .bind(command.request_type.as_str())
                .bind(command.raw.as_slice())
                .bind(command.at),
            )
            .await?;
        if inserted == 0 {
            return Err(StoreError::conflict(format!(
                "command {} was queued before; every command needs a new CommandUUID",
                command.command_uuid
            )));
        }
        let mut out = MdmEnqueued::default();
        for id in dedup(enrollment_ids) {
            let added = tx
                .execute(
                    q(
                        "INSERT INTO mdm_queue (enrollment_id, command_uuid, seq, state, \
                       queued_at, deliveries, not_now_count) SELECT e.id, c.command_uuid, \
                       c.seq, 'queued', $3, 0, 0 FROM mdm_enrollments e, mdm_commands c \
                       WHERE e.id = $1 AND c.command_uuid = $2",
                    )
                    .bind(id.as_str())
                    .bind(command.command_uuid.as_str())
                    .bind(command.at),
                )
                .await?;
            if added == 1 {
                out.queued.push(id);
            } else {
                out.unknown.push(id);
            }
        }
        tx.commit().await?;
        Ok(out)
    }

    async fn next_mdm_command(
        &self,
        enrollment_id: &str,
        mode: NextCommand,
        at: OffsetDateTime,
    ) -> Result<Option<MdmQueuedCommand>, StoreError> {
        let plan = Plan {
            enrollment_id,
            report: None,
            inventory: None,
            touch: false,
            claim: true,
            idle: mode == NextCommand::AfterIdle,
            at,
            cert: None,
        };
        Ok(self.run_plan(&plan).await?.next)
    }

    async fn record_mdm_report(
        &self,
        r: &MdmReport,
    ) -> Result<Option<MdmCommandEntry>, StoreError> {
        mdm_exchange::validate_report(r)?;
        let plan = Plan {
            enrollment_id: &r.enrollment_id,
            report: Some(r),
            inventory: None,
            touch: false,
            claim: false,
            idle: false,
            at: r.at,
            cert: None,
        };
        self.run_plan(&plan).await?;
        self.mdm_command_entry(&r.enrollment_id, &r.command_uuid)
            .await
    }

    async fn mdm_exchange(&self, exchange: &MdmExchange) -> Result<MdmExchanged, StoreError> {
        self.exchange(exchange).await
    }

    async fn cancel_mdm_command(
        &self,
        command_uuid: &str,
        enrollment_id: Option<&str>,
        at: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let changed = self
            .db
            .execute(
                q(
                    "UPDATE mdm_queue SET state = 'cancelled', answered_at = $3 \
                   WHERE command_uuid = $1 AND ($2 IS NULL OR enrollment_id = $2) \
                   AND state IN ('queued', 'not_now')",
                )
                .bind(command_uuid)
                .bind(enrollment_id)
                .bind(at),
            )
            .await?;
        Ok(changed)
    }

    async fn list_mdm_commands(
        &self,
        query: &MdmCommandQuery,
    ) -> Result<Vec<MdmCommandEntry>, StoreError> {
        let states: Vec<Option<String>> = query
            .states
            .iter()
            .map(|s| Some(s.as_str().to_owned()))
            .collect();
        let any_state = i64::from(states.is_empty());
        let sql = match self.db.backend() {
            crate::Backend::Sqlite => LIST_SQLITE,
            crate::Backend::Postgres => LIST_POSTGRES,
        };
        let rows = self
            .db
            .fetch_all(
                q(sql)
                    .bind(query.enrollment_id.as_str())
                    .bind(any_state)
                    .bind(states)
                    .bind(query.request_type.as_deref())
                    .bind(query.since)
                    .bind(query.until)
                    .bind(query.before_seq)
                    .bind(i64::from(query.limit.clamp(1, 1000))),
            )
            .await?;
        rows.iter().map(|r| entry(r.as_ref())).collect()
    }

    async fn mdm_command_entry(
        &self,
        enrollment_id: &str,
        command_uuid: &str,
    ) -> Result<Option<MdmCommandEntry>, StoreError> {
        let row = self
            .db
            .fetch_optional(q(ENTRY_ONE).bind(enrollment_id).bind(command_uuid))
            .await?;
        row.map(|r| entry(r.as_ref())).transpose()
    }

    async fn mdm_command_reports(
        &self,
        enrollment_id: &str,
        command_uuid: &str,
    ) -> Result<Vec<MdmReportEntry>, StoreError> {
        let rows = self
            .db
            .fetch_all(
                q("SELECT status, raw, received_at FROM mdm_command_reports \
                   WHERE enrollment_id = $1 AND command_uuid = $2 ORDER BY id")
                .bind(enrollment_id)
                .bind(command_uuid),
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(MdmReportEntry {
                    status: r.text("status")?,
                    raw: r.bytes("raw")?,
                    received_at: r.time("received_at")?,
                })
            })
            .collect()
    }
}

macro_rules! entry_sql {
    ($tail:literal) => {
        concat!(
            "SELECT q.enrollment_id, q.command_uuid, c.request_type, q.state, q.seq, \
             q.queued_at, q.sent_at, q.answered_at, q.deliveries, q.not_now_count, \
             q.last_not_now_at, q.error_chain, q.result_raw \
             FROM mdm_queue q JOIN mdm_commands c ON c.command_uuid = q.command_uuid ",
            $tail
        )
    };
}

const ENTRY_ONE: &str = entry_sql!("WHERE q.enrollment_id = $1 AND q.command_uuid = $2");

const LIST_SQLITE: &str = entry_sql!(
    "WHERE q.enrollment_id = $1 AND ($2 = 1 OR q.state IN (SELECT value FROM json_each($3))) \
     AND ($4 IS NULL OR c.request_type = $4) AND ($5 IS NULL OR q.queued_at >= $5) \
     AND ($6 IS NULL OR q.queued_at < $6) AND ($7 IS NULL OR q.seq < $7) \
     ORDER BY q.seq DESC LIMIT $8"
);

const LIST_POSTGRES: &str = entry_sql!(
    "WHERE q.enrollment_id = $1 AND ($2 = 1 OR q.state = ANY($3)) \
     AND ($4::text IS NULL OR c.request_type = $4) \
     AND ($5::timestamptz IS NULL OR q.queued_at >= $5) \
     AND ($6::timestamptz IS NULL OR q.queued_at < $6) AND ($7::bigint IS NULL OR q.seq < $7) \
     ORDER BY q.seq DESC LIMIT $8"
);

/// The ids in order, without repeats.
fn dedup(ids: &[String]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    ids.iter()
        .filter(|id| seen.insert(id.as_str()))
        .cloned()
        .collect()
}
