use async_trait::async_trait;
use time::OffsetDateTime;

use crate::{
    MdmAuthenticate, MdmCertBinding, MdmCommandEntry, MdmCommandQuery, MdmEnqueued, MdmEnrollment,
    MdmExchange, MdmExchanged, MdmQueuedCommand, MdmReport, MdmReportEntry, MdmTokenUpdate,
    NewMdmCommand, NextCommand, StoreError,
};

/// MDM channels through their check-in lifecycle, and the certificates bound to them.
#[async_trait]
pub trait MdmEnrollmentStore: Send + Sync {
    /// Stores an `Authenticate`, in one transaction: creates or resets the channel (disabled,
    /// tally 0, bootstrap token cleared), cancels what was still queued for it and its user
    /// channels (a device that enrolls again starts with an empty queue), and binds the
    /// certificate to the device channel. `Conflict` when the certificate is bound to another
    /// device channel (nothing is stored); `Invalid` for an empty id, topic or hash.
    async fn store_authenticate(&self, auth: &MdmAuthenticate) -> Result<(), StoreError>;

    /// Stores a `TokenUpdate`: enables the channel, keeps push token and magic, bumps the
    /// tally, clears a permanent push failure and returns the tally (1 = the enrollment just
    /// completed). A user channel is created
    /// on its first TokenUpdate; `NotFound` when its device channel (or, for a device
    /// channel, the channel itself) never authenticated.
    async fn store_token_update(&self, update: &MdmTokenUpdate) -> Result<u64, StoreError>;

    /// `CheckOut`: disables the channel and, for a device channel, its user channels.
    /// Returns whether the channel exists.
    async fn store_check_out(&self, id: &str, at: OffsetDateTime) -> Result<bool, StoreError>;

    /// Sets (`Some`, sealed) or deletes (`None`) the device's bootstrap token. Whether the
    /// channel exists.
    async fn set_bootstrap_token(
        &self,
        id: &str,
        token: Option<&[u8]>,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError>;

    /// Records contact (`last_seen_at`), never moving it backwards.
    async fn touch_mdm_enrollment(&self, id: &str, at: OffsetDateTime) -> Result<(), StoreError>;

    /// The channel with this id; `None` if there is none.
    async fn mdm_enrollment(&self, id: &str) -> Result<Option<MdmEnrollment>, StoreError>;

    /// The device channels of a serial number, most recently authenticated first.
    async fn mdm_enrollments_by_serial(
        &self,
        serial: &str,
    ) -> Result<Vec<MdmEnrollment>, StoreError>;

    /// Up to `limit` channels ordered by id, after `after` (keyset).
    async fn list_mdm_enrollments(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<MdmEnrollment>, StoreError>;

    /// The binding of this certificate hash; `None` if it was never bound.
    async fn mdm_cert_binding(
        &self,
        cert_sha256: &str,
    ) -> Result<Option<MdmCertBinding>, StoreError>;
}

/// The per-channel command queue and its history (the MDM activity log).
#[async_trait]
pub trait MdmCommandStore: Send + Sync {
    /// Queues one command for many channels in one transaction. Unknown ids are reported,
    /// not queued. `Conflict` when the command UUID was used before; `Invalid` for an empty
    /// UUID, request type or command.
    async fn enqueue_mdm_command(
        &self,
        command: &NewMdmCommand,
        enrollment_ids: &[String],
    ) -> Result<MdmEnqueued, StoreError>;

    /// Claims the channel's next command in queue order (see [`NextCommand`]) and marks it
    /// sent. A command is handed to one request only: a concurrent request claiming the same
    /// row gets nothing, and a handed-out command is offered again only to an Idle poll five
    /// minutes later (its answer never came).
    async fn next_mdm_command(
        &self,
        enrollment_id: &str,
        mode: NextCommand,
        at: OffsetDateTime,
    ) -> Result<Option<MdmQueuedCommand>, StoreError>;

    /// Stores a report (always, raw, in the history) and moves the command's state:
    /// NotNow keeps it queued and counts it; Acknowledged, Error and CommandFormatError end
    /// it; an unknown status only lands in the history. Returns the entry, or `None` when
    /// the command was never queued for this channel (the report is still kept).
    async fn record_mdm_report(
        &self,
        report: &MdmReport,
    ) -> Result<Option<MdmCommandEntry>, StoreError>;

    /// One request on the command channel, in one transaction: the report settled as by
    /// [`record_mdm_report`](Self::record_mdm_report) (when there is one), the channel's last
    /// contact noted (and a new session opened on an Idle poll), and the next command claimed
    /// as by [`next_mdm_command`](Self::next_mdm_command).
    async fn mdm_exchange(&self, exchange: &MdmExchange) -> Result<MdmExchanged, StoreError>;

    /// Cancels a command still waiting (queued or NotNow'd) for `enrollment_id`, or for every
    /// channel when `None`. Returns how many queue rows were cancelled.
    async fn cancel_mdm_command(
        &self,
        command_uuid: &str,
        enrollment_id: Option<&str>,
        at: OffsetDateTime,
    ) -> Result<u64, StoreError>;

    /// The activity log of a channel, newest first.
    async fn list_mdm_commands(
        &self,
        query: &MdmCommandQuery,
    ) -> Result<Vec<MdmCommandEntry>, StoreError>;

    /// One command of one channel; `None` if it was never queued there.
    async fn mdm_command_entry(
        &self,
        enrollment_id: &str,
        command_uuid: &str,
    ) -> Result<Option<MdmCommandEntry>, StoreError>;

    /// Every report of a command on a channel, oldest first.
    async fn mdm_command_reports(
        &self,
        enrollment_id: &str,
        command_uuid: &str,
    ) -> Result<Vec<MdmReportEntry>, StoreError>;
}
