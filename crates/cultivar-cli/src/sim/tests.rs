//! Drives the `sim abm` verbs against a simulator running in-process on 127.0.0.1:0.

use super::*;
use clap::Parser;
use cultivar_abm_proto::ServerToken;
use cultivar_abm_sim::admin_types::{DeviceQuery, InjectedResult};

#[derive(Parser)]
struct TestCli {
    #[command(subcommand)]
    command: TestCommand,
}

#[derive(Subcommand)]
enum TestCommand {
    Sim(SimArgs),
}

fn parse(args: &[&str]) -> Result<SimArgs, clap::Error> {
    let all = ["cultivar", "sim", "abm"].iter().chain(args);
    TestCli::try_parse_from(all).map(|c| match c.command {
        TestCommand::Sim(a) => a,
    })
}

async fn cli(url: &str, args: &[&str]) {
    let parsed = parse(args).expect("parse");
    run(parsed, url, true).await.expect("run");
}

async fn start() -> (String, tokio::sync::oneshot::Sender<()>) {
    let sim = Sim::new(SimOptions::default()).expect("sim");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(cultivar_abm_sim::serve(sim, listener, async {
        let _ = rx.await;
    }));
    (url, tx)
}

fn token(path: &std::path::Path, kp: &cultivar_crypto::KeyPair) -> ServerToken {
    let bytes = std::fs::read(path).expect("token file");
    let key = kp.private_key_pem.as_bytes();
    let plain = cultivar_crypto::decrypt_server_token(&bytes, key, kp.certificate_pem.as_bytes())
        .expect("decrypts with the registered key");
    ServerToken::from_plaintext(&plain).expect("token")
}

fn path(p: &std::path::Path) -> String {
    p.to_str().expect("utf8").to_string()
}

#[tokio::test]
async fn token_verbs_write_files_that_decrypt() {
    let (url, _stop) = start().await;
    let admin = SimAdminClient::new(&url);
    let dir = tempfile::tempdir().expect("tempdir");
    let kp = cultivar_crypto::generate_token_keypair("cli-test").expect("keypair");
    let (cert, t1, t2) = (
        dir.path().join("c.pem"),
        dir.path().join("1.p7m"),
        dir.path().join("2.p7m"),
    );
    std::fs::write(&cert, &kp.certificate_pem).expect("write");
    let args = [
        "register-server",
        "--name",
        "Main",
        "--cert",
        &path(&cert),
        "--out",
        &path(&t1),
    ];
    cli(&url, &args).await;
    let first = token(&t1, &kp);
    let uuid = admin.servers().await.expect("servers")[0]
        .server_uuid
        .clone();
    cli(
        &url,
        &[
            "download-token",
            "--server",
            &uuid,
            "--out",
            &path(&t2),
            "--valid-days",
            "30",
        ],
    )
    .await;
    let second = token(&t2, &kp);
    assert_eq!(second.consumer_key, first.consumer_key);
    assert_ne!(second.access_token, first.access_token);
    cli(&url, &["expire-token", &uuid]).await;
    assert!(admin.servers().await.expect("servers")[0].token_expired);
}

#[tokio::test]
async fn device_and_knob_verbs_change_the_simulator() {
    let (url, _stop) = start().await;
    let admin = SimAdminClient::new(&url);
    let dir = tempfile::tempdir().expect("tempdir");
    let kp = cultivar_crypto::generate_token_keypair("cli-test").expect("keypair");
    let uuid = admin
        .register_server("Main", &kp.certificate_pem)
        .await
        .expect("register")
        .server_uuid;
    cli(&url, &["add-devices", "--count", "3", "--os", "iOS"]).await;
    let all = admin
        .devices(&DeviceQuery::default())
        .await
        .expect("devices")
        .devices;
    let rows: Vec<&str> = all.iter().map(|d| d.serial_number.as_str()).collect();
    let csv = dir.path().join("serials.csv");
    std::fs::write(&csv, format!("serial\n{}\nbad row\n", rows.join("\n"))).expect("write");
    cli(&url, &["assign", "--server", &uuid, "--csv", &path(&csv)]).await;
    cli(&url, &["release", "--serials", rows[0]]).await;
    let on_server = DeviceQuery {
        server: Some(uuid.clone()),
        ..DeviceQuery::default()
    };
    assert_eq!(
        admin
            .devices(&on_server)
            .await
            .expect("devices")
            .devices
            .len(),
        2
    );

    cli(&url, &["set-default-server", &uuid]).await;
    cli(&url, &["terms-not-signed", "true"]).await;
    let fault = [
        "fault",
        "--endpoint",
        "/devices/sync",
        "--status",
        "429",
        "--retry-after",
        "5",
        "--count",
        "2",
    ];
    cli(&url, &fault).await;
    cli(&url, &["advance-clock", "--seconds", "60"]).await;
    cli(&url, &["invalidate-sessions"]).await;
    assert!(!admin.org().await.expect("org").terms_signed);
    let faults = admin.faults().await.expect("faults");
    assert_eq!((faults[0].count, faults[0].retry_after), (2, Some(5)));
    assert_eq!(admin.clock().await.expect("clock").offset_seconds, 60);
    assert!(admin.servers().await.expect("servers")[0].is_default);
}

