//! The history of Apple UUIDs cultivar defined: kept across redefinitions and profile deletes.

use super::{abm_server::insert_server, ade_profile::insert_profile, at, must, unique};
use crate::{AdeDefinedUuid, AdeProfileDefinition, Store};

fn definition(profile: uuid::Uuid, server: uuid::Uuid, revision: i64) -> AdeProfileDefinition {
    AdeProfileDefinition {
        profile_id: profile,
        abm_server_id: server,
        apple_profile_uuid: unique("APPLE").to_ascii_uppercase(),
        revision,
        defined_at: at(1_700_000_000 + revision, 7),
    }
}

fn as_defined(d: &AdeProfileDefinition, profile: Option<uuid::Uuid>) -> AdeDefinedUuid {
    AdeDefinedUuid {
        abm_server_id: d.abm_server_id,
        apple_profile_uuid: d.apple_profile_uuid.clone(),
        profile_id: profile,
        revision: d.revision,
        defined_at: d.defined_at,
    }
}

/// This server's history, as listed.
async fn history(store: &dyn Store, server: uuid::Uuid) -> Vec<AdeDefinedUuid> {
    let all = must(
        store.list_ade_defined_uuids().await,
        "list_ade_defined_uuids",
    );
    all.into_iter()
        .filter(|d| d.abm_server_id == server)
        .collect()
}

/// A redefinition replaces the current definition but every Apple UUID stays in the history,
/// also after its profile is deleted; a failed put adds nothing.
pub async fn ade_definition_history(store: &dyn Store) {
    let (p, q) = (
        insert_profile(store, "iOS").await,
        insert_profile(store, "macOS").await,
    );
    let server = insert_server(store).await.id;
    let (r1, r2, other) = (
        definition(p.id, server, 1),
        definition(p.id, server, 2),
        definition(q.id, server, 1),
    );
    for d in [&r1, &r2, &other] {
        must(store.put_ade_profile_definition(d).await, "put definition");
    }
    let current = must(store.ade_profile_definition(p.id, server).await, "current");
    assert_eq!(
        current.as_ref(),
        Some(&r2),
        "the latest definition is current"
    );
    let mut expected = vec![
        as_defined(&r1, Some(p.id)),
        as_defined(&r2, Some(p.id)),
        as_defined(&other, Some(q.id)),
    ];
    expected.sort_by(|a, b| a.apple_profile_uuid.cmp(&b.apple_profile_uuid));
    assert_eq!(
        history(store, server).await,
        expected,
        "every UUID ever defined, ordered by UUID"
    );

    must(store.delete_ade_profile(q.id, true).await, "delete q");
    for d in &mut expected {
        if d.apple_profile_uuid == other.apple_profile_uuid {
            d.profile_id = None;
        }
    }
    assert_eq!(
        history(store, server).await,
        expected,
        "a deleted profile's UUIDs stay, without their profile"
    );

    let refused = AdeProfileDefinition {
        profile_id: q.id,
        ..definition(q.id, server, 3)
    };
    assert!(
        store.put_ade_profile_definition(&refused).await.is_err(),
        "a deleted profile cannot be defined"
    );
    assert_eq!(
        history(store, server).await.len(),
        3,
        "a refused definition leaves no history"
    );
}
