//! Devices: every device cultivar knows (ABM and MDM merged) with its state, and Device
//! Details with tabs — Overview, and Logs > MDM Activity (filters by date range, state and
//! command; a "view error" link per failed command shows its ErrorChain and RejectionReason).
//!
//! The handlers call [`cultivar_core::mdm::MdmService`] through the API module's helpers, so
//! the console and `/api/v1` parse filters and build views alike.

mod activity;
mod detail;
mod list;

use axum::{routing::get, Router};
use serde::Deserialize;

use crate::AppState;

/// The section of the navigation these pages belong to.
const SECTION: &str = "/devices";

pub fn router() -> Router<AppState> {
    Router::new()
        .route(SECTION, get(list::show))
        .route("/devices/{key}", get(detail::show))
        .route("/devices/{key}/logs/mdm", get(activity::show))
        .route("/devices/{key}/logs/mdm/{uuid}", get(activity::command))
}

/// One option of a `<select>`.
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

impl Choice {
    /// "Any" first, then `values`, with `current` selected.
    fn list(values: &[&str], current: Option<&str>) -> Vec<Choice> {
        std::iter::once("")
            .chain(values.iter().copied())
            .map(|v| Choice {
                value: v.to_owned(),
                label: if v.is_empty() {
                    "Any".to_owned()
                } else {
                    v.replace('_', " ")
                },
                selected: current.unwrap_or("") == v,
            })
            .collect()
    }
}

/// One tab of Device Details.
struct Tab {
    label: &'static str,
    href: String,
    current: bool,
}

/// The tabs of a device's pages; `current` is `overview` or `logs`.
fn tabs(key: &str, current: &str) -> Vec<Tab> {
    let base = format!("/devices/{}", seg(key));
    vec![
        Tab {
            label: "Overview",
            href: base.clone(),
            current: current == "overview",
        },
        Tab {
            label: "Logs",
            href: format!("{base}/logs/mdm"),
            current: current == "logs",
        },
    ]
}

/// A path segment, percent-encoded except RFC 3986's unreserved characters.
fn seg(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `YYYY-MM-DD HH:MM:SS UTC`, or empty.
fn when(t: Option<time::OffsetDateTime>) -> String {
    t.map(|t| {
        let t = t.to_offset(time::UtcOffset::UTC);
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
    })
    .unwrap_or_default()
}

/// `?after=` paging of the device list.
#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    after: Option<String>,
}
