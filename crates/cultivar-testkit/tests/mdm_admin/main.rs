//! The MDM admin API over real HTTP on SQLite and PostgreSQL: device states and the merged
//! device list, command refusals (unknown type, payload type, User Enrollment, OS), bulk
//! enqueue, the activity log's filters, cancel and the error view. The device side is driven
//! through the store (`next_mdm_command` / `record_mdm_report`), as a device's reports would be.
#![allow(clippy::unwrap_used)]

mod commands;
mod console;
mod devices;
mod kit;
