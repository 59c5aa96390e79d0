//! Sync Now (202 vs `wait`, joining), health with live progress, run history, settings.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use super::{each_backend, refused, Fixture};

/// `wait=true`: the summary of the finished run.
async fn waited_sync(f: &Fixture) -> Value {
    let first = f.sync(f.main).await;
    let counts = ["added", "modified", "deleted", "pages"].map(|k| first[k].as_u64());
    assert_eq!(counts, [Some(7), Some(0), Some(0), Some(1)], "{first}");
    let how = (first["trigger"].as_str(), first["phase"].as_str());
    assert_eq!(how, (Some("manual"), Some("fetch")));
    assert!(
        first["duration_ms"].is_u64() && first["error"].is_null(),
        "{first}"
    );
    first
}

/// While Apple holds the run's requests, a second Sync Now joins it and health shows it;
/// returns its id once it has finished.
async fn joined_run(f: &Fixture, sync: &str) -> String {
    f.gate.close();
    let (status, started) = f.api(Method::POST, sync, None).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    assert_eq!(started["joined"], false);
    let run_id = started["run_id"].as_str().unwrap().to_owned();
    let (status, joined) = f.api(Method::POST, sync, None).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let join = (joined["joined"].as_bool(), joined["run_id"].as_str());
    assert_eq!(join, (Some(true), Some(run_id.as_str())));
    let health = f.get(sync).await;
    assert_eq!(health["running"]["run_id"], run_id.as_str(), "{health}");
    assert_eq!(health["running"]["trigger"], "manual");
    assert_eq!(health["last_run"]["outcome"], "running");
    let run = f.get(&format!("/api/v1/abm/sync-runs/{run_id}")).await;
    let state = (run["outcome"].as_str(), &run["finished_at"]);
    assert_eq!(state, (Some("running"), &json!(null)));
    // Let Apple answer; waiting on the run gives its end.
    f.gate.open();
    let run = f
        .get(&format!("/api/v1/abm/sync-runs/{run_id}?wait=true"))
        .await;
    assert_eq!(run["outcome"], "success", "{run}");
    assert_eq!(
        (run["added"].as_u64(), run["pages"].as_u64()),
        (Some(2), Some(1))
    );
    assert!(
        run["finished_at"].is_string() && run["duration_ms"].is_u64(),
        "{run}"
    );
    run_id
}

