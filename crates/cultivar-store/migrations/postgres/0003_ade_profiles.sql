-- ADE profiles and their assignment (PostgreSQL). Must keep the same tables and column names
-- as migrations/sqlite/0003_ade_profiles.sql (checked by tests/schema_parity.rs).
-- Integers are BIGINT because the store reads every integer as i64; serial numbers and names
-- collate "C" so keyset pages and listings agree with SQLite's byte order.

-- `body` is Apple's profile JSON kept verbatim as text (unknown keys included, key order
-- kept, which JSONB would not), without `url`, which cultivar fills in when it defines it.
CREATE TABLE ade_profiles (
    id          UUID        NOT NULL PRIMARY KEY,
    name        TEXT        COLLATE "C" NOT NULL UNIQUE,
    os          TEXT        NOT NULL CHECK (os IN ('iOS', 'iPadOS', 'macOS', 'tvOS', 'visionOS')),
    description TEXT        NOT NULL DEFAULT '',
    body        TEXT        NOT NULL,
    revision    BIGINT      NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

-- Apple's profile UUIDs are per ABM server; `revision` is the profile revision defined.
CREATE TABLE ade_profile_definitions (
    profile_id         UUID        NOT NULL REFERENCES ade_profiles (id) ON DELETE CASCADE,
    abm_server_id      UUID        NOT NULL REFERENCES abm_servers (id) ON DELETE CASCADE,
    apple_profile_uuid TEXT        NOT NULL,
    revision           BIGINT      NOT NULL,
    defined_at         TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (profile_id, abm_server_id)
);

-- Profile references have no ON DELETE action: deleting a profile in use is refused unless
-- forced, and a forced delete clears them itself in the same transaction.
CREATE TABLE device_groups (
    id         UUID        NOT NULL PRIMARY KEY,
    name       TEXT        COLLATE "C" NOT NULL UNIQUE,
    kind       TEXT        NOT NULL CHECK (kind IN ('static', 'os')),
    os         TEXT        CHECK (os IN ('iOS', 'iPadOS', 'macOS', 'tvOS', 'visionOS')),
    priority   BIGINT      NOT NULL,
    profile_id UUID        REFERENCES ade_profiles (id),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    CHECK ((kind = 'os') = (os IS NOT NULL))
);
CREATE INDEX device_groups_profile ON device_groups (profile_id);

CREATE TABLE device_group_members (
    group_id      UUID        NOT NULL REFERENCES device_groups (id) ON DELETE CASCADE,
    serial_number TEXT        COLLATE "C" NOT NULL,
    added_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (group_id, serial_number)
);
-- Resolution looks groups up by serial.
CREATE INDEX device_group_members_serial ON device_group_members (serial_number);

CREATE TABLE device_profile_assignments (
    serial_number TEXT        COLLATE "C" NOT NULL PRIMARY KEY,
    profile_id    UUID        NOT NULL REFERENCES ade_profiles (id),
    assigned_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX device_profile_assignments_profile ON device_profile_assignments (profile_id);

CREATE TABLE ade_os_defaults (
    os         TEXT        NOT NULL PRIMARY KEY
               CHECK (os IN ('iOS', 'iPadOS', 'macOS', 'tvOS', 'visionOS')),
    profile_id UUID        NOT NULL REFERENCES ade_profiles (id),
    updated_at TIMESTAMPTZ NOT NULL
);

-- The last push of each serial; `profile_id` is NULL for a removal (or once the profile is
-- deleted), so the history survives the profile.
CREATE TABLE ade_push_state (
    serial_number      TEXT        COLLATE "C" NOT NULL PRIMARY KEY,
    abm_server_id      UUID        NOT NULL REFERENCES abm_servers (id) ON DELETE CASCADE,
    profile_id         UUID        REFERENCES ade_profiles (id) ON DELETE SET NULL,
    apple_profile_uuid TEXT,
    last_result        TEXT        NOT NULL
                       CHECK (last_result IN ('SUCCESS', 'NOT_ACCESSIBLE', 'FAILED', 'THROTTLED')),
    last_attempt_at    TIMESTAMPTZ NOT NULL,
    retry_after        TIMESTAMPTZ,
    attempts           BIGINT      NOT NULL,
    last_error         TEXT
);
-- Partial: only cooling-down rows are indexed.
CREATE INDEX ade_push_state_retry ON ade_push_state (retry_after) WHERE retry_after IS NOT NULL;
CREATE INDEX ade_push_state_profile ON ade_push_state (profile_id);
