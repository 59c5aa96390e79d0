//! The ADE admin API over real HTTP (through `AdminClient`) against the ABM simulator, on
//! SQLite and PostgreSQL: every resolution case checked through `explain` and `unassigned`,
//! re-assignment after a profile, group or default change touching only the affected
//! devices, removal, validation, deletes of profiles in use, CSV imports, and the guide's
//! troubleshooting rows.
#![allow(clippy::unwrap_used)]

#[path = "../abm_sync/world.rs"]
#[allow(dead_code)]
mod world;

mod admin;
mod cooldown;
mod kit;
mod reassign;
mod resolution;
mod troubleshoot;
