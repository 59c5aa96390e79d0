//! The ABM token exchange over real HTTP: cultivar's admin API and the ABM simulator, on SQLite and
//! PostgreSQL. Covers the guide's "MDM Server Assignment in ABM" and "ABM Token Expiry".
#![allow(clippy::unwrap_used)]

use std::{sync::Arc, time::Duration};

use cultivar_abm_sim::Fault;
use cultivar_api_types::abm::{AbmServerView, CreateAbmServer};
use cultivar_client::{AdminClient, ClientError};
use cultivar_core::clock::ManualClock;
use cultivar_testkit::{Backend, RecordingSleeper, TestOptions, TestServer, TestSim};
use time::OffsetDateTime;
use uuid::Uuid;

struct World {
    server: TestServer,
    sim: TestSim,
    api: AdminClient,
    sleeper: RecordingSleeper,
    clock: Arc<ManualClock>,
}

async fn world(backend: Backend) -> Option<World> {
    let sleeper = RecordingSleeper::default();
    let clock = Arc::new(ManualClock::new(OffsetDateTime::now_utc()));
    let options = TestOptions {
        clock: clock.clone(),
        abm: sleeper.abm_options(),
    };
    let server = TestServer::start_custom(backend, options, |_| {}).await?;
    let sim = TestSim::start(3).await;
    let api = AdminClient::new(&server.url(), Some(server.admin_key().to_string()));
    Some(World {
        server,
        sim,
        api,
        sleeper,
        clock,
    })
}

async fn each_backend<F, Fut>(test: F)
where
    F: Fn(World) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for backend in [Backend::Sqlite, Backend::Postgres] {
        if let Some(w) = world(backend).await {
            test(w).await;
        }
    }
}

/// Creates an entry pointing at the simulator and registers its certificate there.
async fn entry(w: &World, name: &str) -> (Uuid, String) {
    let body = CreateAbmServer {
        name: name.into(),
        base_url: Some(w.sim.url().into()),
    };
    let created = w.api.abm_create_server(&body).await.unwrap();
    assert_eq!(created.server.status, "awaiting_token");
    let sim_server = w
        .sim
        .admin()
        .register_server("cultivar-mdm", &created.certificate_pem)
        .await
        .unwrap();
    (created.server.id, sim_server.server_uuid)
}

async fn token(w: &World, sim_server: &str) -> Vec<u8> {
    w.sim
        .admin()
        .download_token(sim_server, None, None)
        .await
        .unwrap()
        .bytes
}

async fn exchanged(w: &World, name: &str) -> (Uuid, String, AbmServerView) {
    let (id, sim_server) = entry(w, name).await;
    let view = w
        .api
        .abm_upload_token(id, token(w, &sim_server).await, false)
        .await
        .unwrap();
    (id, sim_server, view)
}

fn invalid(err: ClientError) -> (u16, String, Option<String>) {
    match err {
        ClientError::Api {
            status,
            message,
            field,
            ..
        } => (status, message, field),
        other => panic!("expected an API error, got {other}"),
    }
}

#[tokio::test]
async fn whole_exchange_shows_organisation_server_and_expiry() {
    each_backend(|w| async move {
        let (id, sim_server, view) = exchanged(&w, "Acme ABM").await;
        let org = w.sim.admin().org().await.unwrap();
        assert_eq!(view.status, "active", "{view:?}");
        assert!(view.status_fix.is_empty());
        let account = view.account.clone().unwrap();
        assert_eq!(account.org_name, org.name);
        assert_eq!(account.server_name, "cultivar-mdm");
        assert_eq!(account.server_uuid, sim_server);
        assert_eq!(account.token_owner.as_deref(), Some(org.admin_id.as_str()));
        let token = view.token.clone().unwrap();
        assert!((364..=365).contains(&token.days_left), "{token:?}");
        assert!(token.consumer_key.starts_with("CK_"));
        // What the list shows matches, and the audit log recorded both steps.
        let listed = w.api.abm_list_servers().await.unwrap();
        assert_eq!(listed.servers, vec![w.api.abm_server(id).await.unwrap()]);
        let audit = w.server.store().list_audit(50, None).await.unwrap();
        let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
        assert!(
            actions.contains(&"abm.server.create") && actions.contains(&"abm.token.upload"),
            "{actions:?}"
        );
        // Prometheus shows the days left, for alerting before expiry.
        let metrics = w
            .server
            .http()
            .get(w.server.url_for("/metrics"))
            .send()
            .await
            .unwrap();
        let text = metrics.text().await.unwrap();
        let line = format!(
            "cultivar_abm_token_days_left{{abm_server=\"Acme ABM\"}} {}",
            token.days_left
        );
        assert!(text.contains(&line), "{line} not in /metrics");
        // Secrets are sealed at rest: the stored row holds neither PEM key nor token JSON.
        let row = w.server.store().abm_server(id).await.unwrap().unwrap();
        let sealed = String::from_utf8_lossy(row.token_enc.as_deref().unwrap()).to_string();
        assert!(!sealed.contains("consumer_secret") && !sealed.contains("AS_"));
        assert!(!String::from_utf8_lossy(&row.private_key_enc).contains("PRIVATE KEY"));
    })
    .await;
}

