//! The state file: JSON of the organisation, cursors and clock offset, written atomically (temp
//! file in the same directory, fsync, rename) so a crash never leaves a half-written file.
//!
//! Serialising happens under the state's read lock (API reads go on meanwhile); the file write
//! happens outside every lock on a blocking thread. A generation number keeps an older snapshot
//! from overwriting a newer one when saves overlap.

use crate::cursors::CursorTable;
use crate::error::SimError;
use crate::state::SimState;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

const FORMAT: u32 = 1;

#[derive(Serialize)]
pub(crate) struct SnapshotRef<'a> {
    pub format: u32,
    pub clock_offset_ms: i64,
    pub state: &'a SimState,
    pub cursors: &'a CursorTable,
}

#[derive(Deserialize)]
pub(crate) struct Snapshot {
    pub format: u32,
    pub clock_offset_ms: i64,
    pub state: SimState,
    pub cursors: CursorTable,
}

impl<'a> SnapshotRef<'a> {
    pub(crate) fn new(clock_offset_ms: i64, state: &'a SimState, cursors: &'a CursorTable) -> Self {
        SnapshotRef {
            format: FORMAT,
            clock_offset_ms,
            state,
            cursors,
        }
    }
}

fn file_error(path: &Path, reason: impl std::fmt::Display) -> SimError {
    SimError::StateFile {
        path: path.display().to_string(),
        reason: reason.to_string(),
    }
}

/// Loads a state file; `None` if it does not exist yet.
pub(crate) fn load(path: &Path) -> Result<Option<Snapshot>, SimError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(file_error(path, format!("cannot read: {e}"))),
    };
    let mut snap: Snapshot = serde_json::from_slice(&bytes)
        .map_err(|e| file_error(path, format!("not a simulator state file: {e}")))?;
    if snap.format != FORMAT {
        return Err(file_error(
            path,
            format!(
                "format {} is not supported (expected {FORMAT})",
                snap.format
            ),
        ));
    }
    snap.state.rebuild_indexes();
    Ok(Some(snap))
}

/// Writes snapshots to one path, newest wins.
#[derive(Debug)]
pub(crate) struct Saver {
    path: PathBuf,
    generation: AtomicU64,
    written: tokio::sync::Mutex<u64>,
}

impl Saver {
    pub(crate) fn new(path: PathBuf) -> Self {
        Saver {
            path,
            generation: AtomicU64::new(0),
            written: tokio::sync::Mutex::new(0),
        }
    }

    /// Call before taking the snapshot, so generations follow snapshot order.
    pub(crate) fn next_generation(&self) -> u64 {
        self.generation.fetch_add(1, Ordering::SeqCst) + 1
    }

    pub(crate) async fn write(&self, bytes: Vec<u8>, generation: u64) -> Result<(), SimError> {
        let mut written = self.written.lock().await;
        if *written > generation {
            return Ok(());
        }
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || write_atomically(&path, &bytes))
            .await
            .map_err(|e| file_error(&self.path, format!("save task failed: {e}")))??;
        *written = generation;
        Ok(())
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), SimError> {
    // The temp file must live in the target's directory for the rename to be atomic.
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let result = tempfile::NamedTempFile::new_in(dir).and_then(|mut tmp| {
        tmp.write_all(bytes)?;
        tmp.as_file().sync_all()?;
        tmp.persist(path).map(|_| ()).map_err(|e| e.error)
    });
    result.map_err(|e| file_error(path, format!("cannot save: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn round_trips_and_refuses_garbage() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sim.json");
        assert!(load(&path).expect("missing is fine").is_none());
        let mut st = SimState::new(5);
        let a = st.add_server("A", "pem", "CK_1".into(), 0);
        st.default_server = Some(a.clone());
        let serials = st.add_devices(3, crate::state::OsChoice::Mix, 0);
        let cursors = CursorTable::default();
        let saver = Saver::new(path.clone());
        let bytes = serde_json::to_vec(&SnapshotRef::new(42, &st, &cursors)).expect("json");
        saver
            .write(bytes, saver.next_generation())
            .await
            .expect("save");
        let back = load(&path).expect("load").expect("present");
        assert_eq!(back.clock_offset_ms, 42);
        assert_eq!(
            back.state.servers[&a].devices.len(),
            serials.len(),
            "index rebuilt"
        );
        assert!(back.state.server_by_consumer_key("CK_1").is_some());
        std::fs::write(&path, b"{}").expect("write");
        let e = load(&path).err().expect("garbage refused");
        assert!(e.to_string().contains("not a simulator state file"), "{e}");
    }
}
