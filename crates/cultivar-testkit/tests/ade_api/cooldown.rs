//! What the plan, explain and apply endpoints show around Apple's answers: a THROTTLED
//! serial waiting for `retry_after_seconds`, a NOT_ACCESSIBLE one left alone, "push now"
//! after the cooldown, and a re-push of only the device unassigned in ABM.

use std::time::Duration as StdDuration;

use cultivar_abm_sim::admin_types::{AssignResultRequest, InjectedResult};
use time::Duration;

use crate::kit::{
    ade, assigned_since, client, explain_synced, fleet, profile, set, settled, sim_mark,
    sim_serials,
};
use crate::world::{each_backend, World};

async fn inject(w: &World, serial: &str, result: InjectedResult, retry: Option<u64>) {
    let req = AssignResultRequest {
        serials: vec![serial.to_owned()],
        result,
        count: Some(1),
        retry_after_seconds: retry,
    };
    w.sim.admin().add_assign_results(&req).await.unwrap();
}

#[tokio::test]
async fn throttled_waits_in_the_plan_and_apply_pushes_it_after_the_cooldown() {
    each_backend(|w| async move {
        let f = fleet(&w, "cooldown", 3, 0).await;
        let c = client(&w);
        inject(&w, &f.ios[0], InjectedResult::Throttled, Some(120)).await;
        inject(&w, &f.ios[1], InjectedResult::NotAccessible, None).await;
        profile(&c, "Phones", "iOS").await;
        c.ade_default_set("iOS", "Phones").await.unwrap();
        settled(&w).await;
        assert_eq!(sim_serials(&w, &f.e, "Phones").await, set(&[&f.ios[2]]));

        let plan = c.ade_plan().await.unwrap();
        assert_eq!((plan.assign, plan.remove, plan.wait), (0, 0, 1), "{plan:?}");
        let wait = &plan.actions[0];
        assert_eq!(wait.serial, f.ios[0]);
        assert_eq!(wait.wait_reason.as_deref(), Some("throttled"));
        assert!(wait.message.contains("THROTTLED"), "{wait:?}");
        let x = c.ade_explain(&f.ios[0]).await.unwrap();
        let push = x.push.clone().unwrap();
        assert_eq!(push.result, "THROTTLED");
        assert_eq!(
            push.retry_after, wait.until,
            "the plan waits for Apple's retry_after"
        );
        let pushed_at = push.last_attempt_at;
        let until = push.retry_after.unwrap();
        assert!((until - pushed_at - Duration::seconds(120)).abs() < Duration::milliseconds(1));

        let x = c.ade_explain(&f.ios[1]).await.unwrap();
        assert_eq!(x.push.map(|p| p.result).as_deref(), Some("NOT_ACCESSIBLE"));
        assert_eq!(
            x.next_action, None,
            "NOT_ACCESSIBLE waits for the device to move"
        );

        // Push now, once the cooldown is over: only the throttled serial is sent.
        w.clock.advance(Duration::seconds(120));
        let summary = c.ade_apply().await.unwrap();
        assert_eq!((summary.assigned, summary.waiting), (1, 0), "{summary:?}");
        let want = set(&[&f.ios[0], &f.ios[2]]);
        assert_eq!(sim_serials(&w, &f.e, "Phones").await, want);
    })
    .await;
}

#[tokio::test]
async fn a_device_unassigned_in_abm_alone_is_pushed_again() {
    each_backend(|w| async move {
        let f = fleet(&w, "unassigned-in-abm", 3, 0).await;
        let c = client(&w);
        profile(&c, "Phones", "iOS").await;
        c.ade_default_set("iOS", "Phones").await.unwrap();
        settled(&w).await;
        let all = f.ios.iter().cloned().collect();
        assert_eq!(sim_serials(&w, &f.e, "Phones").await, all);

        let gone = std::slice::from_ref(&f.ios[1]);
        w.sim.admin().unassign_profiles(gone).await.unwrap();
        let mark = sim_mark(&w).await;
        // The sync shows Apple's record without the profile; cultivar trusts it and the push
        // that follows the sync sends that serial again, and only it.
        let mut pushes = ade(&w).pushes();
        pushes.borrow_and_update();
        w.synced(&f.e).await;
        let want = set(&[&f.ios[1]]);
        let repushed = async {
            while assigned_since(&w, &f.e, mark).await != want {
                pushes.changed().await.unwrap();
            }
        };
        tokio::time::timeout(StdDuration::from_secs(60), repushed)
            .await
            .expect("the serial unassigned in ABM was not pushed again");
        // The next sync shows Apple holding it again.
        let x = explain_synced(&w, &f.e, &f.ios[1]).await;
        assert!(x.summary.starts_with("In sync"), "{}", x.summary);
        assert_eq!(assigned_since(&w, &f.e, mark).await, want);
        assert_eq!(sim_serials(&w, &f.e, "Phones").await, all);
    })
    .await;
}
