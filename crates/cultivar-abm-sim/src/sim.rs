//! The simulator handle shared by every request: state behind locks, the clock, sessions, faults
//! and the state-file saver.
//!
//! Lock order, where more than one is held: `state` before `cursors`. `sessions` and `faults` are
//! never held together with another lock.

use crate::clock::{Clock, SimClock};
use crate::cursors::CursorTable;
use crate::error::SimError;
use crate::faults::FaultQueue;
use crate::persistence::{self, Saver, SnapshotRef};
use crate::requests::RequestLog;
use crate::sessions::{SessionConfig, Sessions};
use crate::state::{OsChoice, SimState};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// How to start a simulator.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Seed for serials and UUIDs: the same seed gives the same devices.
    pub seed: u64,
    /// Devices to create at start (only when no state file was loaded), assigned to the default
    /// server if there is one, else unassigned.
    pub devices: u32,
    /// Load from here at start if present; save here after admin changes and at shutdown.
    pub state_file: Option<PathBuf>,
    pub clock: Clock,
    pub sessions: SessionConfig,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            seed: 1,
            devices: 0,
            state_file: None,
            clock: Clock::System,
            sessions: SessionConfig::default(),
        }
    }
}

/// A running simulator; cheap to clone.
#[derive(Clone, Debug)]
pub struct Sim {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    state: RwLock<SimState>,
    cursors: Mutex<CursorTable>,
    sessions: Mutex<Sessions>,
    faults: Mutex<FaultQueue>,
    requests: RequestLog,
    clock: SimClock,
    saver: Option<Saver>,
}

impl Sim {
    /// Creates a simulator, loading the state file if it exists.
    pub fn new(options: SimOptions) -> Result<Sim, SimError> {
        let loaded = match &options.state_file {
            Some(path) => persistence::load(path)?,
            None => None,
        };
        let fresh = loaded.is_none();
        let (state, cursors, offset) = match loaded {
            Some(snap) => (snap.state, snap.cursors, snap.clock_offset_ms),
            None => (SimState::new(options.seed), CursorTable::default(), 0),
        };
        let sim = Sim {
            inner: Arc::new(Inner {
                state: RwLock::new(state),
                cursors: Mutex::new(cursors),
                sessions: Mutex::new(Sessions::new(options.sessions)),
                faults: Mutex::new(FaultQueue::default()),
                requests: RequestLog::default(),
                clock: SimClock::new(options.clock, offset),
                saver: options.state_file.map(Saver::new),
            }),
        };
        if fresh && options.devices > 0 {
            let now = sim.now_ms();
            sim.state_mut()
                .add_devices(options.devices, OsChoice::Mix, now);
        }
        Ok(sim)
    }

    /// Simulated now, unix milliseconds.
    pub fn now_ms(&self) -> i64 {
        self.inner.clock.now_ms()
    }

    /// Simulated now.
    pub fn now(&self) -> time::OffsetDateTime {
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.now_ms()) * 1_000_000)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
    }

    pub(crate) fn clock(&self) -> &SimClock {
        &self.inner.clock
    }

    pub(crate) fn state(&self) -> RwLockReadGuard<'_, SimState> {
        // A panic elsewhere must not take the simulator down with poisoned locks.
        self.inner
            .state
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn state_mut(&self) -> RwLockWriteGuard<'_, SimState> {
        self.inner
            .state
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn cursors(&self) -> MutexGuard<'_, CursorTable> {
        self.inner
            .cursors
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn sessions(&self) -> MutexGuard<'_, Sessions> {
        self.inner
            .sessions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn faults(&self) -> MutexGuard<'_, FaultQueue> {
        self.inner
            .faults
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn requests(&self) -> &RequestLog {
        &self.inner.requests
    }

    /// Saves the state file (no-op without one). Called after admin changes and at shutdown.
    pub async fn persist(&self) -> Result<(), SimError> {
        let Some(saver) = &self.inner.saver else {
            return Ok(());
        };
        let generation = saver.next_generation();
        let bytes = {
            let state = self.state();
            let cursors = self.cursors();
            let snap = SnapshotRef::new(self.inner.clock.offset_ms(), &state, &cursors);
            serde_json::to_vec(&snap)
                .map_err(|e| SimError::Internal(format!("cannot encode state: {e}")))?
        };
        saver.write(bytes, generation).await
    }
}
