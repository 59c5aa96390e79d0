//! A cultivar server with a manual clock and a recording sleeper, plus a simulator; helpers to
//! make ABM entries, devices and runs.

use std::sync::Arc;

use cultivar_abm_sim::admin_types::{DeviceInfo, DeviceQuery};
use cultivar_core::clock::ManualClock;
use cultivar_core::sync::{SyncService, SyncSummary, Trigger};
use cultivar_store::{AbmDevice, AbmDeviceQuery, Store, SyncRun};
use cultivar_testkit::{Backend, RecordingSleeper, TestOptions, TestServer, TestSim};
use time::OffsetDateTime;
use uuid::Uuid;

pub struct World {
    pub server: TestServer,
    pub sim: TestSim,
    pub sleeper: RecordingSleeper,
    pub clock: Arc<ManualClock>,
}

/// A cultivar ABM entry and the simulator MDM server it stands for.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: Uuid,
    pub sim_uuid: String,
}

pub async fn world(backend: Backend) -> Option<World> {
    let sleeper = RecordingSleeper::default();
    let clock = Arc::new(ManualClock::new(OffsetDateTime::now_utc()));
    let options = TestOptions {
        clock: clock.clone(),
        abm: sleeper.abm_options(),
    };
    let server = TestServer::start_custom(backend, options, |_| {}).await?;
    let sim = TestSim::start(0).await;
    // The scheduler's startup tick (no ABM servers yet) is over, so it cannot join tests' runs.
    let mut ticks = server.state().sync.ticks();
    ticks.wait_for(|n| *n >= 1).await.unwrap();
    Some(World {
        server,
        sim,
        sleeper,
        clock,
    })
}

pub async fn each_backend<F, Fut>(test: F)
where
    F: Fn(World) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for backend in [Backend::Sqlite, Backend::Postgres] {
        if let Some(w) = world(backend).await {
            test(w).await;
        }
    }
}

impl World {
    pub fn sync(&self) -> &SyncService {
        &self.server.state().sync
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        self.server.store()
    }

    /// A new sync service on the same store: what a restarted cultivar has.
    pub fn restarted(&self) -> SyncService {
        let state = self.server.state();
        SyncService::new(state.store.clone(), state.abm.clone(), state.clock.clone())
    }

    /// An ABM entry with an uploaded token, its simulator server registered.
    pub async fn entry(&self, name: &str) -> Entry {
        let abm = &self.server.state().abm;
        let created = abm
            .create_server(name, Some(self.sim.url()), "test")
            .await
            .unwrap();
        let info = self
            .sim
            .admin()
            .register_server(name, &created.certificate_pem)
            .await
            .unwrap();
        let entry = Entry {
            id: created.server.id,
            sim_uuid: info.server_uuid,
        };
        self.upload_token(&entry).await;
        entry
    }

    /// Downloads a new token for the entry's server and uploads it to cultivar.
    pub async fn upload_token(&self, e: &Entry) {
        let admin = self.sim.admin();
        let token = admin.download_token(&e.sim_uuid, None, None).await.unwrap();
        let view = self
            .server
            .state()
            .abm
            .upload_token(e.id, &token.bytes, false, "test")
            .await
            .unwrap();
        assert_eq!(view.status, "active", "{view:?}");
    }

    /// `n` new devices in the organisation, assigned to no server.
    pub async fn new_devices(&self, n: u32) -> Vec<String> {
        self.sim
            .admin()
            .add_devices(n, Some("mix"))
            .await
            .unwrap()
            .serials
    }

    pub async fn assign(&self, e: &Entry, serials: &[String]) {
        let r = self.sim.admin().assign(&e.sim_uuid, serials).await.unwrap();
        assert!(r.errors.is_empty(), "{r:?}");
    }

    /// `n` new devices assigned to `e`.
    pub async fn assigned(&self, e: &Entry, n: u32) -> Vec<String> {
        let serials = self.new_devices(n).await;
        self.assign(e, &serials).await;
        serials
    }

    pub async fn set_batch(&self, e: &Entry, n: u32) {
        self.store().set_abm_sync_batch_size(e.id, n).await.unwrap();
    }

    /// A manual run (Sync Now). Starts a second after the previous one, so the history orders
    /// runs by start time as it would in real life.
    pub async fn run(&self, e: &Entry) -> SyncSummary {
        self.clock.advance(time::Duration::seconds(1));
        self.sync().sync_now(e.id, Trigger::Manual).await.unwrap()
    }

    /// A manual run that must succeed.
    pub async fn synced(&self, e: &Entry) -> SyncSummary {
        let s = self.run(e).await;
        assert_eq!(s.outcome, "success", "{s:?}");
        s
    }

    /// Every device cultivar holds for `e`: active ones, or removed ones.
    pub async fn devices(&self, e: &Entry, removed: bool) -> Vec<AbmDevice> {
        let mut out = Vec::new();
        let mut q = AbmDeviceQuery {
            abm_server_id: Some(e.id),
            removed: Some(removed),
            limit: 50,
            ..AbmDeviceQuery::default()
        };
        loop {
            let page = self.store().list_abm_devices(&q).await.unwrap();
            let Some(last) = page.last() else { break };
            q.after_serial = Some(last.data.serial_number.clone());
            out.extend(page);
        }
        out
    }

    pub async fn active_serials(&self, e: &Entry) -> Vec<String> {
        let devices = self.devices(e, false).await;
        devices.into_iter().map(|d| d.data.serial_number).collect()
    }

    /// What the simulator has assigned to `e`, in serial order.
    pub async fn sim_devices(&self, e: &Entry) -> Vec<DeviceInfo> {
        let mut out = Vec::new();
        let mut q = DeviceQuery {
            server: Some(e.sim_uuid.clone()),
            limit: Some(1000),
            ..DeviceQuery::default()
        };
        loop {
            let page = self.sim.admin().devices(&q).await.unwrap();
            out.extend(page.devices);
            match page.next_after {
                Some(next) => q.after = Some(next),
                None => return out,
            }
        }
    }

    pub async fn runs(&self, e: &Entry) -> Vec<SyncRun> {
        self.store().list_sync_runs(e.id, 100, None).await.unwrap()
    }

    pub async fn cursor(&self, e: &Entry) -> Option<String> {
        let state = self.store().sync_state(e.id).await.unwrap();
        state.and_then(|s| s.cursor)
    }

    pub fn clock_now(&self) -> OffsetDateTime {
        use cultivar_core::clock::Clock;
        self.clock.now()
    }

    /// Moves cultivar's clock and waits until the scheduler has acted on it.
    pub async fn tick(&self, by: time::Duration) {
        let mut ticks = self.sync().ticks();
        let before = *ticks.borrow_and_update();
        self.clock.advance(by);
        ticks.wait_for(|n| *n > before).await.unwrap();
    }
}

/// `(pages, added, modified, deleted)` of a run.
pub fn counts(s: &SyncSummary) -> (u64, u64, u64, u64) {
    (s.pages, s.added, s.modified, s.deleted)
}

/// The next finished run of `server` with `trigger`, from a subscription made before it started.
pub async fn next_summary(
    rx: &mut tokio::sync::broadcast::Receiver<SyncSummary>,
    server: Uuid,
    trigger: Trigger,
) -> SyncSummary {
    loop {
        let s = rx.recv().await.unwrap();
        if s.abm_server_id == server && s.trigger == trigger {
            return s;
        }
    }
}
