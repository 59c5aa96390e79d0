//! ADE profile pushes over real HTTP against the simulator, on SQLite and PostgreSQL: OS
//! defaults assigned automatically after a change, explicit and group profiles winning, a
//! changed profile defined again, FAILED/THROTTLED cooldowns, NOT_ACCESSIBLE after a move, and
//! a re-push after an unassign in ABM.
#![allow(clippy::unwrap_used)]

#[path = "../abm_sync/world.rs"]
#[allow(dead_code)]
mod world;

mod moved;
mod push;
mod repush;