#[tokio::test]
async fn a_fault_with_skip_fires_after_the_skipped_requests() {
    let (url, _stop) = start().await;
    let fault = [
        "fault",
        "--endpoint",
        "/session",
        "--status",
        "503",
        "--skip",
        "1",
    ];
    cli(&url, &fault).await;
    let http = reqwest::Client::new();
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let resp = http
            .get(format!("{url}/session"))
            .send()
            .await
            .expect("send");
        statuses.push(resp.status().as_u16());
    }
    // Unsigned: the simulator refuses the first and third itself; the second is the fault's.
    assert_eq!(statuses[1], 503, "{statuses:?}");
    assert!(statuses[0] != 503 && statuses[2] != 503, "{statuses:?}");
}

/// A server with two iOS devices on it, and its token key pair.
async fn server_with_devices(
    url: &str,
) -> (
    SimAdminClient,
    String,
    Vec<String>,
    cultivar_crypto::KeyPair,
) {
    let admin = SimAdminClient::new(url);
    let kp = cultivar_crypto::generate_token_keypair("cli-test").expect("keypair");
    let uuid = admin
        .register_server("Main", &kp.certificate_pem)
        .await
        .expect("register")
        .server_uuid;
    admin
        .set_default_server(Some(&uuid))
        .await
        .expect("default");
    let serials = admin
        .add_devices(2, Some("iOS"))
        .await
        .expect("add")
        .serials;
    (admin, uuid, serials, kp)
}