#[tokio::test]
async fn renewal_replaces_the_keypair_only_when_the_new_token_decrypts() {
    each_backend(|w| async move {
        let (id, sim_server, first) = exchanged(&w, "Renewing").await;
        let old_pem = w.api.abm_public_key(id).await.unwrap();
        let renewal = w.api.abm_renew(id).await.unwrap();
        assert!(renewal.server.renewal_pending);
        assert_ne!(renewal.certificate_pem, old_pem);
        assert_eq!(
            w.api.abm_public_key(id).await.unwrap(),
            renewal.certificate_pem
        );
        // A token still encrypted for the old certificate keeps the old keypair, renewal pending.
        let again = w
            .api
            .abm_upload_token(id, token(&w, &sim_server).await, false)
            .await
            .unwrap();
        assert!(again.renewal_pending);
        assert_eq!(again.status, "active");
        // A token for the new certificate promotes the staging keypair.
        w.sim
            .admin()
            .update_certificate(&sim_server, &renewal.certificate_pem)
            .await
            .unwrap();
        let renewed = w
            .api
            .abm_upload_token(id, token(&w, &sim_server).await, false)
            .await
            .unwrap();
        assert!(!renewed.renewal_pending);
        assert_eq!(renewed.status, "active");
        assert_eq!(
            renewed.token.unwrap().consumer_key,
            first.token.unwrap().consumer_key
        );
        assert_eq!(
            w.api.abm_public_key(id).await.unwrap(),
            renewal.certificate_pem
        );
        // A token for the replaced certificate no longer decrypts.
        w.sim
            .admin()
            .update_certificate(&sim_server, &old_pem)
            .await
            .unwrap();
        let err = w
            .api
            .abm_upload_token(id, token(&w, &sim_server).await, false)
            .await
            .unwrap_err();
        let (status, message, field) = invalid(err);
        assert_eq!((status, field.as_deref()), (422, Some("token")));
        assert!(message.contains("another certificate"), "{message}");
    })
    .await;
}

#[tokio::test]
async fn bad_tokens_are_refused_and_the_working_token_stays() {
    each_backend(|w| async move {
        // Every download replaces the simulator's previous token, so the spare tokens come
        // first and the working one last: a sync the scheduler starts meanwhile must still
        // be accepted by Apple.
        let (id, sim_server) = entry(&w, "Working").await;
        let expiring = w
            .sim
            .admin()
            .download_token(&sim_server, Some(1), None)
            .await
            .unwrap()
            .bytes;
        let good = token(&w, &sim_server).await;
        let before = w
            .api
            .abm_upload_token(id, token(&w, &sim_server).await, false)
            .await
            .unwrap();
        let mut truncated = good.clone();
        truncated.truncate(good.len() / 2);
        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            ("empty", Vec::new(), "empty"),
            ("garbage", b"hello, I am not a token".to_vec(), "S/MIME"),
            ("truncated", truncated, ""),
            ("oversized", vec![b'A'; 65 * 1024], "64 KiB"),
        ];
        for (what, bytes, needle) in cases {
            let (status, message, field) =
                invalid(w.api.abm_upload_token(id, bytes, false).await.unwrap_err());
            assert_eq!(
                (status, field.as_deref()),
                (422, Some("token")),
                "{what}: {message}"
            );
            assert!(message.contains(needle), "{what}: {message}");
            assert!(!message.contains("token: token"), "{what}: {message}");
        }
        // Encrypted for another key: another entry's certificate.
        let other = w
            .api
            .abm_create_server(&CreateAbmServer {
                name: "Other".into(),
                base_url: Some(w.sim.url().into()),
            })
            .await
            .unwrap();
        let foreign = w
            .sim
            .admin()
            .register_server("foreign", &other.certificate_pem)
            .await
            .unwrap();
        let (_, message, _) = invalid(
            w.api
                .abm_upload_token(id, token(&w, &foreign.server_uuid).await, false)
                .await
                .unwrap_err(),
        );
        assert!(message.contains("another certificate"), "{message}");
        // Expired: a token whose expiry has passed by cultivar's clock.
        w.clock.advance(time::Duration::days(2));
        let (_, message, _) = invalid(
            w.api
                .abm_upload_token(id, expiring, false)
                .await
                .unwrap_err(),
        );
        assert!(message.contains("expired"), "{message}");
        w.clock.advance(time::Duration::days(-2));
        let after = w.api.abm_server(id).await.unwrap();
        assert_eq!(after.token, before.token);
        assert_eq!(after.account, before.account);
        assert_eq!(after.status, "active");
    })
    .await;
}

