//! `GET /api/v1/abm/devices`, `…/devices/{serial}` and `…/devices.csv` against synced devices.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::{each_backend, entry, refused, Fixture};

/// Every page of `query` (plus `limit`), checking the keyset rules on the way.
async fn all_pages(f: &Fixture, query: &str, limit: u32) -> (Vec<Value>, u64) {
    let mut devices = Vec::new();
    let mut after: Option<String> = None;
    let mut total = None;
    loop {
        let mut path = format!("/api/v1/abm/devices?limit={limit}&{query}");
        if let Some(a) = &after {
            path.push_str(&format!("&after={a}"));
        }
        let page = f.get(&path).await;
        let rows = page["devices"].as_array().unwrap().clone();
        assert!(rows.len() <= limit as usize);
        let t = page["total"].as_u64().unwrap();
        assert_eq!(
            *total.get_or_insert(t),
            t,
            "total is the same on every page"
        );
        devices.extend(rows.clone());
        match page["next_after"].as_str() {
            Some(next) => {
                assert_eq!(
                    rows.len(),
                    limit as usize,
                    "only full pages have a next page"
                );
                assert_eq!(rows.last().unwrap()["serial_number"], next);
                after = Some(next.to_owned());
            }
            None => break,
        }
    }
    (devices, total.unwrap_or(0))
}

fn serials(devices: &[Value]) -> Vec<String> {
    devices
        .iter()
        .map(|d| d["serial_number"].as_str().unwrap().to_owned())
        .collect()
}

/// What [`fleet`] put in ABM and synced.
struct Fleet {
    macs: Vec<String>,
    phones: Vec<String>,
    theirs: Vec<String>,
    other: uuid::Uuid,
}

/// 12 devices on Main (4 Macs, 6 iPhones, 2 iPads; two iPhones then released) and one Apple
/// TV on a second entry, synced.
async fn fleet(f: &Fixture) -> Fleet {
    let macs = f.assign(&f.main_sim, 4, "macOS").await;
    let phones = f.assign(&f.main_sim, 6, "iOS").await;
    f.assign(&f.main_sim, 2, "iPadOS").await;
    let (other, other_sim) = entry(&f.server, &f.sim, f.sim.url(), "Other").await;
    let theirs = f.assign(&other_sim, 1, "tvOS").await;
    assert_eq!(f.sync(f.main).await["added"], 12);
    assert_eq!(f.sync(other).await["added"], 1);
    // Released in ABM: removed in cultivar, history kept.
    f.sim.admin().release(&phones[..2]).await.unwrap();
    assert_eq!(f.sync(f.main).await["deleted"], 2);
    Fleet {
        macs,
        phones,
        theirs,
        other,
    }
}

/// Pages of 5 and of 13 (one page, exactly full) give every device once, in serial order.
async fn every_device_once(f: &Fixture) -> Vec<Value> {
    let (everything, total) = all_pages(f, "", 5).await;
    assert_eq!(total, 13);
    let mut sorted = serials(&everything);
    sorted.sort();
    assert_eq!(serials(&everything), sorted, "serial-number order");
    let unique = sorted.iter().collect::<BTreeSet<_>>().len();
    assert_eq!(unique, 13, "no duplicates");
    let (one_page, _) = all_pages(f, "", 13).await;
    assert_eq!(serials(&one_page), sorted);
    everything
}

/// Each filter gives what filtering the whole list gives.
async fn filters_match(f: &Fixture, fleet: &Fleet, everything: &[Value]) {
    let (main, other) = (f.main.to_string(), fleet.other.to_string());
    let cases: Vec<(String, Vec<(&str, Value)>)> = vec![
        (
            format!("server={main}"),
            vec![("abm_server_id", main.clone().into())],
        ),
        (
            format!("server={other}"),
            vec![("abm_server_id", other.clone().into())],
        ),
        ("os=macOS".into(), vec![("os", "OSX".into())]),
        ("os=ios".into(), vec![("os", "iOS".into())]),
        (
            "family=AppleTV".into(),
            vec![("device_family", "AppleTV".into())],
        ),
        (
            "profile_status=empty".into(),
            vec![("profile_status", "empty".into())],
        ),
        ("removed=true".into(), vec![("removed", true.into())]),
        (
            "removed=false&os=iOS".into(),
            vec![("removed", false.into()), ("os", "iOS".into())],
        ),
    ];
    for (query, wanted) in &cases {
        let (found, total) = all_pages(f, query, 3).await;
        let expected: Vec<Value> = everything
            .iter()
            .filter(|d| wanted.iter().all(|(k, v)| d[*k] == *v))
            .cloned()
            .collect();
        assert!(!expected.is_empty(), "{query} matches something");
        assert_eq!(total as usize, expected.len(), "{query}");
        assert_eq!(serials(&found), serials(&expected), "{query}");
    }
    assert_eq!(all_pages(f, "os=OSX", 10).await.0.len(), fleet.macs.len());
    assert_eq!(all_pages(f, "removed=true", 10).await.1, 2);
    // Serial search: a case-insensitive part of a serial number.
    let needle = fleet.macs[0][1..5].to_lowercase();
    let (found, _) = all_pages(f, &format!("search={needle}"), 10).await;
    assert!(serials(&found).contains(&fleet.macs[0]), "{needle}");
    let all_contain = serials(&found)
        .iter()
        .all(|s| s.to_lowercase().contains(&needle));
    assert!(all_contain, "{needle}");
}

