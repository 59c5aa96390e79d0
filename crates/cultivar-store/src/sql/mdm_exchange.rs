//! One command-channel request as one transaction: the report settled (with the inventory of
//! an acknowledged `DeviceInformation`), the channel's last contact (and, on an Idle poll, its
//! session) noted, the next command claimed. [`MdmCommandStore::record_mdm_report`] and
//! [`MdmCommandStore::next_mdm_command`] run some of the same steps.
//!
//! Every step is one static statement over the same numbered arguments ($1 … $20), guarded in
//! SQL by flags, so the steps can run as one script. On SQLite the exchange is one script,
//! handed to the database thread once (each statement sent on its own costs a thread hand-off)
//! and committed together with the others that arrived meanwhile (see `sqlite::batch`). On
//! PostgreSQL the needed steps run one by one in a transaction (PostgreSQL prepares one
//! statement at a time and the server takes concurrent writers).

use time::OffsetDateTime;

use super::{mdm_checkin::check_inventory, non_empty, Arg, Query, Row, SqlStore};
use crate::{
    Backend, CommandState, MdmCertCheck, MdmExchange, MdmExchanged, MdmInventoryUpdate,
    MdmQueuedCommand, MdmReport, NextCommand, StoreError,
};

/// How long a command handed out without an answer waits before an Idle poll may have it
/// again (its response was lost). Until then it is in flight and goes to nobody else, so
/// two requests racing never both receive it.
pub const REDELIVER_AFTER: time::Duration = time::Duration::minutes(5);

// The arguments: $1 channel, $2 command UUID, $3 status, $4 raw report, $5 time, $6 ErrorChain,
// $7 has a report, $8 the state an answer moves to, $9 is NotNow, $10 is an Idle poll (new
// session, may redeliver), $11 redeliver what was sent before this, $12 inventory JSON,
// $13-$17 device name, OS version, build, product, model, $18 note the contact, $19 claim,
// $20 inventory time, $21 the identity certificate's SHA-256 (NULL: not checked), $22 the
// device channel it must be bound to.

// Every write is guarded by the certificate check, so a refused request changes nothing.
macro_rules! bound {
    () => {
        " AND ($21 IS NULL OR $22 = (SELECT b.enrollment_id FROM mdm_cert_bindings b \
         WHERE b.cert_sha256 = $21 ORDER BY b.bound_at DESC LIMIT 1))"
    };
}

/// Whom the certificate is bound to (its latest binding).
macro_rules! binding {
    () => {
        "SELECT 'binding' AS step, enrollment_id FROM mdm_cert_bindings \
         WHERE $21 IS NOT NULL AND cert_sha256 = $21 ORDER BY bound_at DESC LIMIT 1"
    };
}

macro_rules! insert_report {
    () => {
        concat!(
            "INSERT INTO mdm_command_reports (enrollment_id, command_uuid, status, raw, \
             received_at) SELECT id, $2, $3, $4, $5 FROM mdm_enrollments WHERE id = $1 \
             AND $7 = 1",
            bound!()
        )
    };
}

/// Returns the request type of the command a report settled.
macro_rules! settled {
    () => {
        " RETURNING 'settled' AS step, (SELECT c.request_type FROM mdm_commands c \
         WHERE c.command_uuid = mdm_queue.command_uuid) AS request_type"
    };
}

// NotNow: waits for a later session (`not_now_session`).
macro_rules! not_now {
    () => {
        concat!(
            "UPDATE mdm_queue SET state = 'not_now', not_now_count = not_now_count + 1, \
             last_not_now_at = $5, result_raw = $4, not_now_session = (SELECT session_seq \
             FROM mdm_enrollments WHERE id = $1) WHERE $9 = 1 AND enrollment_id = $1 \
             AND command_uuid = $2 AND state IN ('queued', 'sent', 'not_now')",
            bound!(),
            settled!()
        )
    };
}

// A late report on a cancelled command is kept in the history only.
macro_rules! answered {
    () => {
        concat!(
            "UPDATE mdm_queue SET state = $8, answered_at = $5, result_raw = $4, \
             error_chain = $6 WHERE $8 IS NOT NULL AND enrollment_id = $1 \
             AND command_uuid = $2 AND state <> 'cancelled'",
            bound!(),
            settled!()
        )
    };
}

