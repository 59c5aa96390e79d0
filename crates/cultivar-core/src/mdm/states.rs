//! Device states and the device list: ABM devices and MDM device channels merged by serial
//! number (a device with no serial, as in User Enrollment, is keyed by its channel id).

use std::fmt;
use std::str::FromStr;

use cultivar_store::{AbmDevice, AbmDeviceQuery, MdmEnrollment, MdmInventory, MdmPushState};
use time::OffsetDateTime;

use super::MdmService;
use crate::error::CoreError;

/// Rows read from each source per store query while merging.
const PAGE: u32 = 500;
/// The most devices one list page returns.
pub const MAX_DEVICE_PAGE: u32 = 1000;

/// Where a device stands with cultivar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeviceState {
    /// Known from ABM, not (yet) enrolled.
    Pending,
    /// Enrolled, and seen within `offline_after`.
    Enrolled,
    /// Enrolled, but no contact for longer than `offline_after`.
    Offline,
    /// Checked out, disabled after having enrolled, or removed from ABM without enrolling.
    Unmanaged,
}

impl DeviceState {
    /// Every state.
    pub const ALL: [DeviceState; 4] = [
        DeviceState::Pending,
        DeviceState::Enrolled,
        DeviceState::Offline,
        DeviceState::Unmanaged,
    ];

    /// The API spelling (`pending`, `enrolled`, `offline`, `unmanaged`).
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceState::Pending => "pending",
            DeviceState::Enrolled => "enrolled",
            DeviceState::Offline => "offline",
            DeviceState::Unmanaged => "unmanaged",
        }
    }
}

impl fmt::Display for DeviceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DeviceState {
    type Err = CoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DeviceState::ALL
            .into_iter()
            .find(|d| d.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                CoreError::invalid(
                    "state",
                    &format!("must be pending, enrolled, offline or unmanaged (got {s:?})"),
                )
            })
    }
}

/// One device: its ABM record and/or its (most recent) MDM device channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceSummary {
    /// The serial number, or the channel id for a device without one.
    pub key: String,
    pub abm: Option<AbmDevice>,
    pub enrollment: Option<MdmEnrollment>,
    pub state: DeviceState,
}

impl DeviceSummary {
    /// The serial number, from ABM or from the device.
    pub fn serial_number(&self) -> Option<&str> {
        self.abm
            .as_ref()
            .map(|a| a.data.serial_number.as_str())
            .or_else(|| self.enrollment.as_ref()?.serial_number.as_deref())
    }
}

/// One device with its inventory (the last DeviceInformation answers) and its device
/// channel's push state, when it has a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceDetail {
    pub device: DeviceSummary,
    pub inventory: Option<MdmInventory>,
    pub push: Option<MdmPushState>,
}

/// Filters and keyset position of the device list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceListQuery {
    pub state: Option<DeviceState>,
    /// Start after this key (the last key of the previous page).
    pub after: Option<String>,
    /// 1..=[`MAX_DEVICE_PAGE`].
    pub limit: u32,
}

/// A page of devices; `next_after` is set when more may follow.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DevicePage {
    pub devices: Vec<DeviceSummary>,
    pub next_after: Option<String>,
}

/// The state of a device from its ABM record and channel, at `now`. The channel decides
/// when there is one: a device removed from ABM but still enrolled is still managed.
pub fn device_state(
    abm: Option<&AbmDevice>,
    enrollment: Option<&MdmEnrollment>,
    now: OffsetDateTime,
    offline_after: time::Duration,
) -> DeviceState {
    match enrollment {
        Some(e) if e.enabled => {
            let contact = e
                .last_seen_at
                .or(e.token_updated_at)
                .or(e.authenticated_at)
                .unwrap_or(e.updated_at);
            if now - contact > offline_after {
                DeviceState::Offline
            } else {
                DeviceState::Enrolled
            }
        }
        // Disabled after a TokenUpdate or a CheckOut: it was managed and is no longer.
        Some(e) if e.checked_out_at.is_some() || e.token_updated_at.is_some() => {
            DeviceState::Unmanaged
        }
        // Authenticated but never finished: still on its way in, unless ABM dropped it.
        _ => match abm {
            Some(a) if a.removed_at.is_some() => DeviceState::Unmanaged,
            _ => DeviceState::Pending,
        },
    }
}

/// The device key of a channel (see the module docs).
fn channel_key(e: &MdmEnrollment) -> &str {
    e.serial_number.as_deref().unwrap_or(&e.id)
}

impl MdmService {
    fn summary(&self, abm: Option<AbmDevice>, enrollment: Option<MdmEnrollment>) -> DeviceSummary {
        let state = device_state(
            abm.as_ref(),
            enrollment.as_ref(),
            self.clock.now(),
            self.settings.offline_after,
        );
        let key = abm
            .as_ref()
            .map(|a| a.data.serial_number.clone())
            .or_else(|| enrollment.as_ref().map(|e| channel_key(e).to_owned()))
            .unwrap_or_default();
        DeviceSummary {
            key,
            abm,
            enrollment,
            state,
        }
    }

    /// A page of devices in key order, optionally of one state.
    pub async fn list_devices(&self, q: &DeviceListQuery) -> Result<DevicePage, CoreError> {
        if q.limit == 0 || q.limit > MAX_DEVICE_PAGE {
            return Err(CoreError::invalid(
                "limit",
                &format!("must be between 1 and {MAX_DEVICE_PAGE}"),
            ));
        }
        self.list_devices_in_batches(q, PAGE).await
    }

