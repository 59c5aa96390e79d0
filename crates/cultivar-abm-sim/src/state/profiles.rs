//! What an ABM administrator (or Apple) does to a device's ADE profile outside the API: scripted
//! per-serial answers to assign requests, removing an assignment in the portal, and the device
//! fetching its profile during Setup Assistant.
//!
//! Injected answers live in the state (not with the request faults) so a restarted simulator
//! keeps answering the same way, which the cooldown tests rely on.

use super::devices::Outcome;
use super::{DeviceRec, Op, ProfileState, SimState};
use cultivar_abm_proto::DeviceResult;
use serde::{Deserialize, Serialize};

/// The serial that stands for every serial of an assign request.
pub const WILDCARD: &str = "*";

/// A per-serial result Apple can give instead of assigning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InjectedResult {
    Failed,
    Throttled,
    NotAccessible,
}

impl InjectedResult {
    pub fn device_result(self) -> DeviceResult {
        match self {
            InjectedResult::Failed => DeviceResult::Failed,
            InjectedResult::Throttled => DeviceResult::Throttled,
            InjectedResult::NotAccessible => DeviceResult::NotAccessible,
        }
    }
}

/// An injected answer and how many more assign attempts it answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignInjection {
    pub result: InjectedResult,
    pub remaining: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u64>,
}

const UNKNOWN: &str = "not a known serial in this organisation";
const UNASSIGNED: &str = "not assigned to any MDM server";

impl SimState {
    /// Takes one use of `key`'s injection (a serial, or [`WILDCARD`]), dropping it when used up.
    pub fn take_injection(&mut self, key: &str) -> Option<AssignInjection> {
        let entry = self.assign_results.get_mut(key)?;
        let taken = *entry;
        entry.remaining = entry.remaining.saturating_sub(1);
        if entry.remaining == 0 {
            self.assign_results.remove(key);
        }
        Some(taken)
    }

    /// Portal "unassign profile": the device keeps its server and loses the profile; the server
    /// sees a `modified` record with `profile_status: removed`.
    pub fn unassign_profile(&mut self, serial: &str, now_ms: i64) -> Result<Outcome, String> {
        let dev = self.devices.get(serial).ok_or(UNKNOWN)?;
        let server = dev.server.clone().ok_or(UNASSIGNED)?;
        if dev.profile_uuid.is_none() {
            return Ok(Outcome::Unchanged);
        }
        self.clear_profile(serial, &server, now_ms);
        Ok(Outcome::Changed)
    }

    /// The device activated and fetched its profile: `pushed`, with the push time.
    pub fn mark_pushed(&mut self, serial: &str, now_ms: i64) -> Result<(), String> {
        let dev = self.devices.get_mut(serial).ok_or(UNKNOWN)?;
        let server = dev.server.clone().ok_or(UNASSIGNED)?;
        if dev.profile_uuid.is_none() {
            return Err(format!(
                "has no profile to fetch (profile_status {})",
                dev.profile_status.as_str()
            ));
        }
        dev.profile_status = ProfileState::Pushed;
        dev.profile_push_ms = Some(now_ms);
        self.push_event(&server, serial, Op::Modified, now_ms);
        Ok(())
    }
}

/// A removed assignment: no profile, status `removed`. The push time goes too, since it belonged
/// to the profile that is gone.
pub(super) fn mark_removed(dev: &mut DeviceRec) {
    dev.profile_uuid = None;
    dev.profile_status = ProfileState::Removed;
    dev.profile_push_ms = None;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{Os, OsChoice};

    #[test]
    fn injections_count_down_and_vanish() {
        let mut st = SimState::new(3);
        st.assign_results.insert(
            "S1".into(),
            AssignInjection {
                result: InjectedResult::Failed,
                remaining: 2,
                retry_after_seconds: None,
            },
        );
        assert_eq!(st.take_injection("S1").map(|i| i.remaining), Some(2));
        assert_eq!(st.take_injection("S1").map(|i| i.remaining), Some(1));
        assert_eq!(st.take_injection("S1"), None);
        assert!(st.assign_results.is_empty());
    }

    #[test]
    fn unassign_and_push_emit_modified() {
        let mut st = SimState::new(3);
        let a = st.add_server("A", "pem", "CK".into(), 0);
        let s = st.add_devices(1, OsChoice::One(Os::Ios), 0).remove(0);
        assert!(st.mark_pushed(&s, 1).is_err(), "unassigned device");
        st.assign(&s, &a, 1).expect("assign");
        assert!(st.mark_pushed(&s, 2).is_err(), "no profile yet");
        assert_eq!(st.unassign_profile(&s, 2), Ok(Outcome::Unchanged));
        assert!(st.set_profile(&s, &a, "P", 3));
        st.mark_pushed(&s, 4).expect("pushed");
        assert_eq!(st.devices[&s].profile_status, ProfileState::Pushed);
        assert_eq!(st.devices[&s].profile_push_ms, Some(4));
        assert_eq!(st.unassign_profile(&s, 5), Ok(Outcome::Changed));
        let d = &st.devices[&s];
        assert_eq!(
            (d.profile_status, d.profile_uuid.as_deref()),
            (ProfileState::Removed, None)
        );
        let modified = st.servers[&a]
            .events
            .iter()
            .filter(|e| e.op == Op::Modified)
            .count();
        assert_eq!(modified, 3, "assign, push, unassign");
        assert!(st.unassign_profile("NOPE", 6).is_err());
    }

    #[test]
    fn state_files_from_before_injections_still_load() {
        let st = SimState::new(3);
        let mut json = serde_json::to_value(&st).expect("json");
        let removed = json
            .as_object_mut()
            .and_then(|o| o.remove("assign_results"));
        assert!(removed.is_some(), "the field is saved");
        let back: SimState = serde_json::from_value(json).expect("loads");
        assert!(back.assign_results.is_empty());
    }
}
