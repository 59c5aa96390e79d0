use uuid::Uuid;

use super::{
    abm_device::{commit, deleted, fetched, serial, target, Target},
    at, must,
};
use crate::{AbmDeviceData, AbmDeviceQuery, DeviceChange, Store};

/// The test's own idea of a stored device, to compute every expected listing.
struct Model {
    serial: String,
    server: Uuid,
    data: AbmDeviceData,
    removed: bool,
}

fn matches(m: &Model, q: &AbmDeviceQuery) -> bool {
    let eq = |want: &Option<String>, have: &Option<String>| {
        want.as_ref().is_none_or(|w| have.as_ref() == Some(w))
    };
    q.abm_server_id.is_none_or(|s| s == m.server)
        && eq(&q.os, &m.data.os)
        && eq(&q.device_family, &m.data.device_family)
        && eq(&q.profile_status, &m.data.profile_status)
        && q.removed.is_none_or(|r| r == m.removed)
        && q.serial_contains.as_ref().is_none_or(|needle| {
            m.serial
                .to_ascii_uppercase()
                .contains(&needle.to_ascii_uppercase())
        })
}

/// Twelve devices on two servers with varied os, family, profile status and removal.
async fn populate(store: &dyn Store, tag: &str) -> (Target, Target, Vec<Model>) {
    let (a, b) = (target(store).await, target(store).await);
    let mut models = Vec::new();
    for i in 0..12usize {
        let mut data = AbmDeviceData::new(format!("{tag}-{i:02}"));
        data.os = Some(["iOS", "macOS"][(i / 2) % 2].to_owned());
        data.device_family = Some(["iPhone", "iPad", "Mac"][i % 3].to_owned());
        data.profile_status =
            [None, Some("assigned"), Some("pushed")][i % 3 / 2 + i % 2].map(str::to_owned);
        let (t, removed) = (if i % 2 == 0 { a } else { b }, i % 5 == 0);
        let mut page: Vec<DeviceChange> = vec![fetched(data.clone())];
        commit(store, t, &page, "c", at(1_700_000_000, 0)).await;
        if removed {
            page = vec![deleted(&data.serial_number, None)];
            commit(store, t, &page, "c", at(1_700_000_001, 0)).await;
        }
        let serial = data.serial_number.clone();
        models.push(Model {
            serial,
            server: t.server,
            data,
            removed,
        });
    }
    (a, b, models)
}

/// Pages through `q` two at a time and checks the whole listing and the count.
async fn check(store: &dyn Store, models: &[Model], q: AbmDeviceQuery, what: &str) {
    let mut want: Vec<&str> = models
        .iter()
        .filter(|m| matches(m, &q))
        .map(|m| m.serial.as_str())
        .collect();
    want.sort_unstable();
    let mut got = Vec::new();
    let mut page_q = AbmDeviceQuery {
        limit: 2,
        ..q.clone()
    };
    loop {
        let page = must(store.list_abm_devices(&page_q).await, "list_abm_devices");
        assert!(
            page.len() <= 2,
            "{what}: a page holds at most `limit` devices"
        );
        let Some(last) = page.last() else { break };
        page_q.after_serial = Some(last.data.serial_number.clone());
        got.extend(page.into_iter().map(|d| d.data.serial_number));
    }
    assert_eq!(got, want, "{what}: keyset pages, in serial order");
    let n = must(store.count_abm_devices(&q).await, "count_abm_devices");
    assert_eq!(n, want.len() as u64, "{what}: count");
}

/// Each filter alone, several combined, and LIKE wildcards taken literally.
fn filter_cases(tag: &str, a: Target, b: Target) -> Vec<(AbmDeviceQuery, &'static str)> {
    // The tag keeps every query to this case's devices.
    let mine = |edit: &dyn Fn(&mut AbmDeviceQuery)| {
        let mut q = AbmDeviceQuery {
            serial_contains: Some(tag.to_ascii_lowercase()),
            ..Default::default()
        };
        edit(&mut q);
        q
    };
    let text = |s: &str| Some(s.to_owned());
    vec![
        (mine(&|_| {}), "serial search, case-insensitive"),
        (mine(&|q| q.abm_server_id = Some(a.server)), "server"),
        (mine(&|q| q.os = text("macOS")), "os"),
        (mine(&|q| q.device_family = text("iPad")), "device family"),
        (
            mine(&|q| q.profile_status = text("assigned")),
            "profile status",
        ),
        (mine(&|q| q.removed = Some(true)), "removed"),
        (mine(&|q| q.removed = Some(false)), "active"),
        (
            mine(&|q| {
                q.abm_server_id = Some(b.server);
                q.os = text("iOS");
                q.removed = Some(false);
                q.serial_contains = Some(format!("{tag}-0"));
            }),
            "combined",
        ),
        (
            mine(&|q| q.serial_contains = Some(format!("{tag}-%"))),
            "% is literal",
        ),
        (
            mine(&|q| q.serial_contains = Some(format!("{tag}_0"))),
            "_ is literal",
        ),
    ]
}

/// Every filter alone and combined, listed in keyset pages in serial order; counts ignore
/// paging.
pub async fn abm_device_list_filters(store: &dyn Store) {
    let tag = serial("list");
    let (a, b, models) = populate(store, &tag).await;
    for (q, what) in filter_cases(&tag, a, b) {
        check(store, &models, q, what).await;
    }
    let mine = AbmDeviceQuery {
        serial_contains: Some(tag.clone()),
        ..Default::default()
    };
    let total = must(store.count_abm_devices(&mine).await, "count");
    assert_eq!(total, 12, "all twelve devices carry the tag");

    let zero = AbmDeviceQuery {
        limit: 0,
        ..mine.clone()
    };
    assert!(must(store.list_abm_devices(&zero).await, "limit 0").is_empty());
    let after = AbmDeviceQuery {
        after_serial: Some(format!("{tag}-05")),
        limit: 3,
        ..mine
    };
    let page = must(store.list_abm_devices(&after).await, "after_serial");
    let serials: Vec<String> = page.into_iter().map(|d| d.data.serial_number).collect();
    let want: Vec<String> = (6..9).map(|i| format!("{tag}-{i:02}")).collect();
    assert_eq!(serials, want, "after_serial is exclusive");
    let all = must(
        store.count_abm_devices(&after).await,
        "count ignores paging",
    );
    assert_eq!(all, 12, "count ignores after_serial and limit");

    let asked = vec![
        format!("{tag}-07"),
        format!("{tag}-NOPE"),
        format!("{tag}-01"),
    ];
    let known = must(store.known_abm_serials(&asked).await, "known serials");
    assert_eq!(
        known,
        vec![format!("{tag}-01"), format!("{tag}-07")],
        "known serials are listed in order, unknown ones left out"
    );
    assert!(must(store.known_abm_serials(&[]).await, "none").is_empty());
    let too_many = vec![tag.clone(); 1001];
    assert!(
        store.known_abm_serials(&too_many).await.is_err(),
        "more than 1000 serials per read are refused"
    );
}