// Only a DeviceInformation this very report acknowledged stores inventory.
macro_rules! inventory {
    () => {
        concat!(
            "UPDATE mdm_enrollments SET inventory = $12, inventory_at = $20, \
         device_name = COALESCE($13, device_name), os_version = COALESCE($14, os_version), \
         build_version = COALESCE($15, build_version), \
         product_name = COALESCE($16, product_name), model = COALESCE($17, model), \
         updated_at = $20 WHERE id = $1 AND $12 IS NOT NULL AND $3 = 'Acknowledged' \
         AND EXISTS (SELECT 1 FROM mdm_queue q JOIN mdm_commands c \
         ON c.command_uuid = q.command_uuid WHERE q.enrollment_id = $1 \
         AND q.command_uuid = $2 AND q.state = 'acknowledged' AND q.answered_at = $5 \
         AND c.request_type = 'DeviceInformation')",
            bound!()
        )
    };
}

// An Idle poll opens a new session: NotNow'd commands of earlier sessions become due.
macro_rules! touch {
    () => {
        concat!(
            "UPDATE mdm_enrollments SET session_seq = session_seq + $10, last_seen_at = CASE \
             WHEN $18 = 1 AND (last_seen_at IS NULL OR last_seen_at < $5) THEN $5 \
             ELSE last_seen_at END WHERE id = $1 AND ($18 = 1 OR $10 = 1)",
            bound!()
        )
    };
}

// The state test is repeated in the outer WHERE so a concurrent claim of the same row (which
// re-checks the row after waiting for the first one's lock) matches nothing. The command
// itself comes back with the claim.
macro_rules! claim {
    () => {
        concat!(
            "UPDATE mdm_queue SET state = 'sent', sent_at = $5, deliveries = deliveries + 1 \
             WHERE $19 = 1 AND enrollment_id = $1 AND seq = (SELECT seq FROM mdm_queue \
             WHERE enrollment_id = $1 AND (state = 'queued' OR (state = 'not_now' \
             AND not_now_session < (SELECT session_seq FROM mdm_enrollments WHERE id = $1)) \
             OR (state = 'sent' AND $10 = 1 AND sent_at < $11)) ORDER BY seq LIMIT 1) \
             AND (state = 'queued' OR state = 'not_now' OR (state = 'sent' AND $10 = 1 \
             AND sent_at < $11))",
            bound!(),
            " RETURNING 'claimed' AS step, command_uuid, \
             (SELECT c.request_type FROM mdm_commands c \
             WHERE c.command_uuid = mdm_queue.command_uuid) AS request_type, \
             (SELECT c.raw FROM mdm_commands c \
             WHERE c.command_uuid = mdm_queue.command_uuid) AS raw"
        )
    };
}

/// The whole exchange as one SQLite script (see `Db::script` for the savepoint).
const SCRIPT: &str = concat!(
    "SAVEPOINT script; ",
    binding!(),
    "; ",
    insert_report!(),
    "; ",
    not_now!(),
    "; ",
    answered!(),
    "; ",
    inventory!(),
    "; ",
    touch!(),
    "; ",
    claim!(),
    "; RELEASE SAVEPOINT script"
);

/// What one request does; see [`MdmExchange`].
pub(super) struct Plan<'a> {
    pub enrollment_id: &'a str,
    pub report: Option<&'a MdmReport>,
    pub inventory: Option<&'a MdmInventoryUpdate>,
    /// Note the contact (`last_seen_at`).
    pub touch: bool,
    /// Claim the next command.
    pub claim: bool,
    /// Open a new session (an Idle poll).
    pub idle: bool,
    pub at: OffsetDateTime,
    /// Write only if this certificate is bound to that device channel.
    pub cert: Option<&'a MdmCertCheck>,
}

