-- ABM device sync (SQLite). Must keep the same tables and column names as
-- migrations/postgres/0002_abm_device_sync.sql (checked by tests/schema_parity.rs).
-- Same conventions as 0001: UUIDs as TEXT, timestamps as INTEGER unix microseconds, JSON as TEXT.

ALTER TABLE abm_servers ADD COLUMN sync_batch_size INTEGER NOT NULL DEFAULT 100
    CHECK (sync_batch_size BETWEEN 1 AND 1000);

-- One row per serial number: a device belongs to at most one ABM server at a time, and a move
-- re-points the row instead of duplicating it.
CREATE TABLE abm_devices (
    serial_number        TEXT    NOT NULL PRIMARY KEY,
    abm_server_id        TEXT    NOT NULL REFERENCES abm_servers (id) ON DELETE CASCADE,
    model                TEXT,
    description          TEXT,
    color                TEXT,
    asset_tag            TEXT,
    os                   TEXT,
    device_family        TEXT,
    profile_status       TEXT,
    profile_uuid         TEXT,
    profile_assign_time  INTEGER,
    profile_push_time    INTEGER,
    device_assigned_date INTEGER,
    device_assigned_by   TEXT,
    extra                TEXT    NOT NULL DEFAULT '{}',
    last_op_type         TEXT,
    last_op_date         INTEGER,
    fetch_generation     INTEGER NOT NULL,
    removed_at           INTEGER,
    first_seen_at        INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
) STRICT;
CREATE INDEX abm_devices_server_serial ON abm_devices (abm_server_id, serial_number);
CREATE INDEX abm_devices_os ON abm_devices (os, serial_number);
CREATE INDEX abm_devices_profile_status ON abm_devices (profile_status, serial_number);
-- Partial: only removed devices are indexed, so the active majority costs nothing here.
CREATE INDEX abm_devices_removed ON abm_devices (abm_server_id, removed_at) WHERE removed_at IS NOT NULL;

CREATE TABLE abm_sync_state (
    abm_server_id    TEXT    NOT NULL PRIMARY KEY REFERENCES abm_servers (id) ON DELETE CASCADE,
    phase            TEXT    NOT NULL CHECK (phase IN ('fetch', 'sync')),
    cursor           TEXT,
    cursor_at        INTEGER,
    fetch_generation INTEGER NOT NULL DEFAULT 0,
    last_success_at  INTEGER,
    last_error       TEXT,
    last_error_at    INTEGER
) STRICT;

CREATE TABLE abm_sync_runs (
    id            TEXT    NOT NULL PRIMARY KEY,
    abm_server_id TEXT    NOT NULL REFERENCES abm_servers (id) ON DELETE CASCADE,
    trigger       TEXT    NOT NULL CHECK (trigger IN ('manual', 'periodic', 'startup')),
    phase         TEXT    NOT NULL CHECK (phase IN ('fetch', 'sync')),
    started_at    INTEGER NOT NULL,
    finished_at   INTEGER,
    pages         INTEGER NOT NULL DEFAULT 0,
    added         INTEGER NOT NULL DEFAULT 0,
    modified      INTEGER NOT NULL DEFAULT 0,
    deleted       INTEGER NOT NULL DEFAULT 0,
    outcome       TEXT    NOT NULL CHECK (outcome IN ('running', 'success', 'warning', 'failed')),
    error         TEXT,
    duration_ms   INTEGER
) STRICT;
-- History is listed per server, newest first; interrupted runs are found by outcome.
CREATE INDEX abm_sync_runs_server_started ON abm_sync_runs (abm_server_id, started_at, id);
CREATE INDEX abm_sync_runs_outcome ON abm_sync_runs (outcome);
