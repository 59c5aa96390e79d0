//! Push wake-up through the APNs stand-in: devices do not reach APNs, so a listener long-polls
//! the stand-in's push feed (`GET …/_standin/pushes?after=N`), maps each push's token to one
//! of its devices and runs that device's session, as a real device checks in when woken.
//! A push whose PushMagic is not the device's own is ignored, as devices do.

use std::collections::HashMap;

use serde::Deserialize;

use crate::client::{MdmClient, SessionReport};
use crate::device::SimDevice;
use crate::error::SimError;

/// One push as the stand-in's feed reports it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FeedPush {
    /// Its number in the feed (0 is the first push the stand-in accepted).
    pub index: usize,
    /// Hex, as in the APNs path.
    pub device_token: String,
    pub topic: String,
    pub push_magic: String,
}

#[derive(Debug, Deserialize)]
struct FeedPage {
    pushes: Vec<FeedPush>,
    next: usize,
}

/// A reader of the stand-in's push feed that remembers how far it has read.
#[derive(Debug, Clone)]
pub struct PushFeed {
    http: reqwest::Client,
    url: String,
    next: usize,
}

impl PushFeed {
    /// Reads `feed_url` (the stand-in's `…/_standin/pushes`) from its first push on.
    pub fn new(http: reqwest::Client, feed_url: &str) -> Self {
        Self {
            http,
            url: feed_url.to_string(),
            next: 0,
        }
    }

    /// Reads from push number `next` on (skip pushes older than the listener).
    pub fn starting_at(mut self, next: usize) -> Self {
        self.next = next;
        self
    }

    /// Waits (long poll) for pushes after the last ones read; empty when the wait ran out.
    pub async fn next_batch(&mut self) -> Result<Vec<FeedPush>, SimError> {
        let step = "push feed";
        let response = self
            .http
            .get(&self.url)
            .query(&[("after", self.next)])
            .send()
            .await
            .map_err(SimError::http(step, &self.url))?;
        let status = response.status().as_u16();
        let body = response
            .bytes()
            .await
            .map_err(SimError::http(step, &self.url))?;
        if status != 200 {
            return Err(SimError::Status {
                step,
                url: self.url.clone(),
                status,
                body: String::from_utf8_lossy(&body).chars().take(500).collect(),
            });
        }
        let page: FeedPage = serde_json::from_slice(&body).map_err(|e| SimError::Protocol {
            step,
            reason: format!("not a push feed page ({e})"),
        })?;
        self.next = page.next.max(self.next);
        Ok(page.pushes)
    }
}

/// A device the listener woke and what its session did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wake {
    pub udid: String,
    pub report: SessionReport,
}

/// Enrolled devices that wake when the stand-in records a push to their token.
pub struct PushListener {
    feed: PushFeed,
    devices: Vec<(SimDevice, MdmClient)>,
    /// Lowercase hex token → index in `devices`.
    by_token: HashMap<String, usize>,
}

impl PushListener {
    /// Listens on `feed` for `devices` (each with the client it enrolled with).
    pub fn new(feed: PushFeed, devices: Vec<(SimDevice, MdmClient)>) -> Self {
        let by_token = devices
            .iter()
            .enumerate()
            .map(|(i, (d, _))| (hex::encode(&d.push_token), i))
            .collect();
        Self {
            feed,
            devices,
            by_token,
        }
    }

    /// The devices, as their sessions left them.
    pub fn devices(&self) -> &[(SimDevice, MdmClient)] {
        &self.devices
    }

    /// Waits for the next pushes and runs one session for each device they wake (once per
    /// device however many pushes it got). Empty when the feed's wait ran out.
    pub async fn wake_next(&mut self) -> Result<Vec<Wake>, SimError> {
        let pushes = self.feed.next_batch().await?;
        let mut woken: Vec<usize> = Vec::new();
        for push in &pushes {
            let Some(&i) = self.by_token.get(&push.device_token.to_ascii_lowercase()) else {
                continue;
            };
            let (device, client) = &self.devices[i];
            let ours = push.push_magic == device.push_magic && push.topic == client.endpoints.topic;
            if ours && device.enrolled && !woken.contains(&i) {
                woken.push(i);
            }
        }
        let mut out = Vec::with_capacity(woken.len());
        for i in woken {
            let (device, client) = &mut self.devices[i];
            let report = client.session(device).await?;
            out.push(Wake {
                udid: device.udid.clone(),
                report,
            });
        }
        Ok(out)
    }
}
