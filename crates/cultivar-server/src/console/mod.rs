//! The web console: server-rendered askama pages, plain HTML forms, one embedded CSS file.
//!
//! To add a page: a module with `pub fn router() -> Router<AppState>`, handlers that take
//! [`ConsoleSession`] (or [`CsrfForm`] for POSTs) and render a template that extends
//! `page.html` with `chrome: session.chrome("/your/path")`; add its link to [`NAV`] if it is
//! not there yet, and merge its router in [`router`].

mod abm;
mod abm_devices;
mod ade;
mod assets;
mod csrf;
mod dashboard;
mod devices;
mod error;
mod landing;
mod login;
mod session;

use axum::{
    http::{header, HeaderValue},
    Router,
};
use tower_http::set_header::SetResponseHeaderLayer;

pub use csrf::{constant_time_eq, CsrfForm, NoFields};
pub use error::{render_error_page, ConsoleError};
pub use session::{ConsoleSession, SESSION_COOKIE};

use crate::AppState;

/// One entry of the navigation bar.
#[derive(Debug, Clone, Copy)]
pub struct NavItem {
    pub label: &'static str,
    pub href: &'static str,
    pub children: &'static [NavItem],
}

/// The navigation bar. Pages that do not exist yet answer 404 until their module lands.
pub const NAV: &[NavItem] = &[
    NavItem {
        label: "Dashboard",
        href: "/",
        children: &[],
    },
    NavItem {
        label: "Devices",
        href: "/devices",
        children: &[NavItem {
            label: "ABM Devices",
            href: "/devices/abm",
            children: &[],
        }],
    },
    NavItem {
        label: "Enrollment",
        href: "/enrollment",
        children: &[NavItem {
            label: "ADE",
            href: "/enrollment/ade",
            children: &[],
        }],
    },
    NavItem {
        label: "Settings",
        href: "/settings",
        children: &[NavItem {
            label: "ABM Integration",
            href: "/settings/abm",
            children: &[],
        }],
    },
];

/// What the shared page frame (`page.html`) needs: navigation, the signed-in user and the CSRF
/// token for the sign-out form.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub nav: &'static [NavItem],
    /// `href` of the current section, highlighted in the bar.
    pub active: &'static str,
    pub user_email: String,
    pub csrf_token: String,
}

/// All console routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(login::router())
        .merge(dashboard::router())
        .merge(abm::router())
        .merge(abm_devices::router())
        .merge(devices::router())
        .merge(ade::router())
        .merge(landing::router())
        // Pages show per-user data: never keep them in shared caches or the back/forward cache.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .merge(assets::router())
}