/// Defines a profile for `serials` over the Apple API, as cultivar would (OAuth session first).
async fn define_profile(
    url: &str,
    admin: &SimAdminClient,
    server: &str,
    kp: &cultivar_crypto::KeyPair,
    serials: &[String],
) -> String {
    use cultivar_abm_proto::oauth::{authorization_header, Credentials};
    let p7m = admin
        .download_token(server, None, None)
        .await
        .expect("token");
    let plain = cultivar_crypto::decrypt_server_token(
        &p7m.bytes,
        kp.private_key_pem.as_bytes(),
        kp.certificate_pem.as_bytes(),
    )
    .expect("decrypt");
    let t = ServerToken::from_plaintext(&plain).expect("token");
    let creds = Credentials {
        consumer_key: &t.consumer_key,
        consumer_secret: &t.consumer_secret,
        token: &t.access_token,
        token_secret: &t.access_secret,
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let auth =
        authorization_header("GET", &format!("{url}/session"), creds, now, "cli-n1").expect("sign");
    let http = reqwest::Client::new();
    let ua = ("User-Agent", "cultivar-cli-tests");
    let session: serde_json::Value = http
        .get(format!("{url}/session"))
        .header("Authorization", auth)
        .header(ua.0, ua.1)
        .send()
        .await
        .expect("session")
        .json()
        .await
        .expect("json");
    let body = serde_json::json!({"profile_name": "Staff", "url": "https://mdm.example.com/e",
        "is_mdm_removable": true, "org_magic": "1", "devices": serials});
    let defined: serde_json::Value = http
        .post(format!("{url}/profile"))
        .header(
            "X-ADM-Auth-Session",
            session["auth_session_token"].as_str().expect("token"),
        )
        .header(ua.0, ua.1)
        .json(&body)
        .send()
        .await
        .expect("define")
        .json()
        .await
        .expect("json");
    defined["profile_uuid"].as_str().expect("uuid").to_string()
}

#[tokio::test]
async fn assign_result_verbs_queue_and_clear_injections() {
    let (url, _stop) = start().await;
    let (admin, _, serials, _) = server_with_devices(&url).await;
    let both = format!("{},{}", serials[0], serials[1]);
    let args = [
        "assign-result",
        "--serials",
        &both,
        "--result",
        "throttled",
        "--retry-after",
        "90",
        "--count",
        "3",
    ];
    cli(&url, &args).await;
    cli(
        &url,
        &["assign-result", "--serials", "*", "--result", "FAILED"],
    )
    .await;
    let pending = admin.assign_results().await.expect("list");
    let got: Vec<(String, InjectedResult, u32, Option<u64>)> = pending
        .iter()
        .map(|e| {
            let i = e.injection;
            (
                e.serial.clone(),
                i.result,
                i.remaining,
                i.retry_after_seconds,
            )
        })
        .collect();
    let mut expected = vec![
        (serials[0].clone(), InjectedResult::Throttled, 3, Some(90)),
        (serials[1].clone(), InjectedResult::Throttled, 3, Some(90)),
        ("*".to_string(), InjectedResult::Failed, 1, None),
    ];
    // Listed in serial order ("*" first).
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(got, expected);
    cli(&url, &["clear-assign-results"]).await;
    assert!(admin.assign_results().await.expect("list").is_empty());
    let refused = parse(&["assign-result", "--serials", "A", "--result", "LOST"]);
    assert!(refused.is_err(), "unknown result refused by the parser");
    let wrong = parse(&[
        "assign-result",
        "--serials",
        "A",
        "--result",
        "FAILED",
        "--retry-after",
        "5",
    ]);
    let err = run(wrong.expect("parses"), &url, true)
        .await
        .expect_err("refused");
    assert!(
        format!("{err:#}").contains("retry_after_seconds"),
        "{err:#}"
    );
}

#[tokio::test]
async fn profile_verbs_unassign_push_and_list() {
    let (url, _stop) = start().await;
    let (admin, uuid, serials, kp) = server_with_devices(&url).await;
    let err = run(
        parse(&["mark-pushed", &serials[0]]).expect("parses"),
        &url,
        true,
    )
    .await
    .expect_err("no profile to fetch yet");
    assert!(format!("{err:#}").contains("has no profile"), "{err:#}");
    let profile = define_profile(&url, &admin, &uuid, &kp, &serials).await;

    cli(&url, &["mark-pushed", &serials[0]]).await;
    cli(&url, &["unassign-profile", "--serials", &serials[1]]).await;
    cli(&url, &["profiles", "--server", &uuid]).await;
    let status = |serial: &str| {
        let admin = admin.clone();
        let serial = serial.to_string();
        async move {
            let q = DeviceQuery::default();
            let all = admin.devices(&q).await.expect("devices").devices;
            let d = all
                .into_iter()
                .find(|d| d.serial_number == serial)
                .expect("device");
            (d.profile_uuid, d.profile_status)
        }
    };
    assert_eq!(
        status(&serials[0]).await,
        (Some(profile.clone()), "pushed".into())
    );
    assert_eq!(status(&serials[1]).await, (None, "removed".into()));
    let listed = admin.profiles(&uuid).await.expect("profiles");
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].profile_uuid.as_str(), &listed[0].serials),
        (profile.as_str(), &vec![serials[0].clone()])
    );
    let unknown = run(
        parse(&["profiles", "--server", "FFFF"]).expect("parses"),
        &url,
        true,
    )
    .await;
    assert!(format!("{:#}", unknown.expect_err("unknown")).contains("no MDM server"));
}

#[test]
fn arguments_are_checked() {
    assert!(
        parse(&["assign", "--server", "X"]).is_err(),
        "serials or csv required"
    );
    assert!(parse(&["terms-not-signed", "maybe"]).is_err());
    let a = parse(&["release", "--serials", "A1,B2"]).expect("parse");
    match a.command {
        SimCommand::Abm(AbmCommand::Release(r)) => assert_eq!(r.serials, vec!["A1", "B2"]),
        other => panic!("parsed as {other:?}"),
    }
}
