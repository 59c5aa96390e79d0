//! The JSON admin API under `/api/v1`.
//!
//! Every route is declared through [`ApiRoutes`], which records its method, path and required
//! [`Access`] next to the handler, so tests can walk all routes and check authentication and
//! roles. To add an area: create a module with `pub fn routes() -> ApiRoutes` (handlers take
//! [`ReadAccess`] or [`AdminAccess`] first) and an `#[derive(OpenApi)] struct Doc`, then add both
//! in [`routes`] and [`openapi::document`].

mod abm;
pub mod abm_devices;
pub mod abm_sync;
mod access;
mod ade;
mod ade_messages;
pub mod ade_views;
mod api_keys;
mod audit;
pub mod commands;
pub mod convert;
pub mod device_csv;
pub mod devices;
mod enroll;
mod groups;
pub mod openapi;
pub mod params;
mod push_cert;
pub mod sync_views;
mod whoami;

use axum::{
    handler::Handler,
    routing::{on, MethodFilter},
    Router,
};

pub use access::{AdminAccess, Principal, ReadAccess};

use crate::AppState;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No credentials needed (the OpenAPI document).
    Public,
    /// Any valid API key (read-only keys may only use `GET`).
    Read,
    /// An API key with the admin role.
    Admin,
}

/// HTTP methods used by the API (a closed set, so converting to a route filter cannot fail).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiMethod {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl ApiMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            ApiMethod::Get => "GET",
            ApiMethod::Post => "POST",
            ApiMethod::Put => "PUT",
            ApiMethod::Patch => "PATCH",
            ApiMethod::Delete => "DELETE",
        }
    }

    fn filter(self) -> MethodFilter {
        match self {
            ApiMethod::Get => MethodFilter::GET,
            ApiMethod::Post => MethodFilter::POST,
            ApiMethod::Put => MethodFilter::PUT,
            ApiMethod::Patch => MethodFilter::PATCH,
            ApiMethod::Delete => MethodFilter::DELETE,
        }
    }
}

/// One declared route: full path (axum syntax, `{id}` for parameters) and required access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteSpec {
    pub method: ApiMethod,
    pub path: &'static str,
    pub access: Access,
}

/// A router that remembers what it was given.
pub struct ApiRoutes {
    router: Router<AppState>,
    specs: Vec<RouteSpec>,
}

impl Default for ApiRoutes {
    fn default() -> Self {
        ApiRoutes::new()
    }
}

impl ApiRoutes {
    pub fn new() -> Self {
        ApiRoutes {
            router: Router::new(),
            specs: Vec::new(),
        }
    }

    /// Adds `handler` for `method path`; `access` must match the extractor the handler takes
    /// (the route-walk test fails otherwise).
    pub fn route<H, T>(
        mut self,
        method: ApiMethod,
        path: &'static str,
        access: Access,
        handler: H,
    ) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.router = self.router.route(path, on(method.filter(), handler));
        self.specs.push(RouteSpec {
            method,
            path,
            access,
        });
        self
    }

    pub fn merge(mut self, other: ApiRoutes) -> Self {
        self.router = self.router.merge(other.router);
        self.specs.extend(other.specs);
        self
    }

    pub fn specs(&self) -> &[RouteSpec] {
        &self.specs
    }

    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}

/// Every `/api/v1` route.
pub fn routes() -> ApiRoutes {
    ApiRoutes::new()
        .merge(whoami::routes())
        .merge(api_keys::routes())
        .merge(audit::routes())
        .merge(abm::routes())
        .merge(abm_sync::routes())
        .merge(abm_devices::routes())
        .merge(ade::routes())
        .merge(groups::routes())
        .merge(devices::routes())
        .merge(commands::routes())
        .merge(enroll::routes())
        .merge(push_cert::routes())
        .merge(openapi::routes())
}

/// The registry: every `/api/v1` route with its required access.
pub fn route_specs() -> Vec<RouteSpec> {
    routes().specs().to_vec()
}
