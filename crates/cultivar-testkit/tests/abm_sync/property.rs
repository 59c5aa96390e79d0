//! Property: whatever the interleaving of ABM changes (add, modify, profile, move, release,
//! re-assign), syncs, restarts and faults (429, 503, outages, expired cursors, echoed cursors,
//! dropped sessions), after a final clean sync cultivar's active devices of each ABM server equal
//! the simulator's, field by field.

use crate::world::{world, Entry, World};
use cultivar_abm_proto::Profile;
use cultivar_abm_sim::admin_types::{DeviceInfo, DeviceQuery};
use cultivar_abm_sim::state::DevicePatch;
use cultivar_abm_sim::Fault;
use cultivar_core::sync::{SyncService, Trigger};
use cultivar_store::AbmDevice;
use cultivar_testkit::Backend;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

const SERVERS: usize = 2;

#[derive(Debug, Clone, Copy)]
enum FaultKind {
    RateLimited,
    Unavailable,
    Outage,
    ExpiredCursor,
    Echo,
}

#[derive(Debug, Clone)]
enum Op {
    Add { server: usize, n: u32 },
    Modify { pick: usize },
    Profile { pick: usize },
    Move { pick: usize, to: usize },
    Release { pick: usize },
    Assign { pick: usize, to: usize },
    Sync { server: usize },
    Restart,
    Fault(FaultKind),
    DropSessions,
}

fn op() -> impl Strategy<Value = Op> {
    let server = 0..SERVERS;
    let pick = any::<usize>();
    let fault = prop_oneof![
        Just(FaultKind::RateLimited),
        Just(FaultKind::Unavailable),
        Just(FaultKind::Outage),
        Just(FaultKind::ExpiredCursor),
        Just(FaultKind::Echo),
    ];
    prop_oneof![
        3 => (server.clone(), 1..4u32).prop_map(|(server, n)| Op::Add { server, n }),
        2 => pick.prop_map(|pick| Op::Modify { pick }),
        1 => pick.prop_map(|pick| Op::Profile { pick }),
        2 => (pick, server.clone()).prop_map(|(pick, to)| Op::Move { pick, to }),
        2 => pick.prop_map(|pick| Op::Release { pick }),
        1 => (pick, server.clone()).prop_map(|(pick, to)| Op::Assign { pick, to }),
        4 => server.prop_map(|server| Op::Sync { server }),
        1 => Just(Op::Restart),
        2 => fault.prop_map(Op::Fault),
        1 => Just(Op::DropSessions),
    ]
}

fn case() -> impl Strategy<Value = ([u32; SERVERS], Vec<Op>)> {
    ([1..6u32, 1..6u32], prop::collection::vec(op(), 4..22))
}

