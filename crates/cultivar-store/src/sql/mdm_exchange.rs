//! One command-channel request as one transaction: the report settled (with the inventory of
//! an acknowledged `DeviceInformation`), the channel's last contact (and, on an Idle poll, its
//! session) noted, the next command claimed. The steps are
//! shared with [`MdmCommandStore::record_mdm_report`] and
//! [`MdmCommandStore::next_mdm_command`], which run them alone.

use time::OffsetDateTime;

use super::{mdm_checkin::inventory_query, non_empty, q, SqlStore, Tx};
use crate::{
    CommandState, MdmExchange, MdmExchanged, MdmQueuedCommand, MdmReport, NextCommand, StoreError,
};

/// How long a command handed out without an answer waits before an Idle poll may have it
/// again (its response was lost). Until then it is in flight and goes to nobody else, so
/// two requests racing never both receive it.
pub const REDELIVER_AFTER: time::Duration = time::Duration::minutes(5);

/// Whether a mode may hand out a command sent earlier without an answer: only an Idle poll,
/// which says the device holds no command.
fn redelivers(mode: NextCommand) -> i64 {
    i64::from(mode == NextCommand::AfterIdle)
}

// A NotNow'd command is offered only in a session after the one it was put off in (a session
// opens with an Idle poll, which bumps `session_seq` first). The state test is repeated in the
// outer WHERE so a concurrent claim of the same row (which re-checks the row after waiting for
// the first one's lock) matches nothing. The command itself comes back with the claim.
const CLAIM: &str = "UPDATE mdm_queue SET state = 'sent', sent_at = $3, \
     deliveries = deliveries + 1 WHERE enrollment_id = $1 AND seq = \
     (SELECT seq FROM mdm_queue WHERE enrollment_id = $1 AND (state = 'queued' \
     OR (state = 'not_now' AND not_now_session < (SELECT session_seq FROM mdm_enrollments \
     WHERE id = $1)) OR (state = 'sent' AND $2 = 1 AND sent_at < $4)) ORDER BY seq LIMIT 1) \
     AND (state = 'queued' OR state = 'not_now' OR (state = 'sent' AND $2 = 1 AND sent_at < $4)) \
     RETURNING command_uuid, \
     (SELECT c.request_type FROM mdm_commands c WHERE c.command_uuid = mdm_queue.command_uuid) \
     AS request_type, \
     (SELECT c.raw FROM mdm_commands c WHERE c.command_uuid = mdm_queue.command_uuid) AS raw";

/// An update of a queue row that returns the command's request type.
macro_rules! returning_request_type {
    ($update:literal) => {
        concat!(
            $update,
            " RETURNING (SELECT c.request_type FROM mdm_commands c \
             WHERE c.command_uuid = mdm_queue.command_uuid) AS request_type"
        )
    };
}

const NOT_NOW: &str = returning_request_type!(
    "UPDATE mdm_queue SET state = 'not_now', not_now_count = not_now_count + 1, \
     last_not_now_at = $3, result_raw = $4, not_now_session = (SELECT session_seq \
     FROM mdm_enrollments WHERE id = $1) WHERE enrollment_id = $1 AND command_uuid = $2 \
     AND state IN ('queued', 'sent', 'not_now')"
);

// A late report on a cancelled command is kept in the history only.
const ANSWERED: &str = returning_request_type!(
    "UPDATE mdm_queue SET state = $3, answered_at = $4, result_raw = $5, error_chain = $6 \
     WHERE enrollment_id = $1 AND command_uuid = $2 AND state <> 'cancelled'"
);

pub(super) fn validate_report(r: &MdmReport) -> Result<(), StoreError> {
    non_empty("command_uuid", &r.command_uuid)?;
    non_empty("status", &r.status)
}

