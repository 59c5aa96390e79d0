//! Shared by the integration tests: fresh stores per backend and the per-case test list.
// Each test binary compiles this module and uses only part of it.
#![allow(dead_code)]

use std::sync::Arc;

use cultivar_store::{open, testing::TestDatabase, ConsoleSession, NewAdminUser, Store};

/// A fresh, migrated store plus whatever keeps its database alive.
pub struct Harness {
    pub store: Arc<dyn Store>,
    pub url: String,
    guard: Guard,
}

enum Guard {
    Dir(tempfile::TempDir),
    Pg(TestDatabase),
}

impl Harness {
    /// Closes the store and removes its database.
    pub async fn finish(self) {
        self.store.close().await;
        match self.guard {
            Guard::Dir(dir) => drop(dir),
            Guard::Pg(db) => db.cleanup().await,
        }
    }
}

/// A store on a new SQLite file in a temporary directory.
pub async fn sqlite() -> Option<Harness> {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = cultivar_store::sqlite_url_for_data_dir(dir.path());
    let store = open(&url).await.expect("open sqlite");
    Some(Harness {
        store,
        url,
        guard: Guard::Dir(dir),
    })
}

/// A store on a new PostgreSQL database; `None` (after a warning) if PostgreSQL is
/// unreachable outside CI.
pub async fn postgres() -> Option<Harness> {
    let db = cultivar_store::testing::postgres_test_database().await?;
    let url = db.url.clone();
    let store = open(&url).await.expect("open postgres");
    Some(Harness {
        store,
        url,
        guard: Guard::Pg(db),
    })
}

/// An admin user with one live session; returns the user id and the token hash.
pub async fn user_with_session(h: &Harness) -> (uuid::Uuid, String) {
    let new = NewAdminUser {
        email: format!("{}@example.com", uuid::Uuid::new_v4().simple()),
        password_hash: "h".into(),
    };
    let user = h.store.insert_admin_user(&new).await.expect("insert user");
    let now = time::OffsetDateTime::now_utc();
    let session = ConsoleSession {
        token_hash: "tok".into(),
        user_id: user.id,
        csrf_token: "csrf".into(),
        created_at: now,
        expires_at: now + time::Duration::hours(1),
    };
    h.store
        .insert_console_session(&session)
        .await
        .expect("insert session");
    assert!(h
        .store
        .console_session("tok")
        .await
        .expect("lookup")
        .is_some());
    (user.id, session.token_hash)
}

/// One `#[tokio::test]` per conformance case, each on its own fresh database from `$fresh`,
/// plus a check that no case of `conformance::CASES` is missing here.
#[allow(unused_macros)]
macro_rules! conformance_tests {
    ($fresh:path) => {
        crate::common::conformance_tests!(@cases $fresh:
            store_ping,
            api_key_round_trip,
            api_key_rules,
            api_key_touch_and_revoke,
            api_key_list_order,
            admin_user_round_trip,
            admin_user_rules,
            admin_user_password,
            console_session_round_trip,
            console_session_rules,
            console_session_expiry,
            abm_server_round_trip,
            abm_server_rules,
            abm_staging_keypair,
            abm_token_install_promotes_staging,
            abm_token_install_keeps_keypair,
            abm_token_install_failures_leave_row_intact,
            abm_account_and_status,
            abm_server_delete,
            abm_sync_batch_size,
            abm_device_page_round_trip,
            abm_device_page_upserts,
            abm_device_page_removals,
            abm_device_page_moves,
            abm_device_page_is_atomic,
            abm_device_page_rules_refused,
            abm_full_fetch_phases,
            abm_full_fetch_reconcile,
            abm_sync_health,
            abm_server_delete_cascades_sync_data,
            abm_device_list_filters,
            abm_sync_run_round_trip,
            abm_sync_run_rules,
            abm_sync_run_history,
            abm_sync_interrupted_runs,
            audit_order_and_paging,
            audit_rules,
            ade_profile_round_trip,
            ade_profile_rules,
            ade_profile_update_revisions,
            ade_profile_delete_in_use,
            ade_profile_force_delete,
            ade_profile_definitions,
            ade_definition_history,
            device_group_round_trip,
            device_group_update,
            device_group_rules,
            device_group_members,
            device_group_memberships,
            ade_device_profile_round_trip,
            ade_os_defaults_round_trip,
            ade_devices_with_assignments,
            ade_push_state_round_trip,
            ade_push_cooling_down,
            ade_push_state_rules,
            ade_push_states_batch,
            mdm_enrollment_lifecycle,
            mdm_cert_bindings,
            mdm_queue_order_and_not_now,
            mdm_exchange_session,
            mdm_exchange_rules,
            mdm_exchange_checks_the_certificate,
            mdm_queue_claims_and_cancel,
            mdm_activity_log,
            mdm_reauthenticate_clears_queue,
            mdm_device_ca_created_once,
            mdm_inventory_round_trip,
            mdm_device_channels_by_key,
            mdm_push_cert_pending_and_install,
            mdm_push_errors,
            mdm_push_error_cleared_by_token_update,
            mdm_challenge_consumed_once,
            mdm_issued_certs_tracked,
        );
    };
    (@cases $fresh:path: $($case:ident),+ $(,)?) => {
        mod conformance_cases {
            $(
                #[tokio::test]
                async fn $case() {
                    let Some(h) = $fresh().await else { return };
                    cultivar_store::conformance::$case(h.store.as_ref()).await;
                    h.finish().await;
                }
            )+

            #[test]
            fn every_conformance_case_has_a_test() {
                let mut here = vec![$(stringify!($case)),+];
                let mut suite = cultivar_store::conformance::CASES.to_vec();
                here.sort_unstable();
                suite.sort_unstable();
                assert_eq!(here, suite, "tests/common/mod.rs must list every conformance case");
            }
        }

        #[tokio::test]
        async fn run_all_on_one_database() {
            let Some(h) = $fresh().await else { return };
            cultivar_store::conformance::run_all(h.store.as_ref()).await;
            // A second pass proves the cases tolerate each other's leftover rows.
            cultivar_store::conformance::run_all(h.store.as_ref()).await;
            h.finish().await;
        }
    };
}
#[allow(unused_imports)]
pub(crate) use conformance_tests;
