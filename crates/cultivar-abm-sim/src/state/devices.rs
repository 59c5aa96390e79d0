//! Device operations. Each one keeps the per-server index in step with the device record and
//! appends the event ABM would report: assign → `added`; release → `deleted`; move → `deleted` for
//! the old server and `added` for the new; attribute or profile change → `modified`.

use super::catalog::{self, OsChoice};
use super::{DeviceRec, Op, ProfileState, SimState};
use crate::ids;
use serde::{Deserialize, Serialize};

/// Whether an operation changed anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Changed,
    Unchanged,
}

/// Attribute changes an ABM administrator (or Apple) can make to a device record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevicePatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset_tag: Option<String>,
}

const UNKNOWN: &str = "not a known serial in this organisation";
const UNASSIGNED: &str = "not assigned to any MDM server";

impl SimState {
    /// Creates `count` devices; with a default server they are assigned to it (as ABM does for
    /// new purchases). Returns the new serials.
    pub fn add_devices(&mut self, count: u32, choice: OsChoice, now_ms: i64) -> Vec<String> {
        let mut serials = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let (serial, index) = self.fresh_serial();
            let kind = catalog::kind(self.seed, index, choice);
            self.devices.insert(
                serial.clone(),
                DeviceRec {
                    model: kind.model,
                    description: kind.description,
                    color: kind.color,
                    asset_tag: None,
                    os: kind.os,
                    server: None,
                    assigned_ms: None,
                    assigned_by: None,
                    profile_uuid: None,
                    profile_status: ProfileState::Empty,
                    profile_assign_ms: None,
                    profile_push_ms: None,
                },
            );
            if let Some(server) = self.default_server.clone() {
                self.attach(&serial, &server, now_ms);
            }
            serials.push(serial);
        }
        serials
    }

    fn fresh_serial(&mut self) -> (String, u64) {
        loop {
            let index = self.counters.device;
            self.counters.device += 1;
            let serial = ids::serial(self.seed, index);
            if !self.devices.contains_key(&serial) && !self.disowned.contains_key(&serial) {
                return (serial, index);
            }
        }
    }

    /// Assigns a device to `server` (moving it if it belongs to another). The server must exist.
    pub fn assign(&mut self, serial: &str, server: &str, now_ms: i64) -> Result<Outcome, String> {
        let current = self.devices.get(serial).ok_or(UNKNOWN)?.server.clone();
        match current.as_deref() {
            Some(s) if s == server => return Ok(Outcome::Unchanged),
            Some(old) => self.detach(serial, old, now_ms),
            None => {}
        }
        self.attach(serial, server, now_ms);
        Ok(Outcome::Changed)
    }

    /// Releases a device from its server; it stays in the organisation, unassigned.
    pub fn release(&mut self, serial: &str, now_ms: i64) -> Result<Outcome, String> {
        let current = self.devices.get(serial).ok_or(UNKNOWN)?.server.clone();
        let old = current.ok_or(UNASSIGNED)?;
        self.detach(serial, &old, now_ms);
        Ok(Outcome::Changed)
    }

    /// Moves an assigned device to another server. The target must exist.
    pub fn move_to(&mut self, serial: &str, to: &str, now_ms: i64) -> Result<Outcome, String> {
        let current = self.devices.get(serial).ok_or(UNKNOWN)?.server.clone();
        let old = current.ok_or(format!("{UNASSIGNED} (assign it instead)"))?;
        if old == to {
            return Ok(Outcome::Unchanged);
        }
        self.detach(serial, &old, now_ms);
        self.attach(serial, to, now_ms);
        Ok(Outcome::Changed)
    }

    /// Changes attributes; an assigned device gets a `modified` event.
    pub fn modify(
        &mut self,
        serial: &str,
        patch: &DevicePatch,
        now_ms: i64,
    ) -> Result<Outcome, String> {
        let dev = self.devices.get_mut(serial).ok_or(UNKNOWN)?;
        let before = dev.clone();
        if let Some(d) = &patch.description {
            dev.description.clone_from(d);
        }
        if let Some(c) = &patch.color {
            dev.color.clone_from(c);
        }
        if let Some(a) = &patch.asset_tag {
            dev.asset_tag = Some(a.clone()).filter(|a| !a.is_empty());
        }
        if *dev == before {
            return Ok(Outcome::Unchanged);
        }
        if let Some(server) = dev.server.clone() {
            self.push_event(&server, serial, Op::Modified, now_ms);
        }
        Ok(Outcome::Changed)
    }

    /// `/devices/disown`: removes a device of `server` from the organisation for good.
    pub fn disown(&mut self, serial: &str, server: &str, now_ms: i64) -> bool {
        if !self.is_assigned_to(serial, server) {
            return false;
        }
        self.detach(serial, server, now_ms);
        if let Some(dev) = self.devices.remove(serial) {
            self.disowned.insert(serial.to_string(), dev);
        }
        true
    }

    /// Marks a profile as assigned to a device of `server`; false if the device is not its.
    pub fn set_profile(&mut self, serial: &str, server: &str, profile: &str, now_ms: i64) -> bool {
        self.change_profile(serial, server, now_ms, |dev| {
            dev.profile_uuid = Some(profile.to_string());
            dev.profile_status = ProfileState::Assigned;
            dev.profile_assign_ms = Some(now_ms);
            dev.profile_push_ms = None;
        })
    }

    /// Removes the profile from a device of `server`; false if the device is not its.
    pub fn clear_profile(&mut self, serial: &str, server: &str, now_ms: i64) -> bool {
        self.change_profile(serial, server, now_ms, super::profiles::mark_removed)
    }

    fn change_profile(
        &mut self,
        serial: &str,
        server: &str,
        now_ms: i64,
        f: impl FnOnce(&mut DeviceRec),
    ) -> bool {
        if !self.is_assigned_to(serial, server) {
            return false;
        }
        if let Some(dev) = self.devices.get_mut(serial) {
            f(dev);
        }
        self.push_event(server, serial, Op::Modified, now_ms);
        true
    }

    pub fn is_assigned_to(&self, serial: &str, server: &str) -> bool {
        self.devices
            .get(serial)
            .and_then(|d| d.server.as_deref())
            .is_some_and(|s| s == server)
    }

    /// Links a device to a server. A profile belongs to one MDM server, so a new server starts
    /// the device with no profile, as ABM does.
    fn attach(&mut self, serial: &str, server: &str, now_ms: i64) {
        let by = self.org.admin_id.clone();
        let Some(dev) = self.devices.get_mut(serial) else {
            return;
        };
        dev.server = Some(server.to_string());
        dev.assigned_ms = Some(now_ms);
        dev.assigned_by = Some(by);
        reset_profile(dev);
        if let Some(s) = self.servers.get_mut(server) {
            s.devices.insert(serial.to_string());
        }
        self.push_event(server, serial, Op::Added, now_ms);
    }

    fn detach(&mut self, serial: &str, server: &str, now_ms: i64) {
        if let Some(dev) = self.devices.get_mut(serial) {
            dev.server = None;
            dev.assigned_ms = None;
            dev.assigned_by = None;
            reset_profile(dev);
        }
        if let Some(s) = self.servers.get_mut(server) {
            s.devices.remove(serial);
        }
        self.push_event(server, serial, Op::Deleted, now_ms);
    }
}

