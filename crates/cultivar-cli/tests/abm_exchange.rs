//! The token exchange exactly as an administrator runs it, with the built binary: the simulator and
//! `cultivar serve` as child processes, every step through CLI commands over real HTTP.
#![allow(clippy::unwrap_used)]

mod common;

use common::{dir_arg, run, serve, sim_serve};
use serde_json::Value;

async fn json(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let out = run(&all, "").await;
    assert!(out.ok, "{args:?} failed: {} {}", out.stdout, out.stderr);
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {}", out.stdout))
}

#[tokio::test]
async fn token_exchange_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir_arg(&dir.path().join("data"));
    let key_out = run(
        &[
            "admin",
            "create-api-key",
            "--data-dir",
            &data,
            "--name",
            "e2e",
        ],
        "",
    )
    .await;
    assert!(key_out.ok, "{}", key_out.stderr);
    let key = key_out.stdout.trim().to_string();
    let (_server, url) = serve(&data).await;
    let (_sim, sim_url) = sim_serve(&["--devices", "3"]).await;
    let cert = dir_arg(&dir.path().join("cultivar.pem"));
    let token = dir_arg(&dir.path().join("token.p7m"));
    let api = ["--url", url.as_str(), "--api-key", key.as_str()];

    // 1. Generate Token in cultivar.
    let created = json(
        &[
            &api[..],
            &[
                "abm",
                "servers",
                "create",
                "Acme ABM",
                "--base-url",
                &sim_url,
                "--out",
                &cert,
            ],
        ]
        .concat(),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["server"]["status"], "awaiting_token");
    // 2–3. Upload the public key to "ABM" and download the server token there.
    let registered = json(&[
        "sim",
        "abm",
        "register-server",
        "--url",
        &sim_url,
        "--name",
        "cultivar-prod",
        "--cert",
        &cert,
        "--out",
        &token,
    ])
    .await;
    // 4. Upload the server token back into cultivar.
    let shown = json(&[&api[..], &["abm", "servers", "upload-token", &id, &token]].concat()).await;
    assert_eq!(shown["status"], "active", "{shown}");
    assert_eq!(shown["account"]["server_name"], "cultivar-prod");
    assert_eq!(shown["account"]["server_uuid"], registered["server_uuid"]);
    assert!(!shown["account"]["org_name"].as_str().unwrap().is_empty());
    let days = shown["token"]["days_left"].as_i64().unwrap();
    assert!((364..=365).contains(&days), "{shown}");

    // The list and the text view say the same.
    let listed = json(&[&api[..], &["abm", "servers", "list"]].concat()).await;
    assert_eq!(listed["servers"][0]["id"], id.as_str());
    let text = run(&[&api[..], &["abm", "servers", "show", &id]].concat(), "").await;
    assert!(
        text.stdout.contains("cultivar-prod") && text.stdout.contains("days left"),
        "{}",
        text.stdout
    );

    // A bad upload fails with one clear line and changes nothing.
    std::fs::write(dir.path().join("bad.p7m"), b"not a token").unwrap();
    let bad = run(
        &[
            &api[..],
            &[
                "abm",
                "servers",
                "upload-token",
                &id,
                &dir_arg(&dir.path().join("bad.p7m")),
            ],
        ]
        .concat(),
        "",
    )
    .await;
    assert!(!bad.ok);
    assert!(bad.stderr.starts_with("error: token:"), "{}", bad.stderr);
    let after = json(&[&api[..], &["abm", "servers", "show", &id]].concat()).await;
    assert_eq!(after["token"], shown["token"]);
    assert_eq!(after["status"], "active");
}
