//! Devices, MDM commands and the per-device activity log: `/api/v1/devices/…` and
//! `/api/v1/commands/…`. Device keys (ids, serials) and UUIDs are percent-encoded.

use cultivar_api_types::mdm::{
    BulkCommand, CancelQuery, CommandCancelled, CommandDetailView, CommandList, CommandListQuery,
    CommandQueued, DeviceList, DeviceListQuery, DeviceView, SendCommand,
};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::Method;

use crate::{AdminClient, ClientError};

const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn seg(value: &str) -> String {
    utf8_percent_encode(value, SEGMENT).to_string()
}

impl AdminClient {
    /// One page of devices (ABM and MDM merged) with their states.
    pub async fn devices(&self, q: &DeviceListQuery) -> Result<DeviceList, ClientError> {
        let path = "/devices";
        self.json(path, self.request(Method::GET, path).query(q))
            .await
    }

    /// One device by enrollment id or serial number.
    pub async fn device(&self, key: &str) -> Result<DeviceView, ClientError> {
        let path = format!("/devices/{}", seg(key));
        self.json(&path, self.request(Method::GET, &path)).await
    }

    /// Queues a command for one device.
    pub async fn send_command(
        &self,
        device: &str,
        body: &SendCommand,
    ) -> Result<CommandQueued, ClientError> {
        let path = format!("/devices/{}/commands", seg(device));
        self.json(&path, self.request(Method::POST, &path).json(body))
            .await
    }

    /// Queues one command for many devices.
    pub async fn send_bulk_command(
        &self,
        body: &BulkCommand,
    ) -> Result<CommandQueued, ClientError> {
        let path = "/commands";
        self.json(path, self.request(Method::POST, path).json(body))
            .await
    }

    /// A device's MDM activity log, newest first.
    pub async fn commands(
        &self,
        device: &str,
        q: &CommandListQuery,
    ) -> Result<CommandList, ClientError> {
        let path = format!("/devices/{}/commands", seg(device));
        self.json(&path, self.request(Method::GET, &path).query(q))
            .await
    }

    /// One command of a device with its reports and error.
    pub async fn command(
        &self,
        device: &str,
        uuid: &str,
    ) -> Result<CommandDetailView, ClientError> {
        let path = format!("/devices/{}/commands/{}", seg(device), seg(uuid));
        self.json(&path, self.request(Method::GET, &path)).await
    }

    /// Cancels a waiting command (for one device, or all).
    pub async fn cancel_command(
        &self,
        uuid: &str,
        device: Option<&str>,
    ) -> Result<CommandCancelled, ClientError> {
        let path = format!("/commands/{}", seg(uuid));
        let q = CancelQuery {
            device: device.map(str::to_owned),
        };
        self.json(&path, self.request(Method::DELETE, &path).query(&q))
            .await
    }
}
