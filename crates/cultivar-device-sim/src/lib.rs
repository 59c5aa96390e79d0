//! cultivar-device-sim: simulated Apple devices (iPhone, iPad, Mac, Apple TV) that speak the
//! MDM protocol to a server over HTTP, for end-to-end tests, demos and load measurements.
//!
//! # What it simulates
//! - Devices with real product identifiers, OS versions and builds, and deterministic serial
//!   numbers, UDIDs, push tokens and PushMagic from a seed and an index ([`model`], [`SimDevice`]).
//! - Reading an enrollment profile, plain or CMS-signed: the `com.apple.mdm` and
//!   `com.apple.security.scep` payloads ([`profile`]).
//! - SCEP enrollment (RFC 8894: GetCACaps, GetCACert, PKIOperation by POST or GET) to obtain
//!   the identity certificate ([`scep`]).
//! - Check-in (Authenticate, TokenUpdate, CheckOut, Set/GetBootstrapToken) and the command
//!   channel, every request signed into `Mdm-Signature` ([`MdmClient`]); sessions time each
//!   round trip, and [`LatencySummary`] gives p50/p99 for the load mode.
//! - Answers like real devices to DeviceInformation, InstalledApplicationList,
//!   ManagedApplicationList, ProfileList, InstallProfile, RemoveProfile, InstallApplication,
//!   RemoveApplication, DeviceLock, EraseDevice, DeviceConfigured and Settings; any other or
//!   unsupported command gets `MCMDMErrorDomain` 12021 (decided from Apple's schema for the
//!   device's OS and enrollment). `NotNow` and `Error` can be injected per request type.
//!
//! - ADE: activation through the ABM simulator's activation service, MachineInfo signed with
//!   the device identity, the enrollment profile from the profile URL, Setup Assistant until
//!   `DeviceConfigured` ([`ade`], [`activation`], [`machine_info`]).
//!
//! - Push wake-up: a [`PushListener`] reads the cultivar-apns stand-in's push feed and runs
//!   the session of each device pushed to ([`push`]); a caller can also run a session itself.
//!
//! # What it does not simulate
//! - Apple's APNs: push tokens are derived, not issued; pushes are seen through the stand-in.
//! - mTLS identity (`SignMessage` false): requests are always signed with `Mdm-Signature`.
//! - User channels, Shared iPad, Declarative Management, `UserAuthenticate`, ACME and PKCS#12
//!   identities, real app downloads (an installed app appears at once), and any UI.
#![forbid(unsafe_code)]

pub mod activation;
pub mod ade;
mod checkin;
mod client;
mod device;
mod enroll;
pub mod error;
pub mod machine_info;
pub mod model;
pub mod profile;
pub mod push;
pub mod respond;
pub mod scep;
mod stats;

pub use ade::{enroll_ade, enroll_ade_with, AdeEnrollment, AdeMethod};
pub use checkin::Identity;
pub use client::{Endpoints, Handled, MdmClient, Reply, SessionReport};
pub use device::{App, Injection, SimDevice};
pub use enroll::enroll_with_profile;
pub use error::SimError;
pub use model::{Family, ModelInfo};
pub use profile::{EnrollmentProfile, MdmPayload, Profile, ScepPayload};
pub use push::{FeedPush, PushFeed, PushListener, Wake};
pub use respond::validate::validate_response;
pub use scep::ScepEnrollment;
pub use stats::LatencySummary;
