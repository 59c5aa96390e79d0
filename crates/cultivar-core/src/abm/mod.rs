//! ABM servers: the token exchange with Apple Business Manager and each entry's status.
//!
//! Flow ("MDM Server Assignment in ABM"): [`AbmService::create_server`] makes an RSA keypair and
//! a self-signed certificate (the admin uploads the certificate to ABM), [`AbmService::upload_token`]
//! decrypts the `.p7m` ABM returns, stores its OAuth secrets encrypted and asks Apple's `/account`
//! who we are. A renewal ([`AbmService::start_renewal`]) works on a staging keypair that replaces
//! the current one only once a token encrypted for it decrypts, so a half-done renewal never breaks
//! a working entry.

mod service;
mod status;
mod upload;
mod view;

pub use service::{AbmService, AbmServiceOptions};
pub use status::{AbmStatus, EXPIRING_WITHIN_DAYS};

/// Largest `.p7m` accepted; a real server token is about 2 KiB.
pub const MAX_TOKEN_BYTES: usize = 64 * 1024;
