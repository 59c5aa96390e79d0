use serde_json::json;

use super::{assert_invalid, must, unique};
use crate::{AuditEntry, NewAuditEntry, Store};

fn entry(actor: &str, n: usize) -> NewAuditEntry {
    NewAuditEntry {
        actor: actor.to_owned(),
        action: "abm_server.update".to_owned(),
        target: matches!(n, 0 | 2 | 4).then(|| format!("abm_server/{n}")),
        detail: json!({ "n": n, "nested": { "list": [1, "two", null], "ok": true } }),
    }
}

/// Entries round-trip, ids grow in append order, listing is newest first and pages by id.
pub async fn audit_order_and_paging(store: &dyn Store) {
    let actor = unique("actor");
    let mut appended: Vec<AuditEntry> = Vec::new();
    for n in 0..5 {
        let new = entry(&actor, n);
        let stored = must(store.append_audit(&new).await, "append_audit");
        assert_eq!(
            (
                &stored.actor,
                &stored.action,
                &stored.target,
                &stored.detail
            ),
            (&new.actor, &new.action, &new.target, &new.detail),
            "append_audit must store the given fields"
        );
        if let Some(prev) = appended.last() {
            assert!(stored.id > prev.id, "ids must grow in append order");
        }
        appended.push(stored);
    }
    let newest_first: Vec<AuditEntry> = appended.iter().rev().cloned().collect();

    let page1 = must(store.list_audit(3, None).await, "list_audit first page");
    assert_eq!(
        page1,
        newest_first[..3],
        "first page: the 3 newest entries, newest first"
    );
    let cursor = page1.last().map(|e| e.id);
    let page2 = must(store.list_audit(3, cursor).await, "list_audit second page");
    assert!(
        page2.len() >= 2,
        "second page must hold the 2 older entries"
    );
    assert_eq!(
        page2[..2],
        newest_first[3..],
        "second page continues below the cursor"
    );
    assert!(
        page2.windows(2).all(|w| w[0].id > w[1].id),
        "list_audit must be newest first"
    );
    let empty = must(store.list_audit(0, None).await, "list_audit limit 0");
    assert!(empty.is_empty(), "limit 0 must return nothing");
    let oldest = appended.first().map(|e| e.id);
    let below = must(
        store.list_audit(10, oldest).await,
        "list_audit below oldest",
    );
    assert!(
        below.iter().all(|e| e.actor != actor),
        "nothing of ours lies below the oldest entry"
    );
}

/// Actor and action are required.
pub async fn audit_rules(store: &dyn Store) {
    let mut no_actor = entry("x", 1);
    no_actor.actor.clear();
    assert_invalid(store.append_audit(&no_actor).await, "actor", "empty actor");
    let mut no_action = entry("x", 1);
    no_action.action.clear();
    assert_invalid(
        store.append_audit(&no_action).await,
        "action",
        "empty action",
    );
}