/// One device by serial, with all its fields; removed ones too.
async fn single_devices(f: &Fixture, fleet: &Fleet) {
    let tv = f
        .get(&format!("/api/v1/abm/devices/{}", fleet.theirs[0]))
        .await;
    let kind = (tv["os"].as_str(), tv["device_family"].as_str());
    assert_eq!(kind, (Some("tvOS"), Some("AppleTV")));
    assert_eq!(tv["removed"], false);
    assert!(
        tv["model"].is_string() && tv["first_seen_at"].is_string(),
        "{tv}"
    );
    let gone = f
        .get(&format!("/api/v1/abm/devices/{}", fleet.phones[0]))
        .await;
    assert_eq!(gone["removed"], true);
    assert_eq!(gone["last_op_type"], "deleted");
    assert!(gone["removed_at"].is_string(), "{gone}");
    let missing = "/api/v1/abm/devices/NOSUCHSERIAL";
    let (status, body) = f.api(Method::GET, missing, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

#[tokio::test]
async fn filters_and_keyset_pagination_match_the_simulator() {
    each_backend(|f| async move {
        let fleet = fleet(&f).await;
        let everything = every_device_once(&f).await;
        filters_match(&f, &fleet, &everything).await;
        single_devices(&f, &fleet).await;
    })
    .await;
}

#[tokio::test]
async fn unknown_filter_values_name_the_parameter() {
    let Some(f) = Fixture::start(cultivar_testkit::Backend::Sqlite).await else {
        return;
    };
    for (query, field) in [
        ("os=Windows", "os"),
        ("family=Phone", "family"),
        ("profile_status=lost", "profile_status"),
        ("removed=maybe", "removed"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=ten", "limit"),
        ("server=not-a-uuid", "server"),
    ] {
        for path in ["/api/v1/abm/devices", "/api/v1/abm/devices.csv"] {
            if path.ends_with(".csv") && field == "limit" {
                continue;
            }
            let (status, body) = f.api(Method::GET, &format!("{path}?{query}"), None).await;
            assert_eq!(
                refused(status, &body, StatusCode::UNPROCESSABLE_ENTITY),
                field,
                "{query}"
            );
            let message = body["error"]["message"].as_str().unwrap();
            assert!(message.starts_with(&format!("{field}: ")), "{message}");
        }
    }
    let (status, body) = f
        .api(Method::GET, "/api/v1/abm/devices?colour=red", None)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("colour"),
        "{body}"
    );
    let (status, body) = f
        .api(Method::GET, "/api/v1/abm/devices.csv?limit=5", None)
        .await;
    assert_eq!(
        refused(status, &body, StatusCode::UNPROCESSABLE_ENTITY),
        "limit"
    );
}

/// Splits RFC 4180 text into records of fields (quoted fields may hold `,`, `"` and newlines).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut records, mut record, mut field) = (Vec::new(), Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {
                assert_eq!(chars.next(), Some('\n'), "CRLF line ends");
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(
        field.is_empty() && record.is_empty(),
        "the last record ends with CRLF"
    );
    records
}

/// The CSV as (header, rows).
async fn csv(f: &Fixture, query: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let response = f
        .server
        .http()
        .get(
            f.server
                .url_for(&format!("/api/v1/abm/devices.csv?{query}")),
        )
        .bearer_auth(f.server.read_only_key())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    let disposition = response.headers()["content-disposition"].to_str().unwrap();
    assert_eq!(disposition, "attachment; filename=\"abm-devices.csv\"");
    let mut records = parse_csv(&response.text().await.unwrap()).into_iter();
    let header = records.next().unwrap();
    (header, records.collect())
}

#[tokio::test]
async fn csv_export_streams_every_matching_device_across_pages() {
    each_backend(|f| async move {
        // More devices than one export page (1000), so the stream continues by keyset.
        f.server
            .store()
            .set_abm_sync_batch_size(f.main, 1000)
            .await
            .unwrap();
        let phones = f.assign(&f.main_sim, 1003, "iOS").await;
        let macs = f.assign(&f.main_sim, 3, "macOS").await;
        assert_eq!(f.sync(f.main).await["added"], 1006);

        let (header, rows) = csv(&f, "").await;
        assert_eq!(header[0], "serial_number");
        assert!(header.contains(&"abm_server_name".to_owned()), "{header:?}");
        assert!(
            rows.iter().all(|r| r.len() == header.len()),
            "one field per column"
        );
        let mut expected: Vec<String> = phones.iter().chain(&macs).cloned().collect();
        expected.sort();
        let exported: Vec<String> = rows.iter().map(|r| r[0].clone()).collect();
        assert_eq!(exported, expected, "every device once, in serial order");

        let (_, rows) = csv(&f, "os=macOS").await;
        let os = header.iter().position(|h| h == "os").unwrap();
        let server = header.iter().position(|h| h == "abm_server_name").unwrap();
        assert_eq!(rows.len(), 3);
        assert!(
            rows.iter().all(|r| r[os] == "OSX" && r[server] == "Main"),
            "{rows:?}"
        );
        let (_, none) = csv(&f, "search=NO-SUCH-SERIAL").await;
        assert!(none.is_empty());
    })
    .await;
}
