//! The figures of `bench ade-assign`: what each measuring process reports, and the report.

use serde::{Deserialize, Serialize};

use super::ade::{AdeAssignArgs, GROUP_EVERY};
use super::report::{build, rss_cell, BackendOutcome};
use crate::output::table;

/// One backend's figures, as the measuring process prints them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdeFigures {
    pub backend: String,
    /// Devices the sync added (all of them resolved and assigned).
    pub devices: u64,
    /// Devices in the group (whose profile wins over the OS default).
    pub group_devices: u64,
    /// The full fetch before the push (not part of the measured time).
    pub sync_ms: f64,
    /// Profiles defined with Apple.
    pub defined: u64,
    /// Serials Apple answered SUCCESS for.
    pub assigned: u64,
    /// Resolution, plan, definitions and assignment, by the wall clock.
    pub assign_ms: f64,
    pub devices_per_second: f64,
    /// Define-profile calls the simulator received.
    pub define_calls: u64,
    /// Assign calls the simulator received (at most 1000 serials each).
    pub assign_calls: u64,
    /// Actions a plan made right after the push still lists (0: every answer settled).
    pub left_to_push: u64,
    /// That plan (dry run over every device, each settled by its push state), by the wall
    /// clock: the resolution and planning share of the push.
    pub replan_ms: f64,
    /// Peak RSS of the pushing process (VmHWM) from the start of the push.
    pub peak_rss_kib: Option<u64>,
}

/// What `bench ade-assign` prints.
#[derive(Debug, Clone, Serialize)]
pub struct AdeReport {
    pub benchmark: &'static str,
    pub build: &'static str,
    pub devices: u32,
    /// Every n-th device is in the group.
    pub group_every: usize,
    pub results: Vec<BackendOutcome<AdeFigures>>,
}

impl AdeReport {
    pub fn new(args: &AdeAssignArgs, results: Vec<BackendOutcome<AdeFigures>>) -> AdeReport {
        AdeReport {
            benchmark: "ade-assign",
            build: build(),
            devices: args.devices,
            group_every: GROUP_EVERY,
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
            "IN GROUP",
            "ASSIGNED",
            "TIME",
            "DEVICES/S",
            "ASSIGN CALLS",
            "DEFINED",
            "RE-PLAN",
            "PEAK RSS",
        ];
        let rows: Vec<Vec<String>> = self.results.iter().map(row).collect();
        format!(
            "ADE assignment benchmark ({} build): {} synced iOS devices, an iOS default, \
             every {}th device in a group with its own profile; resolve, plan, define and \
             assign in batches of 1000\n{}",
            self.build,
            self.devices,
            self.group_every,
            table(&headers, &rows)
        )
    }
}

fn row(outcome: &BackendOutcome<AdeFigures>) -> Vec<String> {
    match outcome {
        BackendOutcome::Measured(f) => vec![
            f.backend.clone(),
            f.devices.to_string(),
            f.group_devices.to_string(),
            f.assigned.to_string(),
            format!("{:.2} s", f.assign_ms / 1000.0),
            format!("{:.0}", f.devices_per_second),
            f.assign_calls.to_string(),
            f.defined.to_string(),
            format!("{:.2} s", f.replan_ms / 1000.0),
            rss_cell(f.peak_rss_kib),
        ],
        BackendOutcome::Failed { backend, error } => {
            vec![backend.clone(), format!("failed: {error}")]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::BackendChoice;

    #[test]
    fn the_table_shows_each_backends_figures_and_failures() {
        let args = AdeAssignArgs {
            devices: 2000,
            backend: BackendChoice::Both,
            database_url: None,
            child: false,
        };
        let figures = AdeFigures {
            backend: "sqlite".into(),
            devices: 2000,
            group_devices: 200,
            sync_ms: 900.0,
            defined: 2,
            assigned: 2000,
            assign_ms: 250.0,
            devices_per_second: 8000.0,
            define_calls: 2,
            assign_calls: 3,
            left_to_push: 0,
            replan_ms: 120.0,
            peak_rss_kib: Some(4096),
        };
        let failed = BackendOutcome::Failed {
            backend: "postgres".into(),
            error: "postgres: cannot connect".into(),
        };
        let report = AdeReport::new(&args, vec![BackendOutcome::Measured(figures), failed]);
        assert_eq!(report.failures(), 1);
        let text = report.text();
        assert!(
            text.contains("0.25 s") && text.contains("0.12 s") && text.contains("4.0 MiB"),
            "{text}"
        );
        assert!(text.contains("failed: postgres: cannot connect"), "{text}");
        let json = serde_json::to_value(&report).expect("json");
        assert_eq!(json["results"][0]["assign_calls"], 3);
        assert_eq!(json["benchmark"], "ade-assign");
    }
}
