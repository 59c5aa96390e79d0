//! The simulated Apple Business Manager organisation: org details, MDM servers with their tokens and
//! event logs, devices, and profiles. Everything here is plain data (serialised whole to the state
//! file) plus the operations that change it, each of which appends to the affected servers' event
//! logs exactly as ABM reports changes through `/devices/sync`.
//!
//! Devices live in one ordered map keyed by serial, and every server keeps an ordered index of
//! its serials, so a fetch page is a range scan and nothing is O(n) per request.

pub mod catalog;
mod devices;
mod profiles;

pub use catalog::{Os, OsChoice};
pub use devices::{DevicePatch, Outcome};
pub use profiles::{AssignInjection, InjectedResult, WILDCARD};

use crate::ids::{self, Domain};
use cultivar_abm_proto::Profile;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The organisation that owns the devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Org {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub address: String,
    pub org_id: String,
    pub org_id_hash: String,
    pub org_type: String,
    pub org_version: String,
    /// The ABM administrator the portal acts as (token `admin_id`, `device_assigned_by`).
    pub admin_id: String,
    pub terms_signed: bool,
}

impl Org {
    fn new(seed: u64) -> Self {
        let org_id = format!("{}", 1_000_000 + ids::mix(seed, Domain::Org, 0) % 9_000_000);
        let org_id_hash = hex::encode(cultivar_crypto::sha256(org_id.as_bytes()));
        Org {
            name: "Cultivar Simulated Org".into(),
            email: "abm-admin@example.com".into(),
            phone: "+1 555 0100".into(),
            address: "1 Example Way, Springfield, 00000".into(),
            org_id,
            org_id_hash,
            org_type: "org".into(),
            org_version: "v2".into(),
            admin_id: "abm-admin@example.com".into(),
            terms_signed: true,
        }
    }
}

/// The OAuth secrets of the token last downloaded for a server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRec {
    pub consumer_secret: String,
    pub access_token: String,
    pub access_secret: String,
    pub downloaded_ms: i64,
    pub expires_ms: i64,
    pub admin_id: String,
    /// Set by the admin `expire-token` action: the token stops working at once.
    pub revoked: bool,
}

impl TokenRec {
    pub fn usable_at(&self, now_ms: i64) -> bool {
        !self.revoked && now_ms < self.expires_ms
    }
}

/// What happened to a device, from one server's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    Added,
    Modified,
    Deleted,
}

/// One entry of a server's event log; its position in the log is its sequence number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub serial: String,
    pub op: Op,
    pub at_ms: i64,
}

/// An "MDM server" as registered in the ABM portal.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Server {
    pub uuid: String,
    pub name: String,
    pub certificate_pem: String,
    pub consumer_key: String,
    pub created_ms: i64,
    pub token: Option<TokenRec>,
    pub events: Vec<Event>,
    /// Serials assigned to this server, in order (rebuilt on load).
    #[serde(skip)]
    pub devices: BTreeSet<String>,
}

/// A device record. The serial is the key of [`SimState::devices`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceRec {
    pub model: String,
    pub description: String,
    pub color: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset_tag: Option<String>,
    pub os: Os,
    pub server: Option<String>,
    pub assigned_ms: Option<i64>,
    pub assigned_by: Option<String>,
    pub profile_uuid: Option<String>,
    pub profile_status: ProfileState,
    pub profile_assign_ms: Option<i64>,
    pub profile_push_ms: Option<i64>,
}

/// `profile_status` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProfileState {
    Empty,
    Assigned,
    Pushed,
    Removed,
}

impl ProfileState {
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileState::Empty => "empty",
            ProfileState::Assigned => "assigned",
            ProfileState::Pushed => "pushed",
            ProfileState::Removed => "removed",
        }
    }
}

/// A profile defined through `POST /profile`; it belongs to the server that defined it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredProfile {
    pub server_uuid: String,
    pub created_ms: i64,
    pub profile: Profile,
}

