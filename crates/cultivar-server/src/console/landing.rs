//! The top-level sections of the navigation bar that have no page of their own:
//! `/enrollment` and `/settings` send the browser to their first page, so the bar's links
//! answer instead of 404ing.

use axum::{response::Redirect, routing::get, Router};

use super::ConsoleSession;
use crate::AppState;

/// Section → its first page. Only paths no other console module registers.
const LANDINGS: &[(&str, &str)] = &[
    ("/enrollment", "/enrollment/ade/profiles"),
    ("/settings", "/settings/abm"),
];

pub fn router() -> Router<AppState> {
    LANDINGS
        .iter()
        .fold(Router::new(), |router, &(section, first)| {
            // A session is required first, so a signed-out visitor goes to the login page.
            router.route(
                section,
                get(move |_session: ConsoleSession| async move { Redirect::to(first) }),
            )
        })
}
