//! `cultivar bench abm-sync` through the built binary, at a small size: the figures it reports
//! must describe what happened (devices, pages, the mix of changes), on both backends.
#![allow(clippy::unwrap_used)]

mod common;

use common::run;
use serde_json::{json, Value};

async fn bench(extra: &[&str]) -> Value {
    let mut args = vec![
        "bench",
        "abm-sync",
        "--devices",
        "300",
        "--batch",
        "100",
        "--changes",
        "50",
        "--json",
    ];
    args.extend_from_slice(extra);
    let out = run(&args, "").await;
    assert!(out.ok, "{args:?}: {} {}", out.stdout, out.stderr);
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}

fn check(figures: &Value, backend: &str) {
    assert_eq!(figures["backend"], backend, "{figures}");
    assert_eq!(
        (&figures["devices"], &figures["pages"]),
        (&json!(300), &json!(3))
    );
    assert_eq!(figures["changes"], 50);
    // 20 modified, 10 moved away and 10 released (deleted here), 10 new.
    let incremental = [
        &figures["incremental_added"],
        &figures["incremental_modified"],
        &figures["incremental_deleted"],
    ];
    assert_eq!(
        incremental,
        [&json!(10), &json!(20), &json!(20)],
        "{figures}"
    );
    assert_eq!(figures["incremental_pages"], 1);
    assert!(figures["full_fetch_ms"].as_f64().unwrap() > 0.0);
    assert!(figures["peak_rss_kib"].as_u64().unwrap() > 0, "{figures}");
}

#[tokio::test]
async fn bench_reports_the_figures_of_what_it_ran_on_sqlite() {
    let report = bench(&["--backend", "sqlite"]).await;
    assert_eq!(report["benchmark"], "abm-sync");
    assert_eq!(report["results"].as_array().unwrap().len(), 1);
    check(&report["results"][0], "sqlite");
}

#[tokio::test]
async fn bench_reports_the_figures_of_what_it_ran_on_postgres() {
    // Only where a PostgreSQL server is reachable (or in CI, where it must be).
    let Some(probe) = cultivar_store::testing::postgres_test_database().await else {
        return;
    };
    probe.cleanup().await;
    let server = std::env::var(cultivar_store::testing::PG_URL_ENV)
        .unwrap_or_else(|_| cultivar_store::testing::DEFAULT_PG_URL.to_owned());
    let report = bench(&["--backend", "postgres", "--database-url", &server]).await;
    check(&report["results"][0], "postgres");
}

#[tokio::test]
async fn an_unreachable_postgres_is_reported_as_a_failed_backend() {
    // Port 1 on loopback: nothing listens there.
    let args = [
        "bench",
        "abm-sync",
        "--devices",
        "10",
        "--backend",
        "postgres",
        "--database-url",
        "postgres://nobody@127.0.0.1:1/postgres",
        "--json",
    ];
    let out = run(&args, "").await;
    assert!(!out.ok);
    // Exactly one document, the report, which names the failure.
    let report: Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout));
    let error = report["results"][0]["error"].as_str().unwrap_or_default();
    assert!(error.starts_with("postgres: cannot connect"), "{report}");
}

async fn ade_bench(extra: &[&str]) -> Value {
    let mut args = vec!["bench", "ade-assign", "--devices", "2000", "--json"];
    args.extend_from_slice(extra);
    let out = run(&args, "").await;
    assert!(out.ok, "{args:?}: {} {}", out.stdout, out.stderr);
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}

/// 2000 devices: every 10th (200) in the group, one assign call for them and two for the
/// 1800 on the OS default; both profiles defined once; nothing left to push afterwards.
fn check_ade(report: &Value, backend: &str) {
    assert_eq!(report["benchmark"], "ade-assign");
    assert_eq!(report["results"].as_array().unwrap().len(), 1, "{report}");
    let figures = &report["results"][0];
    assert_eq!(figures["backend"], backend, "{figures}");
    let counts = [
        "devices",
        "group_devices",
        "assigned",
        "defined",
        "define_calls",
        "assign_calls",
        "left_to_push",
    ]
    .map(|k| {
        figures[k]
            .as_u64()
            .unwrap_or_else(|| panic!("{k}: {figures}"))
    });
    assert_eq!(counts, [2000, 200, 2000, 2, 2, 3, 0], "{figures}");
    assert!(figures["peak_rss_kib"].as_u64().unwrap() > 0, "{figures}");
}

#[tokio::test]
async fn ade_bench_assigns_every_device_on_sqlite() {
    let report = ade_bench(&["--backend", "sqlite"]).await;
    check_ade(&report, "sqlite");
}

#[tokio::test]
async fn ade_bench_assigns_every_device_on_postgres() {
    let Some(probe) = cultivar_store::testing::postgres_test_database().await else {
        return;
    };
    probe.cleanup().await;
    let server = std::env::var(cultivar_store::testing::PG_URL_ENV)
        .unwrap_or_else(|_| cultivar_store::testing::DEFAULT_PG_URL.to_owned());
    let report = ade_bench(&["--backend", "postgres", "--database-url", &server]).await;
    check_ade(&report, "postgres");
}

async fn mdm_bench(extra: &[&str]) -> Value {
    let mut args = vec![
        "bench",
        "mdm",
        "--devices",
        "6",
        "--workers",
        "4",
        "--iterations",
        "3",
        "--json",
    ];
    args.extend_from_slice(extra);
    let out = run(&args, "").await;
    assert!(out.ok, "{args:?}: {} {}", out.stdout, out.stderr);
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}

/// 6 devices × 3 iterations per identity mode: 18 sessions, each an Idle. With signatures
/// (first) the 18 DeviceInformation commands queued beforehand and the 6 cultivar queues itself
/// at each first TokenUpdate are each answered once: 24 commands, 42 round trips. With the
/// proxy header, 18 more DeviceInformation: 18 commands, 36 round trips. No errors.
fn check_mdm(report: &Value, backend: &str) {
    assert_eq!(report["benchmark"], "mdm");
    let results = report["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{report}");
    let expected = [
        ("Mdm-Signature", [6, 4, 18, 18, 24, 42, 0]),
        ("proxy header", [6, 4, 18, 18, 18, 36, 0]),
    ];
    for (figures, (identity, counts)) in results.iter().zip(expected) {
        assert_eq!(figures["backend"], backend, "{figures}");
        assert_eq!(figures["identity"], identity, "{figures}");
        let got = [
            "devices",
            "workers",
            "commands_queued",
            "sessions",
            "commands",
            "round_trips",
            "errors",
        ]
        .map(|k| {
            figures[k]
                .as_u64()
                .unwrap_or_else(|| panic!("{k}: {figures}"))
        });
        assert_eq!(got, counts, "{figures}");
        assert!(
            figures["server_peak_rss_kib"].as_u64().unwrap() > 0,
            "{figures}"
        );
    }
}

#[tokio::test]
async fn mdm_bench_runs_every_session_and_command_on_sqlite() {
    let report = mdm_bench(&["--backend", "sqlite"]).await;
    check_mdm(&report, "sqlite");
}

#[tokio::test]
async fn mdm_bench_runs_every_session_and_command_on_postgres() {
    let Some(probe) = cultivar_store::testing::postgres_test_database().await else {
        return;
    };
    probe.cleanup().await;
    let server = std::env::var(cultivar_store::testing::PG_URL_ENV)
        .unwrap_or_else(|_| cultivar_store::testing::DEFAULT_PG_URL.to_owned());
    let report = mdm_bench(&["--backend", "postgres", "--database-url", &server]).await;
    check_mdm(&report, "postgres");
}