    /// [`Self::list_devices`], reading `batch_size` rows per source and query (tests use small
    /// batches to cross batch boundaries).
    pub(crate) async fn list_devices_in_batches(
        &self,
        q: &DeviceListQuery,
        batch_size: u32,
    ) -> Result<DevicePage, CoreError> {
        let mut page = DevicePage::default();
        let mut cursor = q.after.clone();
        loop {
            let (batch, more) = self.merged_batch(cursor.as_deref(), batch_size).await?;
            for device in batch {
                cursor = Some(device.key.clone());
                if q.state.is_none_or(|s| s == device.state) {
                    page.devices.push(device);
                    if page.devices.len() == q.limit as usize {
                        page.next_after = cursor;
                        return Ok(page);
                    }
                }
            }
            if !more {
                return Ok(page);
            }
        }
    }

    /// The devices after `after` up to the point both sources are known to be complete,
    /// and whether more may follow.
    async fn merged_batch(
        &self,
        after: Option<&str>,
        page: u32,
    ) -> Result<(Vec<DeviceSummary>, bool), CoreError> {
        let abm = self
            .store
            .list_abm_devices(&AbmDeviceQuery {
                after_serial: after.map(str::to_owned),
                limit: page,
                ..AbmDeviceQuery::default()
            })
            .await?;
        let channels = self.store.list_mdm_device_channels(after, page).await?;
        // A full page may have more rows after its last key: only keys up to the smaller
        // of the full pages' last keys are complete in this batch.
        let horizon = [
            (abm.len() == page as usize)
                .then(|| abm.last().map(|a| a.data.serial_number.clone()))
                .flatten(),
            (channels.len() == page as usize)
                .then(|| channels.last().map(|e| channel_key(e).to_owned()))
                .flatten(),
        ]
        .into_iter()
        .flatten()
        .min();
        let merged = merge(abm, channels);
        let more = horizon.is_some();
        let batch = merged
            .into_iter()
            .filter(|(key, _, _)| horizon.as_deref().is_none_or(|h| key.as_str() <= h))
            .map(|(_, a, e)| self.summary(a, e))
            .collect();
        Ok((batch, more))
    }

    /// [`Self::device`] with its inventory and push state.
    pub async fn device_detail(&self, id_or_serial: &str) -> Result<DeviceDetail, CoreError> {
        let device = self.device(id_or_serial).await?;
        let (inventory, push) = match &device.enrollment {
            Some(e) => (
                self.store.mdm_inventory(&e.id).await?,
                self.store.mdm_push_state(&e.id).await?,
            ),
            None => (None, None),
        };
        Ok(DeviceDetail {
            device,
            inventory,
            push,
        })
    }

    /// One device by channel id or serial number; `NotFound` when neither ABM nor MDM
    /// knows it.
    pub async fn device(&self, id_or_serial: &str) -> Result<DeviceSummary, CoreError> {
        let not_found = || CoreError::NotFound {
            what: format!("device {id_or_serial:?}"),
        };
        if id_or_serial.trim().is_empty() {
            return Err(not_found());
        }
        if let Some(e) = self.store.mdm_enrollment(id_or_serial).await? {
            let e = match e.channel.as_str() {
                "device" => e,
                _ => self
                    .store
                    .mdm_enrollment(&e.device_id)
                    .await?
                    .ok_or_else(not_found)?,
            };
            let abm = match e.serial_number.as_deref() {
                Some(serial) => self.store.abm_device(serial).await?,
                None => None,
            };
            return Ok(self.summary(abm, Some(e)));
        }
        let abm = self.store.abm_device(id_or_serial).await?;
        let enrollment = self
            .store
            .mdm_enrollments_by_serial(id_or_serial)
            .await?
            .into_iter()
            .next();
        if abm.is_none() && enrollment.is_none() {
            return Err(not_found());
        }
        Ok(self.summary(abm, enrollment))
    }
}

type Merged = (String, Option<AbmDevice>, Option<MdmEnrollment>);

/// Merges two lists sorted by key; of several channels with one key the first (the most
/// recently authenticated) wins.
fn merge(abm: Vec<AbmDevice>, channels: Vec<MdmEnrollment>) -> Vec<Merged> {
    let mut out: Vec<Merged> = Vec::with_capacity(abm.len() + channels.len());
    let mut channels = channels.into_iter().peekable();
    for a in abm {
        let serial = a.data.serial_number.clone();
        while let Some(e) = channels.next_if(|e| channel_key(e) < serial.as_str()) {
            push_channel(&mut out, e);
        }
        let mut mine = None;
        while let Some(e) = channels.next_if(|e| channel_key(e) == serial.as_str()) {
            mine.get_or_insert(e);
        }
        out.push((serial, Some(a), mine));
    }
    for e in channels {
        push_channel(&mut out, e);
    }
    out
}

#[cfg(test)]
#[path = "states_tests.rs"]
mod tests;

fn push_channel(out: &mut Vec<Merged>, e: MdmEnrollment) {
    let key = channel_key(&e).to_owned();
    if out.last().is_some_and(|(k, _, _)| *k == key) {
        return;
    }
    out.push((key, None, Some(e)));
}
