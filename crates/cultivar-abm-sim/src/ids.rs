//! Identifiers: deterministic ones (serials, server and profile UUIDs) derived from the seed, and
//! random secrets from the system CSPRNG.
//!
//! Deterministic values come from SplitMix64 over `(seed, domain, index)` rather than `rand`'s
//! `StdRng`, because `StdRng` is documented as not reproducible across `rand` releases and the
//! same seed must give the same serials forever (state files, demos, benchmarks).

use crate::error::SimError;

/// Separate streams so a serial never collides with a UUID derived from the same index.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Domain {
    Serial = 1,
    Server = 2,
    Profile = 3,
    DeviceKind = 4,
    Org = 5,
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A well-mixed 64-bit value for `(seed, domain, index)`.
pub(crate) fn mix(seed: u64, domain: Domain, index: u64) -> u64 {
    splitmix64(splitmix64(seed ^ ((domain as u64) << 56)) ^ splitmix64(index))
}

const SERIAL_ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// A 12-character upper-case alphanumeric serial for device number `index`.
pub(crate) fn serial(seed: u64, index: u64) -> String {
    let mut v = mix(seed, Domain::Serial, index);
    let mut out = [0u8; 12];
    for slot in out.iter_mut() {
        *slot = SERIAL_ALPHABET[(v % 36) as usize];
        v /= 36;
    }
    // 36^12 < 2^64, so all 12 characters come from the value; ASCII, so this cannot fail.
    String::from_utf8_lossy(&out).into_owned()
}

/// 32 upper-case hex characters, like Apple's server and profile UUIDs.
pub(crate) fn upper_hex_id(seed: u64, domain: Domain, index: u64) -> String {
    let hi = mix(seed, domain, index);
    let lo = mix(seed, domain, index ^ 0xFFFF_FFFF_0000_0000);
    format!("{hi:016X}{lo:016X}")
}

/// `n` random bytes as lower-case hex.
pub(crate) fn random_hex(n: usize) -> Result<String, SimError> {
    let bytes = cultivar_crypto::try_random_bytes(n)
        .map_err(|e| SimError::Internal(format!("random generator failed: {e}")))?;
    Ok(hex::encode(bytes))
}

/// A random number with `digits` decimal digits (no leading zero).
pub(crate) fn random_digits(digits: usize) -> Result<String, SimError> {
    let bytes = cultivar_crypto::try_random_bytes(digits)
        .map_err(|e| SimError::Internal(format!("random generator failed: {e}")))?;
    Ok(bytes
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let d = if i == 0 { 1 + b % 9 } else { b % 10 };
            char::from(b'0' + d)
        })
        .collect())
}

/// True for a plausible Apple serial: 8–14 upper-case ASCII letters and digits.
pub(crate) fn is_serial_shape(s: &str) -> bool {
    (8..=14).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_are_deterministic_and_well_formed() {
        assert_eq!(serial(7, 0), serial(7, 0));
        assert_ne!(serial(7, 0), serial(7, 1));
        assert_ne!(serial(7, 0), serial(8, 0));
        let s = serial(42, 3);
        assert_eq!(s.len(), 12);
        assert!(is_serial_shape(&s), "{s}");
        let many: std::collections::BTreeSet<String> = (0..10_000).map(|i| serial(1, i)).collect();
        assert_eq!(many.len(), 10_000);
    }

    #[test]
    fn ids_and_secrets_have_apple_shapes() {
        let id = upper_hex_id(1, Domain::Server, 0);
        assert_eq!(id.len(), 32);
        assert!(id
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase()));
        assert_ne!(id, upper_hex_id(1, Domain::Profile, 0));
        assert_eq!(random_hex(20).expect("hex").len(), 40);
        let d = random_digits(11).expect("digits");
        assert!(d.len() == 11 && !d.starts_with('0') && d.chars().all(|c| c.is_ascii_digit()));
        assert!(!is_serial_shape("c02abc"));
        assert!(!is_serial_shape("C02-ABCDEF12"));
    }
}