impl Plan<'_> {
    /// The steps to run one by one, each with whether this plan needs it.
    fn steps(&self) -> [(&'static str, bool); 7] {
        let status = self.report.map(|r| CommandState::from_status(&r.status));
        [
            (binding!(), self.cert.is_some()),
            (insert_report!(), self.report.is_some()),
            (not_now!(), status == Some(Some(CommandState::NotNow))),
            (
                answered!(),
                matches!(status, Some(Some(s)) if s != CommandState::NotNow),
            ),
            (inventory!(), self.inventory.is_some()),
            (touch!(), self.touch || self.idle),
            (claim!(), self.claim),
        ]
    }

    fn args(&self) -> Vec<Arg> {
        let r = self.report;
        let state = r
            .and_then(|r| CommandState::from_status(&r.status))
            .filter(|s| *s != CommandState::NotNow)
            .map(|s| s.as_str().to_owned());
        let inv = self.inventory;
        let text = |f: fn(&MdmInventoryUpdate) -> &Option<String>| inv.and_then(|u| f(u).clone());
        let flag = |b: bool| Arg::from(i64::from(b));
        vec![
            Arg::from(self.enrollment_id),
            Arg::from(r.map_or("", |r| r.command_uuid.as_str())),
            Arg::from(r.map_or("", |r| r.status.as_str())),
            Arg::from(r.map(|r| r.raw.as_slice())),
            Arg::from(self.at),
            Arg::from(
                r.and_then(|r| r.error_chain.as_ref())
                    .map(|c| c.to_string()),
            ),
            flag(r.is_some()),
            Arg::from(state),
            flag(r.is_some_and(|r| r.status == "NotNow")),
            flag(self.idle),
            Arg::from(self.at - REDELIVER_AFTER),
            Arg::from(inv.map(|u| u.inventory.to_string())),
            Arg::from(text(|u| &u.device_name)),
            Arg::from(text(|u| &u.os_version)),
            Arg::from(text(|u| &u.build_version)),
            Arg::from(text(|u| &u.product_name)),
            Arg::from(text(|u| &u.model)),
            flag(self.touch),
            flag(self.claim),
            Arg::from(inv.map_or(self.at, |u| u.at)),
            Arg::from(self.cert.map(|c| c.cert_sha256.as_str())),
            Arg::from(self.cert.map(|c| c.device_id.as_str())),
        ]
    }
}

pub(super) fn validate_report(r: &MdmReport) -> Result<(), StoreError> {
    non_empty("command_uuid", &r.command_uuid)?;
    non_empty("status", &r.status)
}

impl SqlStore {
    /// Runs a plan in one transaction: as one script where the backend takes one, else step
    /// by step.
    pub(super) async fn run_plan(&self, plan: &Plan<'_>) -> Result<MdmExchanged, StoreError> {
        let args = plan.args();
        let rows = match self.db.backend() {
            Backend::Sqlite => self.db.script(Query { sql: SCRIPT, args }).await?,
            Backend::Postgres => self.run_steps(plan, args).await?,
        };
        outcome(&rows)
    }

    /// The plan's needed steps one by one in a transaction.
    async fn run_steps(
        &self,
        plan: &Plan<'_>,
        args: Vec<Arg>,
    ) -> Result<Vec<Box<dyn Row>>, StoreError> {
        let mut tx = self.db.begin().await?;
        let mut rows = Vec::new();
        for (sql, needed) in plan.steps() {
            if needed {
                let step = Query {
                    sql,
                    args: args.clone(),
                };
                rows.extend(tx.fetch_all(step).await?);
            }
            // Not bound: the guarded writes would change nothing; skip them.
            if sql == binding!() && !is_bound(plan.cert, &rows)? {
                break;
            }
        }
        tx.commit().await?;
        Ok(rows)
    }

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
        if let Some(u) = &x.inventory {
            check_inventory(u)?;
            if u.enrollment_id != x.enrollment_id {
                return Err(StoreError::invalid(
                    "inventory.enrollment_id",
                    "must be the exchange's enrollment",
                ));
            }
        }
        self.run_plan(&Plan {
            enrollment_id: &x.enrollment_id,
            report: x.report.as_ref(),
            inventory: x.inventory.as_ref(),
            touch: true,
            claim: true,
            idle: x.mode == NextCommand::AfterIdle,
            at: x.at,
            cert: x.cert.as_ref(),
        })
        .await
    }
}

/// Whether the binding row (if any) names the device channel the check asks for.
fn is_bound(cert: Option<&MdmCertCheck>, rows: &[Box<dyn Row>]) -> Result<bool, StoreError> {
    let Some(check) = cert else {
        return Ok(true);
    };
    match rows.first() {
        Some(row) => Ok(row.text("enrollment_id")? == check.device_id),
        None => Ok(false),
    }
}

/// Reads the rows the steps returned: the settled command's type and the claimed command.
fn outcome(rows: &[Box<dyn Row>]) -> Result<MdmExchanged, StoreError> {
    let mut out = MdmExchanged {
        cert_bound_to: None,
        settled_request_type: None,
        next: None,
    };
    for row in rows {
        match row.text("step")?.as_str() {
            "binding" => out.cert_bound_to = Some(row.text("enrollment_id")?),
            "settled" => out.settled_request_type = row.opt_text("request_type")?,
            "claimed" => {
                out.next = Some(MdmQueuedCommand {
                    command_uuid: row.text("command_uuid")?,
                    request_type: row.text("request_type")?,
                    raw: row.bytes("raw")?,
                })
            }
            other => {
                return Err(StoreError::Backend(format!(
                    "exchange: unknown step {other}"
                )))
            }
        }
    }
    Ok(out)
}
