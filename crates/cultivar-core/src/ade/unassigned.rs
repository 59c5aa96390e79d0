//! The Unassigned list as administrators read it: each device with its ABM record (model,
//! OS, server) and the reason, optionally with the devices removed from ABM (reason
//! [`UnassignedReason::DeviceRemoved`]) so "why does this serial not enroll" has an answer
//! for them too.

use cultivar_store::{AbmDevice, AbmDeviceQuery};

use super::service::AdeService;
use super::{Outcome, Resolver, UnassignedReason};
use crate::error::CoreError;

/// Devices read per store query.
const PAGE: u32 = 1000;

/// A device without a profile and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnassignedDevice {
    pub device: AbmDevice,
    pub reason: UnassignedReason,
}

impl AdeService {
    /// Every active device without a profile (and, with `include_removed`, every device
    /// removed from its ABM server), with its reason, in serial order.
    pub async fn unassigned_devices(
        &self,
        include_removed: bool,
    ) -> Result<Vec<UnassignedDevice>, CoreError> {
        let profiles = self.store.list_ade_profiles().await?;
        let groups = self.store.list_device_groups().await?;
        let defaults = self.store.list_os_defaults().await?;
        let resolver = Resolver::new(&profiles, &groups, &defaults);
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let rows = self.store.list_ade_devices(after.as_deref(), PAGE).await?;
            let Some(last) = rows.last() else {
                break;
            };
            after = Some(last.device.data.serial_number.clone());
            let memberships = self.static_groups(&rows).await?;
            for row in rows {
                let serial = &row.device.data.serial_number;
                let static_groups = memberships.get(serial).map_or(&[][..], Vec::as_slice);
                let resolution =
                    resolver.resolve(&row.device, row.explicit_profile_id, static_groups);
                if let Outcome::Unassigned(reason) = resolution.outcome {
                    out.push(UnassignedDevice {
                        device: row.device,
                        reason,
                    });
                }
            }
        }
        if include_removed {
            out.extend(self.removed_devices().await?);
            out.sort_by(|a, b| {
                a.device
                    .data
                    .serial_number
                    .cmp(&b.device.data.serial_number)
            });
        }
        Ok(out)
    }

    /// Every device removed from its ABM server, page by page.
    async fn removed_devices(&self) -> Result<Vec<UnassignedDevice>, CoreError> {
        let mut out = Vec::new();
        let mut query = AbmDeviceQuery {
            removed: Some(true),
            limit: PAGE,
            ..AbmDeviceQuery::default()
        };
        loop {
            let page = self.store.list_abm_devices(&query).await?;
            let Some(last) = page.last() else {
                return Ok(out);
            };
            query.after_serial = Some(last.data.serial_number.clone());
            out.extend(page.into_iter().map(|device| UnassignedDevice {
                device,
                reason: UnassignedReason::DeviceRemoved,
            }));
        }
    }
}
