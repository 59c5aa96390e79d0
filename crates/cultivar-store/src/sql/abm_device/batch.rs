//! The batched statements of a page: one statement per kind of write, whatever the page size.
//!
//! The dialects differ here (and only here): PostgreSQL takes column arrays through `UNNEST`;
//! SQLite has no arrays, so the rows travel as one JSON array of arrays read with `json_each`
//! (cells in SQLite's stored forms: timestamps as unix microseconds, JSON as text). Both keep
//! the statement text static and the parameter count fixed, so no chunking is needed.

use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use super::classify::{Removal, Upsert};
use crate::{
    sql::{dialect, Query},
    sqlite::to_micros,
    Backend,
};

/// The columns the classification reads, for the given serials.
pub(super) fn select_existing(backend: Backend, serials: Vec<Option<String>>) -> Query {
    dialect(
        backend,
        "SELECT serial_number, abm_server_id, removed_at, last_op_date, device_assigned_date \
         FROM abm_devices WHERE serial_number IN (SELECT value FROM json_each($1))",
        "SELECT serial_number, abm_server_id, removed_at, last_op_date, device_assigned_date \
         FROM abm_devices WHERE serial_number = ANY($1)",
    )
    .bind(serials)
}

// `first_seen_at` is only written on insert; `removed_at` defaults to NULL and is cleared on
// update (a device that comes back is active again).
const SQLITE_UPSERT: &str = "INSERT INTO abm_devices (serial_number, abm_server_id, model, \
    description, color, asset_tag, os, device_family, profile_status, profile_uuid, \
    profile_assign_time, profile_push_time, device_assigned_date, device_assigned_by, extra, \
    last_op_type, last_op_date, fetch_generation, first_seen_at, updated_at) \
    SELECT r.value ->> 0, $1, r.value ->> 1, r.value ->> 2, r.value ->> 3, r.value ->> 4, \
    r.value ->> 5, r.value ->> 6, r.value ->> 7, r.value ->> 8, r.value ->> 9, r.value ->> 10, \
    r.value ->> 11, r.value ->> 12, r.value ->> 13, r.value ->> 14, r.value ->> 15, $2, $3, $3 \
    FROM json_each($4) AS r WHERE true \
    ON CONFLICT (serial_number) DO UPDATE SET abm_server_id = excluded.abm_server_id, \
    model = excluded.model, description = excluded.description, color = excluded.color, \
    asset_tag = excluded.asset_tag, os = excluded.os, device_family = excluded.device_family, \
    profile_status = excluded.profile_status, profile_uuid = excluded.profile_uuid, \
    profile_assign_time = excluded.profile_assign_time, \
    profile_push_time = excluded.profile_push_time, \
    device_assigned_date = excluded.device_assigned_date, \
    device_assigned_by = excluded.device_assigned_by, extra = excluded.extra, \
    last_op_type = excluded.last_op_type, last_op_date = excluded.last_op_date, \
    fetch_generation = excluded.fetch_generation, removed_at = NULL, \
    updated_at = excluded.updated_at";

const POSTGRES_UPSERT: &str = "INSERT INTO abm_devices (serial_number, abm_server_id, model, \
    description, color, asset_tag, os, device_family, profile_status, profile_uuid, \
    profile_assign_time, profile_push_time, device_assigned_date, device_assigned_by, extra, \
    last_op_type, last_op_date, fetch_generation, first_seen_at, updated_at) \
    SELECT u.serial, $1, u.model, u.description, u.color, u.asset_tag, u.os, u.family, \
    u.pstatus, u.puuid, u.passign, u.ppush, u.assigned, u.assigned_by, u.extra::jsonb, \
    u.op_type, u.op_date, $2, $3, $3 \
    FROM UNNEST($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], \
    $10::text[], $11::text[], $12::text[], $13::timestamptz[], $14::timestamptz[], \
    $15::timestamptz[], $16::text[], $17::text[], $18::text[], $19::timestamptz[]) \
    AS u(serial, model, description, color, asset_tag, os, family, pstatus, puuid, passign, \
    ppush, assigned, assigned_by, extra, op_type, op_date) \
    ON CONFLICT (serial_number) DO UPDATE SET abm_server_id = excluded.abm_server_id, \
    model = excluded.model, description = excluded.description, color = excluded.color, \
    asset_tag = excluded.asset_tag, os = excluded.os, device_family = excluded.device_family, \
    profile_status = excluded.profile_status, profile_uuid = excluded.profile_uuid, \
    profile_assign_time = excluded.profile_assign_time, \
    profile_push_time = excluded.profile_push_time, \
    device_assigned_date = excluded.device_assigned_date, \
    device_assigned_by = excluded.device_assigned_by, extra = excluded.extra, \
    last_op_type = excluded.last_op_type, last_op_date = excluded.last_op_date, \
    fetch_generation = excluded.fetch_generation, removed_at = NULL, \
    updated_at = excluded.updated_at";

