-- MDM enrollments, certificate bindings and the command queue (PostgreSQL). Must keep the same
-- tables and column names as migrations/sqlite/0005_mdm_core.sql (tests/schema_parity.rs).
-- Integers are BIGINT (the store reads every integer as i64), booleans 0/1 as in SQLite;
-- ids and serials collate "C" so keyset pages agree with SQLite's byte order.

-- One row per MDM channel: the device channel (`id` = UDID, or EnrollmentID for User
-- Enrollment) and each user channel (`id` = "<device id>:<user id>", `device_id` its device).
-- Raw check-in plists are kept because Apple adds keys every year. `unlock_token` and
-- `bootstrap_token` are sealed by the caller before they get here.
CREATE TABLE mdm_enrollments (
    id                     TEXT    COLLATE "C" NOT NULL PRIMARY KEY,
    device_id              TEXT    NOT NULL,
    channel                TEXT    NOT NULL CHECK (channel IN ('device', 'user')),
    enrollment_type        TEXT    NOT NULL,
    serial_number          TEXT    COLLATE "C",
    user_id                TEXT,
    user_short_name        TEXT,
    user_long_name         TEXT,
    topic                  TEXT    NOT NULL,
    push_magic             TEXT,
    push_token             TEXT,
    unlock_token           BYTEA,
    bootstrap_token        BYTEA,
    enabled                BIGINT  NOT NULL,
    token_update_tally     BIGINT  NOT NULL,
    awaiting_configuration BIGINT  NOT NULL,
    os_version             TEXT,
    build_version          TEXT,
    product_name           TEXT,
    model                  TEXT,
    device_name            TEXT,
    authenticate_raw       BYTEA,
    token_update_raw       BYTEA,
    authenticated_at       TIMESTAMPTZ,
    token_updated_at       TIMESTAMPTZ,
    checked_out_at         TIMESTAMPTZ,
    last_seen_at           TIMESTAMPTZ,
    created_at             TIMESTAMPTZ NOT NULL,
    updated_at             TIMESTAMPTZ NOT NULL
);
CREATE INDEX mdm_enrollments_serial ON mdm_enrollments (serial_number);
CREATE INDEX mdm_enrollments_device ON mdm_enrollments (device_id);

-- Which identity certificate (SHA-256 of its DER, hex) belongs to which device channel:
-- bound at Authenticate, checked on every later request.
CREATE TABLE mdm_cert_bindings (
    enrollment_id TEXT    NOT NULL,
    cert_sha256   TEXT    NOT NULL,
    not_after     TIMESTAMPTZ,
    bound_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (enrollment_id, cert_sha256)
);
CREATE INDEX mdm_cert_bindings_sha256 ON mdm_cert_bindings (cert_sha256);

-- A command as sent (raw plist). `seq` orders the queue: commands go out in the order they
-- were enqueued.
CREATE TABLE mdm_commands (
    seq          BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    command_uuid TEXT    NOT NULL UNIQUE,
    request_type TEXT    NOT NULL,
    raw          BYTEA   NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);

-- One command for one channel, and where it stands. `result_raw` is the last report as
-- received (kept even when it does not parse); `mdm_command_reports` keeps every report.
CREATE TABLE mdm_queue (
    enrollment_id  TEXT    NOT NULL REFERENCES mdm_enrollments (id) ON DELETE CASCADE,
    command_uuid   TEXT    NOT NULL REFERENCES mdm_commands (command_uuid) ON DELETE CASCADE,
    seq            BIGINT  NOT NULL,
    state          TEXT    NOT NULL CHECK (state IN ('queued', 'sent', 'not_now',
                       'acknowledged', 'error', 'command_format_error', 'cancelled')),
    queued_at      TIMESTAMPTZ NOT NULL,
    sent_at        TIMESTAMPTZ,
    answered_at    TIMESTAMPTZ,
    deliveries     BIGINT  NOT NULL,
    not_now_count  BIGINT  NOT NULL,
    last_not_now_at TIMESTAMPTZ,
    error_chain    TEXT,
    result_raw     BYTEA,
    PRIMARY KEY (enrollment_id, command_uuid)
);
-- The next-command lookup: a channel's pending rows in queue order.
CREATE INDEX mdm_queue_next ON mdm_queue (enrollment_id, state, seq);
CREATE INDEX mdm_queue_command ON mdm_queue (command_uuid);

-- Every report a device sent for a command, append-only (Idle polls are not stored).
CREATE TABLE mdm_command_reports (
    id            BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    enrollment_id TEXT    NOT NULL REFERENCES mdm_enrollments (id) ON DELETE CASCADE,
    command_uuid  TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    raw           BYTEA   NOT NULL,
    received_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX mdm_command_reports_command ON mdm_command_reports (enrollment_id, command_uuid);