#[test]
fn sync_converges_to_the_simulator_whatever_happens() {
    let config = Config {
        cases: 24,
        max_shrink_iters: 16,
        failure_persistence: None,
        ..Config::default()
    };
    // A fixed seed: every run of the suite tries the same cases.
    let rng = TestRng::deterministic_rng(RngAlgorithm::ChaCha);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let result = runner.run(&case(), |(batches, ops)| {
        for backend in [Backend::Sqlite, Backend::Postgres] {
            runtime
                .block_on(check(backend, batches, ops.clone()))
                .map_err(TestCaseError::fail)?;
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

async fn check(backend: Backend, batches: [u32; SERVERS], ops: Vec<Op>) -> Result<(), String> {
    let Some(w) = world(backend).await else {
        return Ok(());
    };
    let mut entries = Vec::new();
    for (i, batch) in batches.into_iter().enumerate() {
        let e = w.entry(&format!("P{i}")).await;
        w.set_batch(&e, batch).await;
        entries.push(e);
    }
    let mut svc = w.sync().clone();
    for op in ops {
        // One second per step, so Apple's op_dates order every change.
        w.sim.admin().advance_clock(1).await.unwrap();
        apply(&w, &entries, &mut svc, op).await;
    }
    w.sim.admin().clear_faults().await.unwrap();
    // Twice round: a run that completes a full fetch leaves the changes made meanwhile to the
    // next run.
    for _ in 0..2 {
        for e in &entries {
            let s = svc.sync_now(e.id, Trigger::Manual).await.unwrap();
            if s.outcome != "success" {
                return Err(format!("final sync of {}: {s:?}", e.sim_uuid));
            }
        }
    }
    for e in &entries {
        compare(&w, e).await?;
    }
    w.server.shutdown().await;
    Ok(())
}

async fn apply(w: &World, entries: &[Entry], svc: &mut SyncService, op: Op) {
    let admin = w.sim.admin();
    match op {
        Op::Add { server, n } => w.assign(&entries[server], &w.new_devices(n).await).await,
        Op::Modify { pick } | Op::Profile { pick } | Op::Release { pick } => {
            if let Some(d) = picked(w, pick).await {
                change_device(w, entries, &op, d).await;
            }
        }
        Op::Move { pick, to } | Op::Assign { pick, to } => {
            if let Some(d) = picked(w, pick).await {
                let serials = [d.serial_number];
                // Refused for a device in the wrong state; the property only needs what ABM holds.
                let _ = match op {
                    Op::Move { .. } => admin.move_devices(&serials, &entries[to].sim_uuid).await,
                    _ => admin.assign(&entries[to].sim_uuid, &serials).await,
                };
            }
        }
        Op::Sync { server } => {
            // Faults may make it fail or warn; the next runs must make up for it.
            svc.sync_now(entries[server].id, Trigger::Manual)
                .await
                .unwrap();
        }
        Op::Restart => *svc = w.restarted(),
        Op::Fault(kind) => {
            admin.add_fault(&fault(kind)).await.unwrap();
        }
        Op::DropSessions => {
            admin.invalidate_sessions().await.unwrap();
        }
    }
}

/// Modify, profile or release: what an ABM administrator (or Apple) does to one device.
async fn change_device(w: &World, entries: &[Entry], op: &Op, d: DeviceInfo) {
    let admin = w.sim.admin();
    match op {
        Op::Modify { pick } => {
            let description = Some(format!("{} v{pick}", d.model));
            let patch = DevicePatch {
                description,
                ..DevicePatch::default()
            };
            admin.modify_device(&d.serial_number, &patch).await.unwrap();
        }
        Op::Profile { .. } => {
            let owner = entries
                .iter()
                .find(|e| d.server_uuid.as_deref() == Some(&e.sim_uuid));
            let Some(e) = owner else { return };
            let client = w.server.state().abm.client(e.id).await.unwrap();
            // May fail under an injected fault, like any call to Apple.
            let _ = client.define_profile(&profile(&d.serial_number)).await;
        }
        _ => {
            let _ = admin.release(&[d.serial_number]).await;
        }
    }
}

/// One of the organisation's devices, assigned or not.
async fn picked(w: &World, pick: usize) -> Option<DeviceInfo> {
    let q = DeviceQuery {
        limit: Some(10_000),
        ..DeviceQuery::default()
    };
    let all = w.sim.admin().devices(&q).await.unwrap().devices;
    let n = all.len();
    all.into_iter().nth(pick.checked_rem(n)?)
}

fn profile(serial: &str) -> Profile {
    Profile {
        profile_name: "Property".into(),
        url: Some("https://mdm.example.com/enroll".into()),
        is_mdm_removable: true,
        org_magic: "1".into(),
        devices: vec![serial.to_string()],
        ..Profile::default()
    }
}

fn fault(kind: FaultKind) -> Fault {
    let base = Fault {
        endpoint: "*".into(),
        status: None,
        code: None,
        retry_after: None,
        count: 1,
        latency_ms: None,
    };
    match kind {
        FaultKind::RateLimited => Fault {
            status: Some(429),
            retry_after: Some(2),
            ..base
        },
        FaultKind::Unavailable => Fault {
            status: Some(503),
            count: 2,
            ..base
        },
        // Longer than the client retries: a run fails part-way.
        FaultKind::Outage => Fault {
            status: Some(503),
            count: 6,
            ..base
        },
        FaultKind::ExpiredCursor => Fault {
            endpoint: "/devices/sync".into(),
            status: Some(400),
            code: Some("EXPIRED_CURSOR".into()),
            ..base
        },
        FaultKind::Echo => Fault::echo_cursor("/devices/sync", 1),
    }
}

/// Cultivar's active devices of `e` against the simulator's, field by field.
async fn compare(w: &World, e: &Entry) -> Result<(), String> {
    let ours: Vec<Vec<Option<String>>> = w.devices(e, false).await.iter().map(ours).collect();
    let theirs: Vec<Vec<Option<String>>> = w.sim_devices(e).await.iter().map(theirs).collect();
    if ours == theirs {
        return Ok(());
    }
    Err(format!(
        "server {}:\n cultivar  {ours:?}\n simulator {theirs:?}",
        e.sim_uuid
    ))
}

fn ours(d: &AbmDevice) -> Vec<Option<String>> {
    let d = &d.data;
    vec![
        Some(d.serial_number.clone()),
        d.model.clone(),
        d.description.clone(),
        d.color.clone(),
        d.asset_tag.clone(),
        d.os.clone(),
        d.device_family.clone(),
        d.profile_status.clone(),
        d.profile_uuid.clone(),
        d.device_assigned_date.map(cultivar_abm_proto::format_time),
        d.device_assigned_by.clone(),
    ]
}

fn theirs(d: &DeviceInfo) -> Vec<Option<String>> {
    vec![
        Some(d.serial_number.clone()),
        Some(d.model.clone()),
        Some(d.description.clone()),
        Some(d.color.clone()),
        d.asset_tag.clone(),
        Some(d.os.clone()),
        Some(d.device_family.clone()),
        Some(d.profile_status.clone()),
        d.profile_uuid.clone(),
        d.device_assigned_date.clone(),
        d.device_assigned_by.clone(),
    ]
}
