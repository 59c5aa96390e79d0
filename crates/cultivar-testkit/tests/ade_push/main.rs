//! ADE profile pushes over real HTTP against the simulator, on SQLite and PostgreSQL: OS
//! defaults assigned automatically after a change, and the FAILED cooldown.
#![allow(clippy::unwrap_used)]

#[path = "../abm_sync/world.rs"]
#[allow(dead_code)]
mod world;

mod push;
mod repush;
