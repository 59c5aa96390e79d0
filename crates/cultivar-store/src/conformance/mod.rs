//! The conformance suite: behaviour every [`Store`] backend must show, run by
//! `tests/sqlite.rs` and `tests/postgres.rs` (and reusable by later crates).
//!
//! Every case is a `pub async fn(&dyn Store)` that panics with a message naming the broken
//! contract. Cases only look at rows they created (names carry a random suffix), so they can
//! share one database and run in any order; [`run_all`] runs them in sequence.

mod abm_device;
mod abm_device_atomic;
mod abm_device_list;
mod abm_device_moves;
mod abm_server;
mod abm_sync_run;
mod abm_sync_state;
mod abm_token;
mod ade_assignment;
mod ade_definition;
mod ade_profile;
mod ade_push;
mod admin_user;
mod api_key;
mod audit;
mod console_session;
mod device_group;
mod mdm;
mod mdm_checkin;
mod mdm_devices;
mod mdm_exchange;
mod mdm_push;
mod mdm_scep;

use std::fmt::Debug;

use time::OffsetDateTime;

use crate::{Store, StoreError};

pub use abm_device::{
    abm_device_page_removals, abm_device_page_round_trip, abm_device_page_upserts,
};
pub use abm_device_atomic::{abm_device_page_is_atomic, abm_device_page_rules_refused};
pub use abm_device_list::abm_device_list_filters;
pub use abm_device_moves::abm_device_page_moves;
pub use abm_server::{
    abm_account_and_status, abm_server_delete, abm_server_round_trip, abm_server_rules,
    abm_staging_keypair, abm_sync_batch_size,
};
pub use abm_sync_run::{
    abm_sync_interrupted_runs, abm_sync_run_history, abm_sync_run_round_trip, abm_sync_run_rules,
};
pub use abm_sync_state::{
    abm_full_fetch_phases, abm_full_fetch_reconcile, abm_server_delete_cascades_sync_data,
    abm_sync_health,
};
pub use abm_token::{
    abm_token_install_failures_leave_row_intact, abm_token_install_keeps_keypair,
    abm_token_install_promotes_staging,
};
pub use ade_assignment::{
    ade_device_profile_round_trip, ade_devices_with_assignments, ade_os_defaults_round_trip,
};
pub use ade_definition::ade_definition_history;
pub use ade_profile::{
    ade_profile_definitions, ade_profile_delete_in_use, ade_profile_force_delete,
    ade_profile_round_trip, ade_profile_rules, ade_profile_update_revisions,
};
pub use ade_push::{
    ade_push_cooling_down, ade_push_state_round_trip, ade_push_state_rules, ade_push_states_batch,
};
pub use admin_user::{admin_user_password, admin_user_round_trip, admin_user_rules};
pub use api_key::{
    api_key_list_order, api_key_round_trip, api_key_rules, api_key_touch_and_revoke,
};
pub use audit::{audit_order_and_paging, audit_rules};
pub use console_session::{
    console_session_expiry, console_session_round_trip, console_session_rules,
};
pub use device_group::{
    device_group_members, device_group_memberships, device_group_round_trip, device_group_rules,
    device_group_update,
};
pub use mdm::{
    mdm_activity_log, mdm_cert_bindings, mdm_enrollment_lifecycle, mdm_queue_claims_and_cancel,
    mdm_queue_order_and_not_now, mdm_reauthenticate_clears_queue,
};
pub use mdm_checkin::{mdm_device_ca_created_once, mdm_inventory_round_trip};
pub use mdm_devices::mdm_device_channels_by_key;
pub use mdm_exchange::{
    mdm_exchange_checks_the_certificate, mdm_exchange_rules, mdm_exchange_session,
};
pub use mdm_push::{
    mdm_push_cert_pending_and_install, mdm_push_error_cleared_by_token_update, mdm_push_errors,
};
pub use mdm_scep::{mdm_challenge_consumed_once, mdm_issued_certs_tracked};

/// Declares [`CASES`] and [`run_case`] from one list, so they cannot drift apart.
macro_rules! cases {
    ($($name:ident),+ $(,)?) => {
        /// Every case name, in the order [`run_all`] runs them.
        pub const CASES: &[&str] = &[$(stringify!($name)),+];

        /// Runs the case called `name` (one of [`CASES`]); panics on an unknown name.
        pub async fn run_case(name: &str, store: &dyn Store) {
            match name {
                $(stringify!($name) => $name(store).await,)+
                other => panic!("conformance: unknown case {other:?} (see CASES)"),
            }
        }
    };
}

cases![
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
];

/// Runs every case against one store, in sequence.
pub async fn run_all(store: &dyn Store) {
    for name in CASES {
        eprintln!("conformance: {name}");
        run_case(name, store).await;
    }
}

/// The store answers a trivial query.
pub async fn store_ping(store: &dyn Store) {
    must(store.ping().await, "ping");
}

/// Unwraps `r`, panicking with `ctx` and the error.
pub(crate) fn must<T>(r: Result<T, StoreError>, ctx: &str) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("{ctx}: unexpected error: {e}"),
    }
}

/// Unwraps a lookup that must find something.
pub(crate) fn found<T>(r: Result<Option<T>, StoreError>, ctx: &str) -> T {
    match must(r, ctx) {
        Some(v) => v,
        None => panic!("{ctx}: expected a row, got None"),
    }
}

/// The error of `r`, panicking if it succeeded.
pub(crate) fn failed<T: Debug>(r: Result<T, StoreError>, ctx: &str) -> StoreError {
    match r {
        Ok(v) => panic!("{ctx}: expected an error, got Ok({v:?})"),
        Err(e) => e,
    }
}

pub(crate) fn assert_conflict<T: Debug>(r: Result<T, StoreError>, ctx: &str) {
    let e = failed(r, ctx);
    assert!(
        matches!(e, StoreError::Conflict { .. }),
        "{ctx}: expected Conflict, got {e:?}"
    );
}

pub(crate) fn assert_not_found<T: Debug>(r: Result<T, StoreError>, ctx: &str) {
    let e = failed(r, ctx);
    assert!(
        matches!(e, StoreError::NotFound { .. }),
        "{ctx}: expected NotFound, got {e:?}"
    );
}

pub(crate) fn assert_invalid<T: Debug>(r: Result<T, StoreError>, field: &str, ctx: &str) {
    let e = failed(r, ctx);
    assert!(
        matches!(&e, StoreError::Invalid { field: f, .. } if f == field),
        "{ctx}: expected Invalid for field {field:?}, got {e:?}"
    );
}

/// A value no other case (or earlier run) uses.
pub(crate) fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

/// A fixed instant with microseconds, the precision every backend must keep.
pub(crate) fn at(unix_seconds: i64, micros: u32) -> OffsetDateTime {
    let base = match OffsetDateTime::from_unix_timestamp(unix_seconds) {
        Ok(t) => t,
        Err(e) => panic!("test timestamp {unix_seconds}: {e}"),
    };
    base + time::Duration::microseconds(i64::from(micros))
}
