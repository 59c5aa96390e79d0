//! Integration tests over real HTTP on 127.0.0.1:0 (one binary, modules by topic).

mod auth;
mod endpoints;
mod mock;
mod retry;
mod token;
