//! Store records → wire types (also used by the CLI's offline commands).

use cultivar_api_types::{ApiKeyView, ApiRole, AuditEntryView};
use cultivar_store::{ApiKey, AuditEntry, Role};

pub fn role_to_api(role: Role) -> ApiRole {
    match role {
        Role::Admin => ApiRole::Admin,
        Role::ReadOnly => ApiRole::ReadOnly,
    }
}

pub fn role_from_api(role: ApiRole) -> Role {
    match role {
        ApiRole::Admin => Role::Admin,
        ApiRole::ReadOnly => Role::ReadOnly,
    }
}

pub fn api_key_view(key: &ApiKey) -> ApiKeyView {
    ApiKeyView {
        id: key.id,
        name: key.name.clone(),
        role: role_to_api(key.role),
        prefix: key.key_prefix.clone(),
        created_at: key.created_at,
        last_used_at: key.last_used_at,
        revoked_at: key.revoked_at,
    }
}

pub fn audit_view(entry: AuditEntry) -> AuditEntryView {
    AuditEntryView {
        id: entry.id,
        at: entry.at,
        actor: entry.actor,
        action: entry.action,
        target: entry.target,
        detail: entry.detail,
    }
}
