//! `GET /`: the dashboard.

use askama::Template;
use axum::{extract::State, response::Html, routing::get, Router};
use cultivar_store::AuditEntry;

use super::{error::render, Chrome, ConsoleError, ConsoleSession};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(dashboard))
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    admin_users: u64,
    active_api_keys: usize,
    recent: Vec<RecentEntry>,
}

struct RecentEntry {
    at: String,
    actor: String,
    action: String,
    target: String,
}

impl From<AuditEntry> for RecentEntry {
    fn from(entry: AuditEntry) -> Self {
        let at = entry
            .at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_else(|_| entry.at.to_string());
        RecentEntry {
            at,
            actor: entry.actor,
            action: entry.action,
            target: entry.target.unwrap_or_default(),
        }
    }
}

async fn dashboard(
    session: ConsoleSession,
    State(state): State<AppState>,
) -> Result<Html<String>, ConsoleError> {
    let admin_users = state.store.count_admin_users().await?;
    let keys = state.store.list_api_keys().await?;
    let recent = state.store.list_audit(10, None).await?;
    render(&DashboardPage {
        chrome: session.chrome("/"),
        admin_users,
        active_api_keys: keys.iter().filter(|k| k.revoked_at.is_none()).count(),
        recent: recent.into_iter().map(RecentEntry::from).collect(),
    })
}