/// Inserts or updates every planned upsert on `server` in one statement.
pub(super) fn upsert(
    backend: Backend,
    server: Uuid,
    generation: i64,
    now: OffsetDateTime,
    rows: &[Upsert<'_>],
) -> Query {
    let query = dialect(backend, SQLITE_UPSERT, POSTGRES_UPSERT)
        .bind(server)
        .bind(generation)
        .bind(now);
    match backend {
        Backend::Sqlite => query.bind(Value::Array(rows.iter().map(sqlite_row).collect())),
        Backend::Postgres => postgres_columns(query, rows),
    }
}

fn sqlite_row(u: &Upsert<'_>) -> Value {
    let d = u.data;
    let text = |v: &Option<String>| Value::from(v.clone());
    let time = |v: Option<OffsetDateTime>| Value::from(v.map(to_micros));
    Value::Array(vec![
        Value::from(d.serial_number.as_str()),
        text(&d.model),
        text(&d.description),
        text(&d.color),
        text(&d.asset_tag),
        text(&d.os),
        text(&d.device_family),
        text(&d.profile_status),
        text(&d.profile_uuid),
        time(d.profile_assign_time),
        time(d.profile_push_time),
        time(d.device_assigned_date),
        text(&d.device_assigned_by),
        Value::from(d.extra.to_string()),
        Value::from(u.op_type),
        time(u.op_date),
    ])
}

fn postgres_columns(query: Query, rows: &[Upsert<'_>]) -> Query {
    let text = |f: fn(&Upsert<'_>) -> Option<String>| -> Vec<Option<String>> {
        rows.iter().map(f).collect()
    };
    let time = |f: fn(&Upsert<'_>) -> Option<OffsetDateTime>| -> Vec<Option<OffsetDateTime>> {
        rows.iter().map(f).collect()
    };
    query
        .bind(text(|u| Some(u.data.serial_number.clone())))
        .bind(text(|u| u.data.model.clone()))
        .bind(text(|u| u.data.description.clone()))
        .bind(text(|u| u.data.color.clone()))
        .bind(text(|u| u.data.asset_tag.clone()))
        .bind(text(|u| u.data.os.clone()))
        .bind(text(|u| u.data.device_family.clone()))
        .bind(text(|u| u.data.profile_status.clone()))
        .bind(text(|u| u.data.profile_uuid.clone()))
        .bind(time(|u| u.data.profile_assign_time))
        .bind(time(|u| u.data.profile_push_time))
        .bind(time(|u| u.data.device_assigned_date))
        .bind(text(|u| u.data.device_assigned_by.clone()))
        .bind(text(|u| Some(u.data.extra.to_string())))
        .bind(text(|u| u.op_type.map(str::to_owned)))
        .bind(time(|u| u.op_date))
}

/// Marks every planned removal on `server` removed in one statement. The server and
/// `removed_at IS NULL` conditions repeat the classification's, as a guard (a concurrent
/// page of another server may have taken a device over). They are written so no index can
/// serve them (SQLite's unary `+`, PostgreSQL's `IS NOT DISTINCT FROM`): otherwise, with the
/// statistics of a table that just grew by a full fetch, both planners walk every device of
/// the server (SQLite scanning the JSON for each) instead of one key lookup per removal —
/// hundreds of milliseconds to seconds per page.
pub(super) fn remove(
    backend: Backend,
    server: Uuid,
    now: OffsetDateTime,
    rows: &[Removal<'_>],
) -> Query {
    let query = dialect(
        backend,
        "UPDATE abm_devices SET removed_at = $2, updated_at = $2, last_op_type = 'deleted', \
         last_op_date = r.value ->> 1 FROM json_each($3) AS r \
         WHERE abm_devices.serial_number = r.value ->> 0 AND +abm_devices.abm_server_id = $1 \
         AND +abm_devices.removed_at IS NULL",
        "UPDATE abm_devices AS d SET removed_at = $2, updated_at = $2, \
         last_op_type = 'deleted', last_op_date = u.op_date \
         FROM UNNEST($3::text[], $4::timestamptz[]) AS u(serial, op_date) \
         WHERE d.serial_number = u.serial AND d.abm_server_id IS NOT DISTINCT FROM $1 \
         AND d.removed_at IS NOT DISTINCT FROM NULL",
    )
    .bind(server)
    .bind(now);
    match backend {
        Backend::Sqlite => query.bind(Value::Array(
            rows.iter()
                .map(|r| {
                    Value::Array(vec![
                        Value::from(r.serial_number),
                        Value::from(r.op_date.map(to_micros)),
                    ])
                })
                .collect(),
        )),
        Backend::Postgres => query
            .bind(
                rows.iter()
                    .map(|r| Some(r.serial_number.to_owned()))
                    .collect::<Vec<_>>(),
            )
            .bind(rows.iter().map(|r| r.op_date).collect::<Vec<_>>()),
    }
}
