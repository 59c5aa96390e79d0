//! Profile-based enrollment end to end: read the enrollment profile, get the identity by SCEP,
//! then Authenticate and TokenUpdate, and keep the profile installed (it shows in ProfileList).

use crate::client::{Endpoints, MdmClient};
use crate::device::SimDevice;
use crate::error::SimError;
use crate::profile::EnrollmentProfile;

/// Enrolls `device` with the `.mobileconfig` in `profile_bytes` (plain or signed). The
/// profile must take its identity from a SCEP payload, like mdmb requires.
pub async fn enroll_with_profile(
    http: &reqwest::Client,
    device: &mut SimDevice,
    profile_bytes: &[u8],
) -> Result<MdmClient, SimError> {
    let profile = EnrollmentProfile::parse(profile_bytes)?;
    let scep = profile.scep.as_ref().ok_or_else(|| SimError::Profile {
        reason: format!(
            "com.apple.mdm.IdentityCertificateUUID {:?} names no com.apple.security.scep \
             payload (the simulator only gets identities by SCEP)",
            profile.mdm.identity_certificate_uuid
        ),
    })?;
    let issued = crate::scep::enroll(http, scep).await?;
    let endpoints = Endpoints {
        server_url: profile.mdm.server_url.clone(),
        check_in_url: profile.mdm.check_in_url().to_string(),
        topic: profile.mdm.topic.clone(),
        check_out_when_removed: profile.mdm.check_out_when_removed,
    };
    let client = MdmClient::new(http.clone(), endpoints, issued.identity);
    client.enroll(device).await?;
    device.enrolled = true;
    device.erased = false;
    device
        .profiles
        .insert(profile.profile.identifier.clone(), profile.profile);
    Ok(client)
}
