//! The MDM activity log of a device: its commands with state and times, and for one command
//! the reports it got and the error it ended with (ErrorChain, RejectionReason).

use cultivar_mdm_proto::CommandResult;
use cultivar_store::{CommandState, MdmCommandEntry, MdmCommandQuery, MdmReportEntry};
use time::OffsetDateTime;

use super::MdmService;
use crate::error::CoreError;

/// The most entries one log page returns.
pub const MAX_LOG_PAGE: u32 = 500;

/// Filters of a device's activity log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    /// Any of these states (empty: all).
    pub states: Vec<CommandState>,
    pub request_type: Option<String>,
    /// Queued at or after.
    pub since: Option<OffsetDateTime>,
    /// Queued before.
    pub until: Option<OffsetDateTime>,
    /// Keyset: entries older than this `seq`.
    pub before: Option<i64>,
    pub limit: u32,
}

/// One entry of an error chain, outermost first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorChainEntry {
    pub code: Option<i64>,
    pub domain: Option<String>,
    pub description: Option<String>,
    pub us_english_description: Option<String>,
}

/// Why a command failed, read from the last stored report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandError {
    pub status: String,
    pub error_chain: Vec<ErrorChainEntry>,
    pub rejection_reason: Option<String>,
    /// Set when the stored report could not be decoded (its raw text is still kept).
    pub parse_error: Option<String>,
}

/// One command of a device with everything stored about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandDetail {
    pub entry: MdmCommandEntry,
    pub reports: Vec<MdmReportEntry>,
    /// Present when the command ended in Error or CommandFormatError, or its last report
    /// carries an ErrorChain or RejectionReason.
    pub error: Option<CommandError>,
}

impl MdmService {
    /// The activity log of a device (id or serial), newest first.
    pub async fn command_log(
        &self,
        device: &str,
        filter: &LogFilter,
    ) -> Result<Vec<MdmCommandEntry>, CoreError> {
        if filter.limit == 0 || filter.limit > MAX_LOG_PAGE {
            return Err(CoreError::invalid(
                "limit",
                &format!("must be between 1 and {MAX_LOG_PAGE}"),
            ));
        }
        if let (Some(since), Some(until)) = (filter.since, filter.until) {
            if since >= until {
                return Err(CoreError::invalid("until", "must be after since"));
            }
        }
        let channel = self.known_channel(device).await?;
        let query = MdmCommandQuery {
            enrollment_id: channel,
            states: filter.states.clone(),
            request_type: filter.request_type.clone().filter(|t| !t.is_empty()),
            since: filter.since,
            until: filter.until,
            before_seq: filter.before,
            limit: filter.limit,
        };
        Ok(self.store.list_mdm_commands(&query).await?)
    }

    /// One command of a device with its reports and parsed error.
    pub async fn command_detail(
        &self,
        device: &str,
        command_uuid: &str,
    ) -> Result<CommandDetail, CoreError> {
        let channel = self.known_channel(device).await?;
        let entry = self
            .store
            .mdm_command_entry(&channel, command_uuid)
            .await?
            .ok_or_else(|| CoreError::NotFound {
                what: format!("command {command_uuid:?} of device {device:?}"),
            })?;
        let reports = self
            .store
            .mdm_command_reports(&channel, command_uuid)
            .await?;
        let error = command_error(&entry);
        Ok(CommandDetail {
            entry,
            reports,
            error,
        })
    }

    /// The channel id of a device (id or serial); `NotFound` if it never enrolled.
    async fn known_channel(&self, device: &str) -> Result<String, CoreError> {
        self.channel_for(device)
            .await?
            .map(|e| e.id)
            .ok_or_else(|| CoreError::NotFound {
                what: format!("enrolled device {device:?}"),
            })
    }
}

/// The error of a command from its last report, if it has one.
pub fn command_error(entry: &MdmCommandEntry) -> Option<CommandError> {
    let failed = matches!(
        entry.state,
        CommandState::Error | CommandState::CommandFormatError
    );
    let raw = entry.result_raw.as_deref()?;
    match CommandResult::from_plist(raw) {
        Ok(result) => {
            let chain: Vec<ErrorChainEntry> = result
                .error_chain
                .iter()
                .map(|i| ErrorChainEntry {
                    code: i.error_code,
                    domain: i.error_domain.clone(),
                    description: i.localized_description.clone(),
                    us_english_description: i.us_english_description.clone(),
                })
                .collect();
            let has_error = failed || !chain.is_empty() || result.rejection_reason.is_some();
            has_error.then(|| CommandError {
                status: result.status.as_str().to_owned(),
                error_chain: chain,
                rejection_reason: result.rejection_reason,
                parse_error: None,
            })
        }
        Err(e) => failed.then(|| CommandError {
            status: entry.state.as_str().to_owned(),
            parse_error: Some(e.source.to_string()),
            ..CommandError::default()
        }),
    }
}
