//! The runs in flight (one per ABM server) and the last few finished ones, in memory.

use super::types::{SyncProgress, SyncSummary};
use std::collections::{HashMap, VecDeque};
use tokio::sync::watch;
use uuid::Uuid;

/// How many finished summaries stay in memory for late [`super::SyncService::wait`] callers
/// (older ones are read back from the store).
const RECENT: usize = 64;

/// Receives a run's summary once it is done.
pub(super) type Done = watch::Receiver<Option<SyncSummary>>;

struct Entry {
    progress: SyncProgress,
    done: Done,
}

#[derive(Default)]
pub(super) struct Registry {
    /// By ABM server id.
    running: HashMap<Uuid, Entry>,
    recent: VecDeque<SyncSummary>,
}

impl Registry {
    pub(super) fn running_run(&self, server_id: Uuid) -> Option<Uuid> {
        self.running.get(&server_id).map(|e| e.progress.run_id)
    }

    /// Registers a started run; the run sends its summary on the returned sender.
    pub(super) fn insert(
        &mut self,
        server_id: Uuid,
        progress: SyncProgress,
    ) -> watch::Sender<Option<SyncSummary>> {
        let (tx, done) = watch::channel(None);
        self.running.insert(server_id, Entry { progress, done });
        tx
    }

    pub(super) fn progress(&self, server_id: Uuid) -> Option<SyncProgress> {
        self.running.get(&server_id).map(|e| e.progress.clone())
    }

    /// Applies `f` to the progress of run `run_id` of `server_id`, if it is still running.
    pub(super) fn update(
        &mut self,
        server_id: Uuid,
        run_id: Uuid,
        f: impl FnOnce(&mut SyncProgress),
    ) {
        if let Some(e) = self.running.get_mut(&server_id) {
            if e.progress.run_id == run_id {
                f(&mut e.progress);
            }
        }
    }

    pub(super) fn recent(&self, run_id: Uuid) -> Option<SyncSummary> {
        self.recent.iter().find(|s| s.run_id == run_id).cloned()
    }

    pub(super) fn done_receiver(&self, run_id: Uuid) -> Option<Done> {
        self.running
            .values()
            .find(|e| e.progress.run_id == run_id)
            .map(|e| e.done.clone())
    }

    /// Forgets a finished run and remembers its summary.
    pub(super) fn finish(&mut self, server_id: Uuid, summary: SyncSummary) {
        if self.running_run(server_id) == Some(summary.run_id) {
            self.running.remove(&server_id);
        }
        if self.recent.len() == RECENT {
            self.recent.pop_front();
        }
        self.recent.push_back(summary);
    }
}
