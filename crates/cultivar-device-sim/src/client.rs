//! The device's MDM client: check-ins `PUT` to the check-in URL, reports `PUT` to the server
//! URL, each body signed into `Mdm-Signature` (or, as behind a TLS-terminating proxy, the
//! identity certificate forwarded in a header instead). A session polls with `Idle` and answers each
//! command until the server answers 200 with an empty body. Every round trip is timed.

use std::time::{Duration, Instant};

use cultivar_mdm_proto::{
    CheckinMessage, Command, CommandResult, Status, CHECKIN_CONTENT_TYPE, COMMAND_CONTENT_TYPE,
};

use crate::checkin::Identity;
use crate::device::SimDevice;
use crate::error::SimError;

/// A session that keeps receiving commands past this is stuck (a server resending NotNow'd
/// commands in the same session, say); it ends with an error instead of looping forever.
const MAX_COMMANDS_PER_SESSION: usize = 500;

/// Where and how the device talks to its server (from the enrollment profile).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub server_url: String,
    pub check_in_url: String,
    pub topic: String,
    /// `CheckOutWhenRemoved`: send `CheckOut` when the MDM profile is removed.
    pub check_out_when_removed: bool,
}

/// The server's answer to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    pub latency: Duration,
}

/// One command the device ran during a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handled {
    pub command_uuid: String,
    pub request_type: String,
    pub status: Status,
}

/// What a session did: the commands answered and each round trip's latency.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionReport {
    pub commands: Vec<Handled>,
    /// One entry per HTTP round trip (the Idle poll and each report).
    pub latencies: Vec<Duration>,
    /// The device wiped itself or lost its MDM profile during the session.
    pub unenrolled: bool,
}

/// An enrolled device's connection to its MDM server.
#[derive(Debug, Clone)]
pub struct MdmClient {
    http: reqwest::Client,
    pub endpoints: Endpoints,
    identity: Identity,
    /// `(header name, RFC 9440 value)` sent instead of `Mdm-Signature`.
    forwarded: Option<(String, String)>,
}

impl MdmClient {
    pub fn new(http: reqwest::Client, endpoints: Endpoints, identity: Identity) -> Self {
        Self {
            http,
            endpoints,
            identity,
            forwarded: None,
        }
    }

    /// Sends the identity certificate in `header` (as a TLS-terminating proxy in front of the
    /// server would, RFC 9440) instead of signing each body: the server must be configured to
    /// trust that header (`mdm_cert_header`).
    pub fn forwarding_certificate(mut self, header: &str) -> Result<Self, SimError> {
        let value = self.identity.client_cert_header()?;
        self.forwarded = Some((header.to_owned(), value));
        Ok(self)
    }