fn reset_profile(dev: &mut DeviceRec) {
    dev.profile_uuid = None;
    dev.profile_status = ProfileState::Empty;
    dev.profile_assign_ms = None;
    dev.profile_push_ms = None;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Os;

    fn org_with_servers() -> (SimState, String, String) {
        let mut st = SimState::new(9);
        let a = st.add_server("A", "pem", "CK_a".into(), 0);
        let b = st.add_server("B", "pem", "CK_b".into(), 0);
        (st, a, b)
    }

    fn ops(st: &SimState, server: &str) -> Vec<(String, Op, i64)> {
        st.servers[server]
            .events
            .iter()
            .map(|e| (e.serial.clone(), e.op, e.at_ms))
            .collect()
    }

    #[test]
    fn assign_move_release_emit_apple_events() {
        let (mut st, a, b) = org_with_servers();
        let s = st.add_devices(1, OsChoice::One(Os::Ios), 1).remove(0);
        assert!(
            ops(&st, &a).is_empty(),
            "no default server: nothing assigned"
        );
        assert_eq!(st.assign(&s, &a, 10), Ok(Outcome::Changed));
        assert_eq!(st.assign(&s, &a, 11), Ok(Outcome::Unchanged));
        assert_eq!(st.move_to(&s, &b, 20), Ok(Outcome::Changed));
        assert_eq!(st.release(&s, 30), Ok(Outcome::Changed));
        assert!(st.release(&s, 31).is_err());
        assert_eq!(
            ops(&st, &a),
            vec![(s.clone(), Op::Added, 10), (s.clone(), Op::Deleted, 20)]
        );
        assert_eq!(
            ops(&st, &b),
            vec![(s.clone(), Op::Added, 20), (s.clone(), Op::Deleted, 30)]
        );
        assert!(st.servers[&a].devices.is_empty() && st.servers[&b].devices.is_empty());
    }

    #[test]
    fn default_server_gets_only_new_devices() {
        let (mut st, a, _) = org_with_servers();
        let old = st.add_devices(2, OsChoice::Mix, 1);
        st.default_server = Some(a.clone());
        let new = st.add_devices(3, OsChoice::Mix, 2);
        let on_a: Vec<String> = st.servers[&a].devices.iter().cloned().collect();
        let mut expected = new.clone();
        expected.sort();
        assert_eq!(on_a, expected);
        assert!(old.iter().all(|s| st.devices[s].server.is_none()));
    }

    #[test]
    fn profile_and_attribute_changes_are_modified_events() {
        let (mut st, a, b) = org_with_servers();
        let s = st.add_devices(1, OsChoice::One(Os::MacOs), 1).remove(0);
        st.assign(&s, &a, 5).expect("assign");
        assert!(st.set_profile(&s, &a, "P1", 6));
        assert!(!st.set_profile(&s, &b, "P1", 6), "not b's device");
        let patch = DevicePatch {
            color: Some("RED".into()),
            ..DevicePatch::default()
        };
        assert_eq!(st.modify(&s, &patch, 7), Ok(Outcome::Changed));
        assert_eq!(st.modify(&s, &patch, 8), Ok(Outcome::Unchanged));
        let kinds: Vec<Op> = ops(&st, &a).into_iter().map(|e| e.1).collect();
        assert_eq!(kinds, vec![Op::Added, Op::Modified, Op::Modified]);
        st.move_to(&s, &b, 9).expect("move");
        assert_eq!(
            st.devices[&s].profile_uuid, None,
            "profiles belong to one server"
        );
        assert!(st.disown(&s, &b, 10));
        assert!(!st.devices.contains_key(&s) && st.disowned.contains_key(&s));
    }
}