/// The history, newest first, a page at a time.
async fn history(f: &Fixture, first: &str, second: &str) {
    let runs_path = format!("/api/v1/abm/servers/{}/sync-runs", f.main);
    let history = f.get(&runs_path).await;
    let runs = history["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["id"], second, "newest first");
    assert_eq!(runs[1]["id"], first);
    assert!(history["next_before"].is_null());
    let page = f.get(&format!("{runs_path}?limit=1")).await;
    assert_eq!(page["runs"][0]["id"], second);
    assert_eq!(page["next_before"], second);
    let older = f.get(&format!("{runs_path}?limit=1&before={second}")).await;
    assert_eq!(older["runs"][0]["id"], first);
    assert_eq!(older["runs"][0]["trigger"], "manual");
}

#[tokio::test]
async fn sync_now_waits_or_answers_at_once_and_joins_a_running_run() {
    each_backend(|f| async move {
        f.assign(&f.main_sim, 7, "iOS").await;
        let sync = format!("/api/v1/abm/servers/{}/sync", f.main);
        let first = waited_sync(&f).await;
        f.assign(&f.main_sim, 2, "macOS").await;
        let second = joined_run(&f, &sync).await;
        let health = f.get(&sync).await;
        assert!(health["running"].is_null(), "{health}");
        assert_eq!(health["last_run"]["id"], second.as_str());
        assert_eq!(health["phase"], "sync");
        assert!(health["last_success_at"].is_string() && health["last_error"].is_null());
        assert_eq!(health["sync_batch_size"], 100);
        // Two runs were started (the join started none), and both were audited.
        assert_eq!(f.audited("abm.sync.start").await.len(), 2);
        history(&f, first["run_id"].as_str().unwrap(), &second).await;
    })
    .await;
}

#[tokio::test]
async fn sync_routes_refuse_bad_input_naming_it() {
    let Some(f) = Fixture::start(cultivar_testkit::Backend::Sqlite).await else {
        return;
    };
    let id = f.main;
    for (method, path, field) in [
        (
            Method::POST,
            format!("/api/v1/abm/servers/{id}/sync?wait=soon"),
            "wait",
        ),
        (
            Method::GET,
            format!("/api/v1/abm/sync-runs/{id}?wait=1"),
            "wait",
        ),
        (
            Method::GET,
            format!("/api/v1/abm/servers/{id}/sync-runs?limit=0"),
            "limit",
        ),
        (
            Method::GET,
            format!("/api/v1/abm/servers/{id}/sync-runs?before=x"),
            "before",
        ),
    ] {
        let (status, body) = f.api(method, &path, None).await;
        assert_eq!(
            refused(status, &body, StatusCode::UNPROCESSABLE_ENTITY),
            field,
            "{path}"
        );
    }
    let nobody = Uuid::new_v4();
    for (method, path) in [
        (Method::POST, format!("/api/v1/abm/servers/{nobody}/sync")),
        (Method::GET, format!("/api/v1/abm/servers/{nobody}/sync")),
        (
            Method::GET,
            format!("/api/v1/abm/servers/{nobody}/sync-runs"),
        ),
        (Method::GET, format!("/api/v1/abm/sync-runs/{nobody}")),
        (
            Method::GET,
            format!("/api/v1/abm/sync-runs/{nobody}?wait=true"),
        ),
    ] {
        let (status, body) = f.api(method, &path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
    }
    // Nothing was started by any of it.
    assert!(f
        .server
        .store()
        .list_sync_runs(id, 10, None)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn batch_size_setting_is_validated_and_used() {
    each_backend(|f| async move {
        let path = format!("/api/v1/abm/servers/{}", f.main);
        for (body, field) in [
            (json!({"sync_batch_size": 0}), "sync_batch_size"),
            (json!({"sync_batch_size": 1001}), "sync_batch_size"),
            (json!({"sync_batch_size": "ten"}), "sync_batch_size"),
            (json!({"sync_batch_size": 2.5}), "sync_batch_size"),
            (json!({}), "sync_batch_size"),
            (json!({"batch_size": 5}), "batch_size"),
            (json!([5]), "body"),
        ] {
            let (status, refusal) = f.api(Method::PATCH, &path, Some(body.clone())).await;
            assert_eq!(
                refused(status, &refusal, StatusCode::UNPROCESSABLE_ENTITY),
                field,
                "{body}"
            );
        }
        let (status, body) = f
            .api_as(
                f.server.read_only_key(),
                Method::PATCH,
                &path,
                Some(json!({"sync_batch_size": 5})),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        let unknown = format!("/api/v1/abm/servers/{}", Uuid::new_v4());
        let (status, _) = f
            .api(Method::PATCH, &unknown, Some(json!({"sync_batch_size": 5})))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(
            f.audited("abm.server.update").await.is_empty(),
            "refusals change nothing"
        );

        let (status, body) = f
            .api(Method::PATCH, &path, Some(json!({"sync_batch_size": 5})))
            .await;
        assert_eq!(
            (status, body),
            (StatusCode::OK, json!({"sync_batch_size": 5}))
        );
        assert_eq!(f.get(&format!("{path}/sync")).await["sync_batch_size"], 5);
        assert_eq!(f.audited("abm.server.update").await.len(), 1);
        // The full fetch of 12 devices now takes pages of 5.
        f.assign(&f.main_sim, 12, "mix").await;
        let summary = f.sync(f.main).await;
        assert_eq!(
            (summary["pages"].as_u64(), summary["added"].as_u64()),
            (Some(3), Some(12))
        );
    })
    .await;
}
