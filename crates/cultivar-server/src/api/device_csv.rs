//! The ABM device CSV export, streamed page by page with keyset pagination so that memory stays
//! at one page whatever the fleet size. Shared by the API and the console.
//!
//! The CSV writing is hand-written (RFC 4180 quoting is a few lines): the `csv` crate would be a
//! new dependency for one writer of known, flat rows.

use std::{collections::HashMap, sync::Arc};

use axum::{
    body::{Body, Bytes},
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
};
use cultivar_store::{AbmDevice, AbmDeviceQuery, Store, StoreError};
use time::{format_description::well_known::Rfc3339, OffsetDateTime};
use uuid::Uuid;

use crate::error::ApiError;

/// Devices read per database query while exporting.
pub const CSV_PAGE: u32 = 1000;

/// The columns, in order.
pub const COLUMNS: &[&str] = &[
    "serial_number",
    "model",
    "description",
    "color",
    "asset_tag",
    "os",
    "device_family",
    "profile_status",
    "profile_uuid",
    "profile_assign_time",
    "profile_push_time",
    "device_assigned_date",
    "device_assigned_by",
    "abm_server_id",
    "abm_server_name",
    "removed",
    "removed_at",
    "last_op_type",
    "last_op_date",
    "first_seen_at",
    "updated_at",
];

/// Where an export stands between chunks.
struct Export {
    store: Arc<dyn Store>,
    query: AbmDeviceQuery,
    names: HashMap<Uuid, String>,
    /// The first page, read before the response started so that its errors get a status.
    first: Option<Vec<AbmDevice>>,
    done: bool,
}

/// A `200 text/csv` attachment of every device matching `query` (its `after_serial` and
/// `limit` are ignored). Fails before any byte is sent when the first page cannot be read; a
/// later failure ends the stream early (logged), which the client sees as a broken transfer.
pub async fn csv_response(
    store: Arc<dyn Store>,
    query: AbmDeviceQuery,
) -> Result<Response, ApiError> {
    let query = AbmDeviceQuery {
        after_serial: None,
        limit: CSV_PAGE,
        ..query
    };
    let names = store
        .list_abm_servers()
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let first = store.list_abm_devices(&query).await?;
    let export = Export {
        store,
        query,
        names,
        first: Some(first),
        done: false,
    };
    let header = Bytes::from(line(COLUMNS.iter().map(|c| (*c).to_owned())));
    let head = futures_util::stream::iter([Ok::<_, StoreError>(header)]);
    let rows = futures_util::stream::unfold(export, next_chunk);
    let body = Body::from_stream(futures_util::StreamExt::chain(head, rows));
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/csv; charset=utf-8"),
        ),
        (
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment; filename=\"abm-devices.csv\""),
        ),
    ];
    Ok((headers, body).into_response())
}

/// The rows of the next page, or `None` after the last one.
async fn next_chunk(mut ex: Export) -> Option<(Result<Bytes, StoreError>, Export)> {
    if ex.done {
        return None;
    }
    let page = match ex.first.take() {
        Some(page) => page,
        None => match ex.store.list_abm_devices(&ex.query).await {
            Ok(page) => page,
            Err(e) => {
                tracing::warn!(cause = %e, "ABM device CSV export stopped: reading a page failed");
                ex.done = true;
                return Some((Err(e), ex));
            }
        },
    };
    ex.done = page.len() < ex.query.limit as usize;
    let last = page.last()?.data.serial_number.clone();
    ex.query.after_serial = Some(last);
    let mut chunk = String::with_capacity(page.len() * 256);
    for device in &page {
        chunk.push_str(&row(device, &ex.names));
    }
    Some((Ok(Bytes::from(chunk)), ex))
}

fn row(d: &AbmDevice, names: &HashMap<Uuid, String>) -> String {
    let data = &d.data;
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    line([
        data.serial_number.clone(),
        text(&data.model),
        text(&data.description),
        text(&data.color),
        text(&data.asset_tag),
        text(&data.os),
        text(&data.device_family),
        text(&data.profile_status),
        text(&data.profile_uuid),
        at(data.profile_assign_time),
        at(data.profile_push_time),
        at(data.device_assigned_date),
        text(&data.device_assigned_by),
        d.abm_server_id.to_string(),
        names.get(&d.abm_server_id).cloned().unwrap_or_default(),
        d.removed_at.is_some().to_string(),
        at(d.removed_at),
        text(&d.last_op_type),
        at(d.last_op_date),
        at(Some(d.first_seen_at)),
        at(Some(d.updated_at)),
    ])
}

fn at(t: Option<OffsetDateTime>) -> String {
    t.and_then(|t| t.format(&Rfc3339).ok()).unwrap_or_default()
}

/// One CSV record with a CRLF line end (RFC 4180).
fn line(fields: impl IntoIterator<Item = String>) -> String {
    let mut out = String::new();
    for (i, field) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_field(&mut out, &field);
    }
    out.push_str("\r\n");
    out
}

/// Quotes a field when needed. Text a spreadsheet would run as a formula (`=`, `+`, `-`, `@`,
/// tab, CR first) gets a leading `'`: asset tags and descriptions are typed by people in ABM.
fn push_field(out: &mut String, value: &str) {
    let formula = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if !formula && !value.contains([',', '"', '\n', '\r']) {
        out.push_str(value);
        return;
    }
    out.push('"');
    if formula {
        out.push('\'');
    }
    out.push_str(&value.replace('"', "\"\""));
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_needed() {
        let l = line(["C02X".to_owned(), "a,b".to_owned(), "say \"hi\"".to_owned()]);
        assert_eq!(l, "C02X,\"a,b\",\"say \"\"hi\"\"\"\r\n");
        assert_eq!(line(["two\nlines".to_owned()]), "\"two\nlines\"\r\n");
    }

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(line(["=HYPERLINK(1)".to_owned()]), "\"'=HYPERLINK(1)\"\r\n");
        assert_eq!(line(["@SUM".to_owned(), String::new()]), "\"'@SUM\",\r\n");
    }
}