#[tokio::test]
async fn a_token_of_another_abm_server_needs_force() {
    each_backend(|w| async move {
        let (id, _, before) = exchanged(&w, "Guarded").await;
        // The same certificate registered as a second MDM server in ABM: another consumer key.
        let pem = w.api.abm_public_key(id).await.unwrap();
        let second = w
            .sim
            .admin()
            .register_server("second-mdm", &pem)
            .await
            .unwrap();
        let other_token = token(&w, &second.server_uuid).await;
        let err = w
            .api
            .abm_upload_token(id, other_token.clone(), false)
            .await
            .unwrap_err();
        let (status, message, _) = invalid(err);
        assert_eq!(status, 409);
        assert!(message.contains("different ABM MDM server"), "{message}");
        assert_eq!(w.api.abm_server(id).await.unwrap().token, before.token);
        let forced = w.api.abm_upload_token(id, other_token, true).await.unwrap();
        assert_eq!(forced.account.unwrap().server_name, "second-mdm");
        assert_ne!(
            forced.token.unwrap().consumer_key,
            before.token.unwrap().consumer_key
        );
    })
    .await;
}

#[tokio::test]
async fn apple_faults_become_statuses_and_retries() {
    each_backend(|w| async move {
        let (id, sim_server, _) = exchanged(&w, "Faulty").await;
        // 401 after the sessions were dropped: one re-authentication, still active.
        w.sim.admin().invalidate_sessions().await.unwrap();
        assert_eq!(w.api.abm_refresh(id).await.unwrap().status, "active");
        // 429 with Retry-After: the client waits exactly what Apple asked, then succeeds.
        let fault = Fault {
            endpoint: "/account".into(),
            status: Some(429),
            code: None,
            retry_after: Some(7),
            count: 1,
            latency_ms: None,
        };
        w.sim.admin().add_fault(&fault).await.unwrap();
        assert_eq!(w.api.abm_refresh(id).await.unwrap().status, "active");
        assert!(
            w.sleeper.delays().contains(&Duration::from_secs(7)),
            "{:?}",
            w.sleeper.delays()
        );
        // Terms not signed: a status with its fix, cleared by the next success.
        w.sim.admin().set_terms_signed(false).await.unwrap();
        let view = w.api.abm_refresh(id).await.unwrap();
        assert_eq!(view.status, "terms_not_signed");
        assert!(
            view.status_fix.contains("accept the new terms"),
            "{}",
            view.status_fix
        );
        assert!(
            view.account.is_some(),
            "the last known account stays visible"
        );
        w.sim.admin().set_terms_signed(true).await.unwrap();
        assert_eq!(w.api.abm_refresh(id).await.unwrap().status, "active");
        // A token revoked in ABM: Apple refuses the session.
        w.sim.admin().expire_token(&sim_server).await.unwrap();
        let view = w.api.abm_refresh(id).await.unwrap();
        assert_eq!(view.status, "token_rejected", "{view:?}");
        assert!(!view.status_fix.is_empty());
    })
    .await;
}

#[tokio::test]
async fn expiry_is_reported_from_thirty_days_before() {
    each_backend(|w| async move {
        let (id, _, _) = exchanged(&w, "Ageing").await;
        w.clock.advance(time::Duration::days(340));
        let view = w.api.abm_server(id).await.unwrap();
        assert_eq!(view.status, "expiring");
        assert!(view.token.unwrap().days_left <= 30);
        w.clock.advance(time::Duration::days(30));
        let view = w.api.abm_server(id).await.unwrap();
        assert_eq!(view.status, "expired");
        assert!(
            view.status_fix.contains("download a new token"),
            "{}",
            view.status_fix
        );
    })
    .await;
}

#[tokio::test]
async fn unknown_entries_and_bad_names_get_clear_errors() {
    each_backend(|w| async move {
        let missing = Uuid::new_v4();
        let (status, _, _) = invalid(w.api.abm_server(missing).await.unwrap_err());
        assert_eq!(status, 404);
        let (status, _, _) = invalid(
            w.api
                .abm_upload_token(missing, b"x".to_vec(), false)
                .await
                .unwrap_err(),
        );
        assert_eq!(status, 404);
        let body = CreateAbmServer {
            name: "  ".into(),
            base_url: None,
        };
        let (status, _, field) = invalid(w.api.abm_create_server(&body).await.unwrap_err());
        assert_eq!((status, field.as_deref()), (422, Some("name")));
        let body = CreateAbmServer {
            name: "x".into(),
            base_url: Some("ftp://nope".into()),
        };
        let (_, _, field) = invalid(w.api.abm_create_server(&body).await.unwrap_err());
        assert_eq!(field.as_deref(), Some("base_url"));
        exchanged(&w, "Dup").await;
        let body = CreateAbmServer {
            name: "Dup".into(),
            base_url: None,
        };
        let (status, _, _) = invalid(w.api.abm_create_server(&body).await.unwrap_err());
        assert_eq!(status, 409);
    })
    .await;
}