    /// The identity that signs this device's requests (to save and reload an enrolled device).
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// `PUT`s a signed body and returns the reply (any status).
    async fn put(
        &self,
        step: &'static str,
        url: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Result<Reply, SimError> {
        let request = self
            .http
            .put(url)
            .header(reqwest::header::CONTENT_TYPE, content_type);
        let request = match &self.forwarded {
            Some((name, value)) => request.header(name.as_str(), value.as_str()),
            None => request.header("Mdm-Signature", self.identity.sign(&body)?),
        };
        let started = Instant::now();
        let response = request
            .body(body)
            .send()
            .await
            .map_err(SimError::http(step, url))?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(SimError::http(step, url))?;
        Ok(Reply {
            status,
            body: bytes.to_vec(),
            latency: started.elapsed(),
        })
    }

    /// Sends a check-in message; anything but 200 is an error naming the status and body.
    pub async fn checkin(&self, message: &CheckinMessage) -> Result<Reply, SimError> {
        let step = "check-in";
        let body = message.to_plist_xml().map_err(SimError::proto(step))?;
        let url = self.endpoints.check_in_url.clone();
        let reply = self.put(step, &url, CHECKIN_CONTENT_TYPE, body).await?;
        expect_ok(step, &url, reply)
    }

    /// Authenticate then TokenUpdate: what a device does when it installs the MDM payload.
    pub async fn enroll(&self, device: &SimDevice) -> Result<Vec<Duration>, SimError> {
        let topic = &self.endpoints.topic;
        let first = self.checkin(&device.authenticate(topic)).await?;
        let second = self.checkin(&device.token_update(topic)).await?;
        Ok(vec![first.latency, second.latency])
    }

    /// `GetBootstrapToken`: the escrowed token, or `None` when the server answers an empty body.
    pub async fn get_bootstrap_token(
        &self,
        device: &SimDevice,
    ) -> Result<Option<Vec<u8>>, SimError> {
        let reply = self.checkin(&device.get_bootstrap_token()).await?;
        if reply.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        let dict: plist::Dictionary =
            plist::from_bytes(&reply.body).map_err(|e| SimError::Protocol {
                step: "GetBootstrapToken",
                reason: format!("answer is not a plist dictionary ({e})"),
            })?;
        match dict.get("BootstrapToken") {
            Some(plist::Value::Data(token)) => Ok(Some(token.clone())),
            None => Ok(None),
            Some(_) => Err(SimError::Protocol {
                step: "GetBootstrapToken",
                reason: "BootstrapToken must be data".into(),
            }),
        }
    }

    /// Sends a report to the server URL and returns the next command, if any.
    pub async fn report(
        &self,
        report: &CommandResult,
    ) -> Result<(Option<Command>, Duration), SimError> {
        let step = "command report";
        let body = report.to_plist_xml().map_err(SimError::proto(step))?;
        let url = self.endpoints.server_url.clone();
        let reply = expect_ok(
            step,
            &url,
            self.put(step, &url, COMMAND_CONTENT_TYPE, body).await?,
        )?;
        if reply.body.iter().all(u8::is_ascii_whitespace) {
            return Ok((None, reply.latency));
        }
        let command = Command::from_plist(&reply.body).map_err(SimError::proto(step))?;
        Ok((Some(command), reply.latency))
    }

    /// One connection: `Idle`, then answer every command until the queue is empty. An erased
    /// or unenrolled device reports its last answer and stops.
    pub async fn session(&self, device: &mut SimDevice) -> Result<SessionReport, SimError> {
        if !device.enrolled {
            return Err(SimError::NotEnrolled {
                udid: device.udid.clone(),
            });
        }
        let mut out = SessionReport::default();
        let idle = CommandResult::new(device.ids(), Status::Idle, None);
        let (mut next, latency) = self.report(&idle).await?;
        out.latencies.push(latency);
        while let Some(command) = next {
            if out.commands.len() >= MAX_COMMANDS_PER_SESSION {
                return Err(SimError::Protocol {
                    step: "session",
                    reason: format!(
                        "more than {MAX_COMMANDS_PER_SESSION} commands in one session; \
                         is the server resending commands answered NotNow?"
                    ),
                });
            }
            let report = device.respond(&command);
            out.commands.push(Handled {
                command_uuid: command.command_uuid.clone(),
                request_type: command.request_type.clone(),
                status: report.status,
            });
            let (following, latency) = self.report(&report).await?;
            out.latencies.push(latency);
            if !device.enrolled {
                out.unenrolled = true;
                // A wiped device sends nothing more; a removed MDM profile may say goodbye.
                if !device.erased && self.endpoints.check_out_when_removed {
                    let topic = &self.endpoints.topic;
                    out.latencies
                        .push(self.checkin(&device.check_out(topic)).await?.latency);
                }
                break;
            }
            next = following;
        }
        Ok(out)
    }
}

fn expect_ok(step: &'static str, url: &str, reply: Reply) -> Result<Reply, SimError> {
    if reply.status == 200 {
        return Ok(reply);
    }
    Err(SimError::Status {
        step,
        url: url.to_string(),
        status: reply.status,
        body: String::from_utf8_lossy(&reply.body)
            .chars()
            .take(500)
            .collect(),
    })
}
