//! ABM device sync over real HTTP against the simulator, on SQLite and PostgreSQL: full fetch and
//! incremental sync, moves, duplicates, batch sizes, restarts, cursor faults, Apple's echoed
//! cursor, rate limits, terms and token problems, Sync Now joining, the scheduler, and a property
//! test of random interleavings.
#![allow(clippy::unwrap_used)]

mod faults;
mod fetch_sync;
mod property;
mod scheduler;
mod world;
