//! The figures: what each measuring process reports, the whole report, its text table, and the
//! peak RSS of the process (VmHWM).

use serde::{Deserialize, Serialize};

use super::AbmSyncArgs;
use crate::output::table;

/// One backend's figures, as the measuring process prints them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackendFigures {
    pub backend: String,
    /// Devices the full fetch added.
    pub devices: u64,
    pub batch: u32,
    /// Pages of the full fetch.
    pub pages: u64,
    pub full_fetch_ms: f64,
    pub devices_per_second: f64,
    /// Changes made at the simulator.
    pub changes: u64,
    pub incremental_pages: u64,
    pub incremental_added: u64,
    pub incremental_modified: u64,
    pub incremental_deleted: u64,
    pub incremental_ms: f64,
    /// Peak resident set size of the process doing the sync (VmHWM), from the start of the
    /// full fetch; `None` where /proc is not available.
    pub peak_rss_kib: Option<u64>,
}

/// A backend's figures, or why there are none.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum BackendOutcome<F = BackendFigures> {
    Measured(F),
    Failed { backend: String, error: String },
}

impl<F> BackendOutcome<F> {
    /// The figures of a measuring process, or its error on one line.
    pub fn of(backend: super::BackendChoice, measured: anyhow::Result<F>) -> Self {
        match measured {
            Ok(figures) => BackendOutcome::Measured(figures),
            Err(e) => BackendOutcome::Failed {
                backend: backend.name().to_string(),
                error: crate::output::one_line(&e),
            },
        }
    }

    pub fn failed(&self) -> bool {
        matches!(self, BackendOutcome::Failed { .. })
    }
}

/// `release` or `debug`: debug figures say little.
pub fn build() -> &'static str {
    if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    }
}

/// Peak RSS for a table cell.
pub fn rss_cell(kib: Option<u64>) -> String {
    kib.map_or_else(
        || "n/a".to_string(),
        |k| format!("{:.1} MiB", k as f64 / 1024.0),
    )
}

/// What `bench abm-sync` prints.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    pub benchmark: &'static str,
    /// `release` or `debug`: debug figures say little.
    pub build: &'static str,
    pub devices: u32,
    pub batch: u32,
    pub changes: u32,
    pub results: Vec<BackendOutcome>,
}

impl BenchReport {
    pub fn new(args: &AbmSyncArgs, results: Vec<BackendOutcome>) -> BenchReport {
        BenchReport {
            benchmark: "abm-sync",
            build: build(),
            devices: args.devices,
            batch: args.batch,
            changes: args.changes,
            results,
        }
    }

    pub fn failures(&self) -> usize {
        self.results.iter().filter(|r| r.failed()).count()
    }

    pub fn text(&self) -> String {
        let headers = [
            "BACKEND",
            "DEVICES",
            "PAGES",
            "FULL FETCH",
            "DEVICES/S",
            "CHANGES",
            "INCREMENTAL",
            "PEAK RSS",
        ];
        let rows: Vec<Vec<String>> = self.results.iter().map(row).collect();
        format!(
            "ABM sync benchmark ({} build): {} devices, batch {}, {} changes\n{}",
            self.build,
            self.devices,
            self.batch,
            self.changes,
            table(&headers, &rows)
        )
    }
}

fn row(outcome: &BackendOutcome) -> Vec<String> {
    match outcome {
        BackendOutcome::Measured(f) => vec![
            f.backend.clone(),
            f.devices.to_string(),
            f.pages.to_string(),
            format!("{:.2} s", f.full_fetch_ms / 1000.0),
            format!("{:.0}", f.devices_per_second),
            format!("{} in {} page(s)", f.changes, f.incremental_pages),
            format!("{:.3} s", f.incremental_ms / 1000.0),
            rss_cell(f.peak_rss_kib),
        ],
        BackendOutcome::Failed { backend, error } => {
            vec![backend.clone(), format!("failed: {error}")]
        }
    }
}

/// The process's peak RSS in KiB (`VmHWM` in /proc/self/status).
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_vm_hwm(&status)
}

fn parse_vm_hwm(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let value = line.trim_start_matches("VmHWM:").trim();
    value.strip_suffix("kB")?.trim().parse().ok()
}

/// Resets the peak RSS to the current RSS (Linux: writing 5 to /proc/self/clear_refs), so the
/// peak counts from here. Best effort: without it the peak includes setup, which only
/// overstates it.
pub fn reset_peak_rss() {
    if let Err(e) = std::fs::write("/proc/self/clear_refs", "5") {
        eprintln!("  note: peak RSS includes setup (cannot reset it: {e})");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vm_hwm_is_read_from_proc_status() {
        let status = "Name:\tcultivar\nVmPeak:\t  900 kB\nVmHWM:\t   51234 kB\nVmRSS:\t 40000 kB\n";
        assert_eq!(parse_vm_hwm(status), Some(51234));
        assert_eq!(parse_vm_hwm("VmRSS:\t1 kB\n"), None);
        assert_eq!(parse_vm_hwm("VmHWM:\tlots\n"), None);
    }

    #[test]
    fn failed_backends_are_counted_and_shown() {
        let args = AbmSyncArgs {
            devices: 10,
            batch: 5,
            changes: 2,
            backend: super::super::BackendChoice::Both,
            database_url: None,
            child: false,
        };
        let figures = BackendFigures {
            backend: "sqlite".into(),
            devices: 10,
            batch: 5,
            pages: 2,
            full_fetch_ms: 1500.0,
            devices_per_second: 6.7,
            changes: 2,
            incremental_pages: 1,
            incremental_added: 1,
            incremental_modified: 1,
            incremental_deleted: 0,
            incremental_ms: 12.0,
            peak_rss_kib: Some(2048),
        };
        let failed = BackendOutcome::Failed {
            backend: "postgres".into(),
            error: "postgres: cannot connect".into(),
        };
        let report = BenchReport::new(&args, vec![BackendOutcome::Measured(figures), failed]);
        assert_eq!(report.failures(), 1);
        let text = report.text();
        assert!(
            text.contains("1.50 s") && text.contains("2.0 MiB"),
            "{text}"
        );
        assert!(text.contains("failed: postgres: cannot connect"), "{text}");
        let json = serde_json::to_value(&report).expect("json");
        assert_eq!(json["results"][0]["pages"], 2);
        assert_eq!(json["results"][1]["error"], "postgres: cannot connect");
    }
}
