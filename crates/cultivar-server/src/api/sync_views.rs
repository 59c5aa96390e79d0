//! Sync engine and store records → ABM sync wire types (shared by the API and the console).

use cultivar_api_types::abm_sync::{
    AbmDeviceView, SyncHealthView, SyncProgressView, SyncRunView, SyncSummaryView,
};
use cultivar_core::sync::{SyncHealth, SyncProgress, SyncSummary, OUTCOME_WARNING};
use cultivar_store::{AbmDevice, SyncRun};
use uuid::Uuid;

pub fn summary_view(s: &SyncSummary) -> SyncSummaryView {
    SyncSummaryView {
        run_id: s.run_id,
        abm_server_id: s.abm_server_id,
        trigger: s.trigger.as_str().to_owned(),
        outcome: s.outcome.clone(),
        phase: s.phase.clone(),
        pages: s.pages,
        added: s.added,
        modified: s.modified,
        deleted: s.deleted,
        duration_ms: s.duration_ms,
        error: s.error.clone(),
        warning: s.warning.clone(),
    }
}

pub fn progress_view(p: &SyncProgress) -> SyncProgressView {
    SyncProgressView {
        run_id: p.run_id,
        trigger: p.trigger.as_str().to_owned(),
        phase: p.phase.clone(),
        pages: p.pages,
        devices_seen: p.devices_seen,
        added: p.added,
        modified: p.modified,
        deleted: p.deleted,
        started_at: p.started_at,
    }
}

pub fn run_view(r: &SyncRun) -> SyncRunView {
    // The store keeps a warning in the error column; the outcome tells them apart.
    let warning = r.outcome == OUTCOME_WARNING;
    SyncRunView {
        id: r.id,
        abm_server_id: r.abm_server_id,
        trigger: r.trigger.clone(),
        phase: r.phase.clone(),
        started_at: r.started_at,
        finished_at: r.finished_at,
        pages: r.pages,
        added: r.added,
        modified: r.modified,
        deleted: r.deleted,
        outcome: r.outcome.clone(),
        error: r.error.clone().filter(|_| !warning),
        warning: r.error.clone().filter(|_| warning),
        duration_ms: r.duration_ms,
    }
}

pub fn health_view(server_id: Uuid, h: &SyncHealth, sync_batch_size: u32) -> SyncHealthView {
    SyncHealthView {
        abm_server_id: server_id,
        phase: h.phase.clone(),
        last_success_at: h.last_success_at,
        last_error: h.last_error.clone(),
        last_error_at: h.last_error_at,
        next_run_at: h.next_run_at,
        running: h.running.as_ref().map(progress_view),
        last_run: h.last_run.as_ref().map(run_view),
        sync_batch_size,
    }
}

pub fn device_view(d: AbmDevice) -> AbmDeviceView {
    let data = d.data;
    AbmDeviceView {
        serial_number: data.serial_number,
        model: data.model,
        description: data.description,
        color: data.color,
        asset_tag: data.asset_tag,
        os: data.os,
        device_family: data.device_family,
        profile_status: data.profile_status,
        profile_uuid: data.profile_uuid,
        profile_assign_time: data.profile_assign_time,
        profile_push_time: data.profile_push_time,
        device_assigned_date: data.device_assigned_date,
        device_assigned_by: data.device_assigned_by,
        extra: data.extra,
        abm_server_id: d.abm_server_id,
        removed: d.removed_at.is_some(),
        removed_at: d.removed_at,
        last_op_type: d.last_op_type,
        last_op_date: d.last_op_date,
        first_seen_at: d.first_seen_at,
        updated_at: d.updated_at,
    }
}
