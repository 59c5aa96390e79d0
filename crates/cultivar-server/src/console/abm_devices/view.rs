//! What the ABM device templates show: wire views turned into display strings.

use cultivar_api_types::{
    abm::AbmServerView,
    abm_sync::{AbmDeviceView, SyncHealthView, SyncProgressView, SyncRunView},
};
use time::{macros::format_description, OffsetDateTime, UtcOffset};

/// One row of the device table.
pub(super) struct DeviceRow {
    pub serial: String,
    pub model: String,
    pub os: String,
    pub family: String,
    pub server: String,
    pub profile_status: String,
    pub assigned: String,
    pub removed: String,
}

impl DeviceRow {
    pub fn new(d: &AbmDeviceView, server_name: &str) -> Self {
        let text = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".to_owned());
        DeviceRow {
            serial: d.serial_number.clone(),
            model: text(&d.model),
            os: d.os.as_deref().map_or_else(|| "—".to_owned(), os_label),
            family: text(&d.device_family),
            server: server_name.to_owned(),
            profile_status: text(&d.profile_status),
            assigned: d.device_assigned_date.map_or_else(|| "—".to_owned(), date),
            removed: d.removed_at.map_or_else(String::new, date),
        }
    }
}

/// Apple spells macOS `OSX`; people read "macOS".
pub(super) fn os_label(os: &str) -> String {
    match os {
        "OSX" => "macOS".to_owned(),
        other => other.to_owned(),
    }
}

/// A finished run, in one line.
pub(super) struct RunLine {
    pub outcome: String,
    /// CSS class: `ok`, `warn` or `error`.
    pub class: &'static str,
    pub trigger: String,
    pub phase: String,
    pub started: String,
    pub pages: u64,
    /// "1 page", "3 pages".
    pub pages_text: String,
    pub added: u64,
    pub modified: u64,
    pub deleted: u64,
    pub duration: String,
    /// The error, or the warning of a run that stopped early on purpose.
    pub message: String,
}

impl From<&SyncRunView> for RunLine {
    fn from(r: &SyncRunView) -> Self {
        RunLine {
            outcome: r.outcome.clone(),
            class: match r.outcome.as_str() {
                "success" => "ok",
                "warning" | "running" => "warn",
                _ => "error",
            },
            trigger: r.trigger.clone(),
            phase: phase_label(&r.phase).to_owned(),
            started: timestamp(r.started_at),
            pages: r.pages,
            pages_text: plural(r.pages, "page"),
            added: r.added,
            modified: r.modified,
            deleted: r.deleted,
            duration: r.duration_ms.map_or_else(|| "—".to_owned(), duration),
            message: r
                .error
                .clone()
                .or_else(|| r.warning.clone())
                .unwrap_or_default(),
        }
    }
}

/// The run in progress.
pub(super) struct ProgressLine {
    pub phase: String,
    /// "1 page", "3 pages".
    pub pages: String,
    /// "1 device", "250 devices".
    pub devices: String,
    pub added: u64,
    pub modified: u64,
    pub deleted: u64,
    pub started: String,
}

impl From<&SyncProgressView> for ProgressLine {
    fn from(p: &SyncProgressView) -> Self {
        ProgressLine {
            phase: phase_label(&p.phase).to_owned(),
            pages: plural(p.pages, "page"),
            devices: plural(p.devices_seen, "device"),
            added: p.added,
            modified: p.modified,
            deleted: p.deleted,
            started: timestamp(p.started_at),
        }
    }
}

/// One ABM server's sync panel.
pub(super) struct ServerPanel {
    pub id: String,
    pub name: String,
    pub status_label: String,
    /// CSS class of the status badge.
    pub badge: &'static str,
    pub last_success: String,
    pub last_error: Option<String>,
    pub last_error_at: String,
    pub next_run: String,
    pub batch_size: u32,
    pub running: Option<ProgressLine>,
    pub last_run: Option<RunLine>,
}

impl ServerPanel {
    pub fn new(server: &AbmServerView, health: &SyncHealthView) -> Self {
        let never = || "never".to_owned();
        ServerPanel {
            id: server.id.to_string(),
            name: server.name.clone(),
            status_label: server.status_label.clone(),
            badge: match server.status.as_str() {
                "active" => "ok",
                "expiring" => "warn",
                "awaiting_token" => "pending",
                _ => "error",
            },
            last_success: health.last_success_at.map_or_else(never, timestamp),
            last_error: health.last_error.clone(),
            last_error_at: health.last_error_at.map_or_else(never, timestamp),
            next_run: health
                .next_run_at
                .map_or_else(|| "not scheduled".to_owned(), timestamp),
            batch_size: health.sync_batch_size,
            running: health.running.as_ref().map(ProgressLine::from),
            last_run: health
                .last_run
                .as_ref()
                .filter(|r| !r.is_running())
                .map(RunLine::from),
        }
    }
}

/// `1 page`, `2 pages`.
pub(super) fn plural(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// `fetch` and `sync` in words.
pub(super) fn phase_label(phase: &str) -> &str {
    match phase {
        "fetch" => "full fetch",
        "sync" => "incremental sync",
        other => other,
    }
}

/// `1.2 s`, `3 min 4 s`.
pub(super) fn duration(ms: u64) -> String {
    if ms < 60_000 {
        format!("{}.{} s", ms / 1000, (ms % 1000) / 100)
    } else {
        format!("{} min {} s", ms / 60_000, (ms % 60_000) / 1000)
    }
}

/// `YYYY-MM-DD` in UTC.
pub(super) fn date(at: OffsetDateTime) -> String {
    at.to_offset(UtcOffset::UTC).date().to_string()
}

/// `YYYY-MM-DD HH:MM:SS UTC`.
pub(super) fn timestamp(at: OffsetDateTime) -> String {
    let utc = at.to_offset(UtcOffset::UTC);
    utc.format(format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second] UTC"
    ))
    .unwrap_or_else(|_| utc.to_string())
}

/// A select option.
pub(super) struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    /// `(value, label)` options, the one equal to `current` selected (`""` is "any").
    pub fn list(current: &str, options: impl IntoIterator<Item = (String, String)>) -> Vec<Self> {
        options
            .into_iter()
            .map(|(value, label)| Choice {
                selected: current == value,
                value,
                label,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(1234), "1.2 s");
        assert_eq!(duration(59_999), "59.9 s");
        assert_eq!(duration(125_000), "2 min 5 s");
    }

    #[test]
    fn apple_names_become_words() {
        assert_eq!(os_label("OSX"), "macOS");
        assert_eq!(os_label("iOS"), "iOS");
        assert_eq!(phase_label("fetch"), "full fetch");
        assert_eq!(
            (plural(1, "page"), plural(0, "page")),
            ("1 page".to_owned(), "0 pages".to_owned())
        );
    }
}
