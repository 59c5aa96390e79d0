-- Every Apple profile UUID cultivar ever defined (PostgreSQL). Must keep the same tables and
-- column names as migrations/sqlite/0004_ade_definition_history.sql (tests/schema_parity.rs).
--
-- ade_profile_definitions keeps only the current definition of each (profile, server); once a
-- profile changes, the older revision's Apple UUID would be forgotten, and a device still
-- holding it could not be recognised as cultivar's (and so never removed once Unassigned).
-- Rows outlive their profile (profile_id becomes NULL) for the same reason. UUIDs collate "C"
-- so listings agree with SQLite's byte order.
CREATE TABLE ade_profile_definition_history (
    abm_server_id      UUID        NOT NULL REFERENCES abm_servers (id) ON DELETE CASCADE,
    apple_profile_uuid TEXT        COLLATE "C" NOT NULL,
    profile_id         UUID        REFERENCES ade_profiles (id) ON DELETE SET NULL,
    revision           BIGINT      NOT NULL,
    defined_at         TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (abm_server_id, apple_profile_uuid)
);
CREATE INDEX ade_profile_definition_history_profile
    ON ade_profile_definition_history (profile_id);

INSERT INTO ade_profile_definition_history
    (abm_server_id, apple_profile_uuid, profile_id, revision, defined_at)
SELECT abm_server_id, apple_profile_uuid, profile_id, revision, defined_at
FROM ade_profile_definitions;
