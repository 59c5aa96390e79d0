//! The server's one integration-test binary: every test boots a real server on 127.0.0.1:0
//! through `cultivar-testkit` and speaks HTTP to it. Add new areas as modules here.
#![allow(clippy::unwrap_used)]

mod abm_console;
mod abm_sync;
mod api_keys;
mod audit;
mod console;
mod errors;
mod health;
mod route_walk;
mod tls;
