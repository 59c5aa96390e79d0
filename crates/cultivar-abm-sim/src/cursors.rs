//! Fetch and sync cursors. A cursor string is opaque to clients (base64 of `<unix-seconds>-<id>`,
//! the shape depsim uses); the simulator remembers what each one means: the server, where a fetch
//! stands, and the position in the server's event log that a later sync continues from.
//!
//! The issue time is inside the string too, so a cursor pruned from memory after 7 days still
//! answers `EXPIRED_CURSOR` rather than `INVALID_CURSOR`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use cultivar_abm_proto::error::codes;
use cultivar_abm_proto::CURSOR_LIFETIME_DAYS;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const LIFETIME_MS: i64 = CURSOR_LIFETIME_DAYS * 86_400_000;
/// Apple documents cursors as "up to 1000 characters".
const MAX_CURSOR_CHARS: usize = 1000;

/// Where a fetch stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    /// More devices follow after this serial.
    Fetching { after: String },
    /// The fetch is complete (or this is a sync cursor): fetch answers `EXHAUSTED_CURSOR`.
    Exhausted,
}

/// What a cursor means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CursorInfo {
    pub server: String,
    pub created_ms: i64,
    /// Sync continues with the server's events from this index on.
    pub event_seq: u64,
    pub phase: Phase,
}

/// Every cursor issued in the last 7 days.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CursorTable {
    next_id: u64,
    by_id: BTreeMap<u64, CursorInfo>,
}

impl CursorTable {
    /// Stores a cursor and returns its opaque string; drops cursors older than 7 days.
    pub fn issue(&mut self, info: CursorInfo) -> String {
        let horizon = info.created_ms.saturating_sub(LIFETIME_MS);
        // Ids grow with time, so the oldest cursors are at the front.
        while let Some(entry) = self.by_id.first_entry() {
            if entry.get().created_ms >= horizon {
                break;
            }
            entry.remove();
        }
        let id = self.next_id;
        self.next_id += 1;
        let text = encode(info.created_ms, id);
        self.by_id.insert(id, info);
        text
    }

    /// Resolves a cursor presented by `server`, or the Apple error code for it.
    pub fn resolve(
        &self,
        cursor: &str,
        server: &str,
        now_ms: i64,
    ) -> Result<CursorInfo, &'static str> {
        let (secs, id) = decode(cursor).ok_or(codes::INVALID_CURSOR)?;
        if now_ms.saturating_sub(secs.saturating_mul(1000)) > LIFETIME_MS {
            return Err(codes::EXPIRED_CURSOR);
        }
        let info = self.by_id.get(&id).ok_or(codes::INVALID_CURSOR)?;
        if info.created_ms / 1000 != secs || info.server != server {
            return Err(codes::INVALID_CURSOR);
        }
        if now_ms.saturating_sub(info.created_ms) > LIFETIME_MS {
            return Err(codes::EXPIRED_CURSOR);
        }
        Ok(info.clone())
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.by_id.len()
    }
}

fn encode(created_ms: i64, id: u64) -> String {
    STANDARD.encode(format!("{}-{id}", created_ms / 1000))
}

fn decode(cursor: &str) -> Option<(i64, u64)> {
    if cursor.len() > MAX_CURSOR_CHARS {
        return None;
    }
    let bytes = STANDARD.decode(cursor.trim()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (secs, id) = text.split_once('-')?;
    Some((secs.parse().ok()?, id.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000;

    fn info(server: &str, created_ms: i64) -> CursorInfo {
        CursorInfo {
            server: server.into(),
            created_ms,
            event_seq: 4,
            phase: Phase::Exhausted,
        }
    }

    #[test]
    fn resolves_own_cursors_and_rejects_others() {
        let mut t = CursorTable::default();
        let c = t.issue(info("A", 1_000 * DAY));
        assert_eq!(
            t.resolve(&c, "A", 1_000 * DAY + 5).map(|i| i.event_seq),
            Ok(4)
        );
        assert_eq!(t.resolve(&c, "B", 1_000 * DAY), Err(codes::INVALID_CURSOR));
        assert_eq!(t.resolve("not base64!", "A", 0), Err(codes::INVALID_CURSOR));
        let forged = STANDARD.encode(format!("{}-77", 1_000 * DAY / 1000));
        assert_eq!(
            t.resolve(&forged, "A", 1_000 * DAY),
            Err(codes::INVALID_CURSOR)
        );
    }

    #[test]
    fn expires_after_seven_days_even_once_pruned() {
        let mut t = CursorTable::default();
        let old = t.issue(info("A", 1_000 * DAY));
        assert!(t.resolve(&old, "A", 1_007 * DAY).is_ok());
        assert_eq!(
            t.resolve(&old, "A", 1_007 * DAY + 1_000),
            Err(codes::EXPIRED_CURSOR)
        );
        t.issue(info("A", 1_008 * DAY));
        assert_eq!(t.len(), 1, "old cursor pruned");
        assert_eq!(
            t.resolve(&old, "A", 1_008 * DAY),
            Err(codes::EXPIRED_CURSOR)
        );
    }
}