/// Stores the report in the history and moves its command's state. Returns the settled
/// command's request type (`None` when no waiting row matched).
pub(super) async fn settle(tx: &mut dyn Tx, r: &MdmReport) -> Result<Option<String>, StoreError> {
    tx.execute(
        q(
            "INSERT INTO mdm_command_reports (enrollment_id, command_uuid, status, raw, \
               received_at) SELECT id, $2, $3, $4, $5 FROM mdm_enrollments WHERE id = $1",
        )
        .bind(r.enrollment_id.as_str())
        .bind(r.command_uuid.as_str())
        .bind(r.status.as_str())
        .bind(r.raw.as_slice())
        .bind(r.at),
    )
    .await?;
    let rows = match CommandState::from_status(&r.status) {
        Some(CommandState::NotNow) => {
            tx.fetch_all(
                q(NOT_NOW)
                    .bind(r.enrollment_id.as_str())
                    .bind(r.command_uuid.as_str())
                    .bind(r.at)
                    .bind(r.raw.as_slice()),
            )
            .await?
        }
        Some(state) => {
            let chain = r.error_chain.as_ref().map(|c| c.to_string());
            tx.fetch_all(
                q(ANSWERED)
                    .bind(r.enrollment_id.as_str())
                    .bind(r.command_uuid.as_str())
                    .bind(state.as_str())
                    .bind(r.at)
                    .bind(r.raw.as_slice())
                    .bind(chain),
            )
            .await?
        }
        None => Vec::new(),
    };
    rows.first().map(|row| row.text("request_type")).transpose()
}

/// Claims the channel's next command (see [`CLAIM`]) and marks it sent.
pub(super) async fn claim(
    tx: &mut dyn Tx,
    enrollment_id: &str,
    mode: NextCommand,
    at: OffsetDateTime,
) -> Result<Option<MdmQueuedCommand>, StoreError> {
    let rows = tx
        .fetch_all(
            q(CLAIM)
                .bind(enrollment_id)
                .bind(redelivers(mode))
                .bind(at)
                .bind(at - REDELIVER_AFTER),
        )
        .await?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    Ok(Some(MdmQueuedCommand {
        command_uuid: row.text("command_uuid")?,
        request_type: row.text("request_type")?,
        raw: row.bytes("raw")?,
    }))
}

/// Notes the contact and, on an Idle poll, opens a new session (NotNow'd commands of earlier
/// sessions become due again).
pub(super) async fn touch(
    tx: &mut dyn Tx,
    enrollment_id: &str,
    mode: NextCommand,
    at: OffsetDateTime,
) -> Result<(), StoreError> {
    tx.execute(
        q(
            "UPDATE mdm_enrollments SET session_seq = session_seq + $2, \
             last_seen_at = CASE WHEN last_seen_at IS NULL OR last_seen_at < $3 THEN $3 \
             ELSE last_seen_at END WHERE id = $1",
        )
        .bind(enrollment_id)
        .bind(i64::from(mode == NextCommand::AfterIdle))
        .bind(at),
    )
    .await?;
    Ok(())
}

impl SqlStore {
    pub(super) async fn exchange(&self, x: &MdmExchange) -> Result<MdmExchanged, StoreError> {
        non_empty("enrollment_id", &x.enrollment_id)?;
        if let Some(r) = &x.report {
            validate_report(r)?;
            if r.enrollment_id != x.enrollment_id {
                return Err(StoreError::invalid(
                    "report.enrollment_id",
                    "must be the exchange's enrollment",
                ));
            }
        }
        if x.inventory
            .as_ref()
            .is_some_and(|u| u.enrollment_id != x.enrollment_id)
        {
            return Err(StoreError::invalid(
                "inventory.enrollment_id",
                "must be the exchange's enrollment",
            ));
        }
        let inventory = x.inventory.as_ref().map(inventory_query).transpose()?;
        let mut tx = self.db.begin().await?;
        let settled = match &x.report {
            Some(r) => settle(tx.as_mut(), r).await?,
            None => None,
        };
        let acknowledged = x
            .report
            .as_ref()
            .is_some_and(|r| r.status == "Acknowledged");
        if let (Some(update), true, Some("DeviceInformation")) =
            (inventory, acknowledged, settled.as_deref())
        {
            tx.execute(update).await?;
        }
        touch(tx.as_mut(), &x.enrollment_id, x.mode, x.at).await?;
        let next = claim(tx.as_mut(), &x.enrollment_id, x.mode, x.at).await?;
        tx.commit().await?;
        Ok(MdmExchanged {
            settled_request_type: settled,
            next,
        })
    }
}