/// Counters behind the deterministic identifiers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    pub device: u64,
    pub server: u64,
    pub profile: u64,
}

/// The whole organisation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SimState {
    pub seed: u64,
    pub org: Org,
    pub servers: BTreeMap<String, Server>,
    pub devices: BTreeMap<String, DeviceRec>,
    /// Devices removed from the organisation by `/devices/disown`, kept for their sync records.
    pub disowned: BTreeMap<String, DeviceRec>,
    pub default_server: Option<String>,
    pub profiles: BTreeMap<String, StoredProfile>,
    /// Injected answers to assign requests, by serial or [`WILDCARD`] (`/_sim/assign-results`).
    #[serde(default)]
    pub assign_results: BTreeMap<String, AssignInjection>,
    pub counters: Counters,
    /// The simulated Apple device CA (`crate::activation`), generated on first use.
    #[serde(default)]
    pub device_ca: Option<crate::activation::DeviceCaRec>,
    #[serde(skip)]
    consumer_keys: HashMap<String, String>,
}

impl SimState {
    pub fn new(seed: u64) -> Self {
        SimState {
            seed,
            org: Org::new(seed),
            servers: BTreeMap::new(),
            devices: BTreeMap::new(),
            disowned: BTreeMap::new(),
            default_server: None,
            profiles: BTreeMap::new(),
            assign_results: BTreeMap::new(),
            counters: Counters::default(),
            device_ca: None,
            consumer_keys: HashMap::new(),
        }
    }

    /// Rebuilds the indexes that are not stored (after loading a state file).
    pub fn rebuild_indexes(&mut self) {
        for server in self.servers.values_mut() {
            server.devices.clear();
        }
        for (serial, dev) in &self.devices {
            if let Some(server) = dev.server.as_ref().and_then(|s| self.servers.get_mut(s)) {
                server.devices.insert(serial.clone());
            }
        }
        self.consumer_keys = self
            .servers
            .values()
            .map(|s| (s.consumer_key.clone(), s.uuid.clone()))
            .collect();
    }

    /// The server a consumer key belongs to.
    pub fn server_by_consumer_key(&self, consumer_key: &str) -> Option<&Server> {
        self.consumer_keys
            .get(consumer_key)
            .and_then(|uuid| self.servers.get(uuid))
    }

    /// Registers an MDM server; the caller has validated name and certificate.
    pub fn add_server(
        &mut self,
        name: &str,
        certificate_pem: &str,
        consumer_key: String,
        now_ms: i64,
    ) -> String {
        let mut uuid = ids::upper_hex_id(self.seed, Domain::Server, self.counters.server);
        while self.servers.contains_key(&uuid) {
            self.counters.server += 1;
            uuid = ids::upper_hex_id(self.seed, Domain::Server, self.counters.server);
        }
        self.counters.server += 1;
        self.consumer_keys
            .insert(consumer_key.clone(), uuid.clone());
        self.servers.insert(
            uuid.clone(),
            Server {
                uuid: uuid.clone(),
                name: name.to_string(),
                certificate_pem: certificate_pem.to_string(),
                consumer_key,
                created_ms: now_ms,
                token: None,
                events: Vec::new(),
                devices: BTreeSet::new(),
            },
        );
        uuid
    }

    /// The next profile UUID (32 upper-case hex, like Apple's).
    pub fn next_profile_uuid(&mut self) -> String {
        loop {
            let id = ids::upper_hex_id(self.seed, Domain::Profile, self.counters.profile);
            self.counters.profile += 1;
            if !self.profiles.contains_key(&id) {
                return id;
            }
        }
    }

    pub(crate) fn push_event(&mut self, server: &str, serial: &str, op: Op, at_ms: i64) {
        if let Some(s) = self.servers.get_mut(server) {
            s.events.push(Event {
                serial: serial.to_string(),
                op,
                at_ms,
            });
        }
    }
}
