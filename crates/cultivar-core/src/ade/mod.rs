//! ADE (Automated Device Enrollment) profiles and their assignment, as pure rules:
//!
//! - [`profile`]: an administrator's profile (Apple's profile JSON plus `"os"`) validated
//!   against Apple's limits and codes before anything is sent; skip items checked against
//!   Apple's list for the OS ([`skipkeys`], generated at build time from the vendored
//!   `skipkeys.yaml`).
//! - [`resolve`]: which profile each device should have and why (explicit device profile →
//!   group profile → OS default → Unassigned with a reason), step by step.
//! - [`plan`]: what to send to Apple, given the resolutions and Apple's own record of each
//!   device (trusted over any local memory of past pushes) and the cooldowns.
//!
//! - [`AdeService`]: the store-backed service: plan (dry run), explain, the Unassigned list,
//!   and [`AdeService::apply`], which defines and assigns through ABM and records each
//!   serial's result; [`run_auto_push`] applies after every sync run and every change.
//!
//! Storage is `cultivar_store` (`AdeProfileStore`, `DeviceGroupStore`, …); the API/CLI build
//! on these.

mod admin;
mod auto;
mod iso;
mod os;
pub mod plan;
pub mod profile;
mod profile_rules;
mod push;
pub mod resolve;
mod service;
pub mod skipkeys;
mod unassigned;

#[cfg(test)]
mod plan_tests;
#[cfg(test)]
mod profile_tests;
#[cfg(test)]
mod push_tests;
#[cfg(test)]
mod resolve_tests;

pub use admin::{normalize_serial, parse_serial_csv, CsvImport, RejectedRow, SavedProfile};
pub use auto::run_auto_push;
pub use os::{device_os, AdeOs, UnknownOs};
pub use plan::{plan, Action, AppleView, PlanContext, PlanInput, WaitReason, FAILED_COOLDOWN};
pub use profile::{
    validate_profile, AdeProfileInput, InvalidProfile, ProfileCode, ProfileError, ProfileWarning,
    ValidatedProfile,
};
pub use push::{ApplySummary, BATCH, THROTTLED_DEFAULT};
pub use resolve::{
    resolve, Defaults, GroupConflict, GroupRef, Outcome, ProfileRef, Profiles, Resolution,
    Resolver, Rule, Step, StepResult, UnassignedReason,
};
pub use service::{AdeService, AppleRecord, Explanation};
pub use unassigned::UnassignedDevice;
