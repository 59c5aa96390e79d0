//! Test helpers: a device identity issued by a throwaway CA, and profiles to install.
#![allow(dead_code)]
#![allow(clippy::unwrap_used)]

pub mod abm;
pub mod ade;
pub mod server;

use cultivar_crypto::device_keys::{build_csr_for_key, generate_device_key};
use cultivar_crypto::CertificateAuthority;
use cultivar_device_sim::Identity;

pub fn ca() -> CertificateAuthority {
    CertificateAuthority::generate("Cultivar Test Device CA", 30).unwrap()
}

/// An RSA-2048 identity issued by `ca` (what SCEP would give the device).
pub fn identity(ca: &CertificateAuthority, cn: &str) -> Identity {
    let key = generate_device_key(2048).unwrap();
    let subject = vec![("CN".to_string(), cn.to_string())];
    let csr = build_csr_for_key(key.as_bytes(), &subject, None).unwrap();
    let issued = ca.issue_client_certificate(&csr, None, 30, 7).unwrap();
    Identity {
        key_pem: key.into_bytes(),
        cert_pem: issued.certificate_pem.into_bytes(),
    }
}

/// A plain `.mobileconfig` with one payload of `payload_type`.
pub fn mobileconfig(identifier: &str, payload_type: &str) -> Vec<u8> {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict>
<key>PayloadType</key><string>Configuration</string>
<key>PayloadIdentifier</key><string>{identifier}</string>
<key>PayloadUUID</key><string>7A3D1F52-0000-4000-8000-{suffix}</string>
<key>PayloadVersion</key><integer>1</integer>
<key>PayloadDisplayName</key><string>Test {identifier}</string>
<key>PayloadOrganization</key><string>Cultivar</string>
<key>PayloadContent</key><array><dict>
<key>PayloadType</key><string>{payload_type}</string>
<key>PayloadIdentifier</key><string>{identifier}.payload</string>
<key>PayloadUUID</key><string>8B4E2A63-0000-4000-8000-{suffix}</string>
<key>PayloadVersion</key><integer>1</integer>
</dict></array>
</dict></plist>"#,
        suffix = &hex::encode(cultivar_crypto::sha256(identifier.as_bytes()))[..12]
    )
    .into_bytes()
}

/// An enrollment profile with a SCEP and an MDM payload (URLs on mdm.example.com).
pub const ENROLL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict>
<key>PayloadType</key><string>Configuration</string>
<key>PayloadIdentifier</key><string>com.example.enroll</string>
<key>PayloadUUID</key><string>0E5B6A6E-1C7B-4F0E-9C39-6B1D3A0F0001</string>
<key>PayloadVersion</key><integer>1</integer>
<key>PayloadDisplayName</key><string>MDM Enrollment</string>
<key>PayloadContent</key><array>
 <dict>
  <key>PayloadType</key><string>com.apple.security.scep</string>
  <key>PayloadIdentifier</key><string>com.example.enroll.scep</string>
  <key>PayloadUUID</key><string>SCEP-UUID-1</string>
  <key>PayloadVersion</key><integer>1</integer>
  <key>PayloadContent</key><dict>
   <key>URL</key><string>https://mdm.example.com/scep</string>
   <key>Name</key><string>cultivar</string>
   <key>Challenge</key><string>one-time-secret</string>
   <key>Keysize</key><integer>2048</integer>
   <key>Subject</key><array>
    <array><array><string>O</string><string>Cultivar</string></array></array>
    <array><array><string>CN</string><string>Device Identity</string></array></array>
   </array>
  </dict>
 </dict>
 <dict>
  <key>PayloadType</key><string>com.apple.mdm</string>
  <key>PayloadIdentifier</key><string>com.example.enroll.mdm</string>
  <key>PayloadUUID</key><string>MDM-UUID-1</string>
  <key>PayloadVersion</key><integer>1</integer>
  <key>ServerURL</key><string>https://mdm.example.com/mdm</string>
  <key>CheckInURL</key><string>https://mdm.example.com/checkin</string>
  <key>Topic</key><string>com.apple.mgmt.External.1234</string>
  <key>SignMessage</key><true/>
  <key>IdentityCertificateUUID</key><string>SCEP-UUID-1</string>
  <key>AccessRights</key><integer>8191</integer>
  <key>CheckOutWhenRemoved</key><true/>
  <key>ServerCapabilities</key><array><string>com.apple.mdm.per-user-connections</string></array>
 </dict>
</array>
</dict></plist>"#;
