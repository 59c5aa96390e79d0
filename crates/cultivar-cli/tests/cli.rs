//! Runs the built `cultivar` binary: offline admin commands, and `serve` as a child process.
#![allow(clippy::unwrap_used)]

mod common;

use common::{dir_arg, run, serve};
use tokio::process::Command;

#[tokio::test]
async fn created_key_works_against_a_served_instance() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir_arg(dir.path());
    let created = run(
        &[
            "admin",
            "create-api-key",
            "--data-dir",
            &data,
            "--name",
            "ci",
        ],
        "",
    )
    .await;
    assert!(created.ok, "{}", created.stderr);
    let key = created.stdout.strip_suffix('\n').unwrap();
    assert!(
        key.starts_with("cvk_") && key.len() == 47 && !key.contains(char::is_whitespace),
        "stdout is only the key: {:?}",
        created.stdout
    );

    let (mut child, url) = serve(&data).await;
    let http = reqwest::Client::new();
    let me: serde_json::Value = http
        .get(format!("{url}/api/v1/whoami"))
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["name"], "ci");
    assert_eq!(me["role"], "admin");
    let audit: serde_json::Value = http
        .get(format!("{url}/api/v1/audit"))
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(audit["entries"][0]["actor"], "cli");
    assert_eq!(audit["entries"][0]["action"], "api_key.create");

    // SIGTERM → graceful shutdown and a clean exit.
    let pid = child.id().unwrap().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .unwrap()
        .success());
    let status = child.wait().await.unwrap();
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn json_mode_prints_one_object_and_errors_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir_arg(dir.path());
    let created = run(
        &[
            "--json",
            "admin",
            "create-api-key",
            "--data-dir",
            &data,
            "--name",
            "ro",
            "--role",
            "read-only",
        ],
        "",
    )
    .await;
    assert!(created.ok, "{}", created.stderr);
    let doc: serde_json::Value = serde_json::from_str(&created.stdout).unwrap();
    assert!(doc["key"].as_str().unwrap().starts_with("cvk_"));
    assert_eq!(doc["api_key"]["role"], "read-only");

    let again = run(
        &[
            "--json",
            "admin",
            "create-api-key",
            "--data-dir",
            &data,
            "--name",
            "ro",
        ],
        "",
    )
    .await;
    assert!(!again.ok);
    let doc: serde_json::Value = serde_json::from_str(&again.stdout).unwrap();
    assert!(
        doc["error"].as_str().unwrap().contains("already exists"),
        "{doc}"
    );

    let text = run(
        &[
            "admin",
            "create-api-key",
            "--data-dir",
            &data,
            "--name",
            "ro",
        ],
        "",
    )
    .await;
    assert!(!text.ok);
    assert_eq!(text.stdout, "");
    assert_eq!(text.stderr.lines().count(), 1, "{}", text.stderr);
    assert!(
        text.stderr.starts_with("error: creating the API key: "),
        "{}",
        text.stderr
    );
}

#[tokio::test]
async fn create_admin_reads_the_password_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir_arg(dir.path());
    let short = run(
        &[
            "admin",
            "create-admin",
            "--data-dir",
            &data,
            "--email",
            "a@example.com",
            "--password-stdin",
        ],
        "short\n",
    )
    .await;
    assert!(!short.ok);
    assert_eq!(
        short.stderr.trim_end(),
        "error: password: must be at least 12 characters"
    );

    let made = run(
        &[
            "--json",
            "admin",
            "create-admin",
            "--data-dir",
            &data,
            "--email",
            "A@example.com",
            "--password-stdin",
        ],
        "correct horse battery\n",
    )
    .await;
    assert!(made.ok, "{}", made.stderr);
    let doc: serde_json::Value = serde_json::from_str(&made.stdout).unwrap();
    assert_eq!(doc["email"], "a@example.com");

    let missing_flag = run(
        &[
            "admin",
            "create-admin",
            "--data-dir",
            &data,
            "--email",
            "b@example.com",
        ],
        "",
    )
    .await;
    assert!(!missing_flag.ok, "--password-stdin is required");
}

#[tokio::test]
async fn print_config_and_migrate() {
    let printed = run(&["admin", "print-config"], "").await;
    assert!(printed.ok);
    assert!(
        printed.stdout.contains("listen = \"127.0.0.1:8420\""),
        "{}",
        printed.stdout
    );

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("cultivar.toml");
    std::fs::write(&config, &printed.stdout).unwrap();
    let data = dir.path().join("data");
    let migrated = run(
        &[
            "--json",
            "admin",
            "migrate",
            "--config",
            config.to_str().unwrap(),
            "--data-dir",
            data.to_str().unwrap(),
        ],
        "",
    )
    .await;
    assert!(migrated.ok, "{}", migrated.stdout);
    let doc: serde_json::Value = serde_json::from_str(&migrated.stdout).unwrap();
    assert_eq!(doc["status"], "migrated");
    assert!(data.join("cultivar.sqlite3").exists());
}

#[tokio::test]
async fn bad_configuration_is_one_line_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bad.toml");
    std::fs::write(&config, "listen_port = 1\n").unwrap();
    let failed = run(&["serve", "--config", config.to_str().unwrap()], "").await;
    assert!(!failed.ok);
    assert_eq!(failed.stderr.lines().count(), 1, "{}", failed.stderr);
    assert!(
        failed.stderr.contains("listen_port (in "),
        "{}",
        failed.stderr
    );
    assert!(
        failed.stderr.contains("unknown setting"),
        "{}",
        failed.stderr
    );
}
