-- Every Apple profile UUID cultivar ever defined (SQLite). Must keep the same tables and column
-- names as migrations/postgres/0004_ade_definition_history.sql (tests/schema_parity.rs).
--
-- ade_profile_definitions keeps only the current definition of each (profile, server); once a
-- profile changes, the older revision's Apple UUID would be forgotten, and a device still
-- holding it could not be recognised as cultivar's (and so never removed once Unassigned).
-- Rows outlive their profile (profile_id becomes NULL) for the same reason.
CREATE TABLE ade_profile_definition_history (
    abm_server_id      TEXT    NOT NULL REFERENCES abm_servers (id) ON DELETE CASCADE,
    apple_profile_uuid TEXT    NOT NULL,
    profile_id         TEXT    REFERENCES ade_profiles (id) ON DELETE SET NULL,
    revision           INTEGER NOT NULL,
    defined_at         INTEGER NOT NULL,
    PRIMARY KEY (abm_server_id, apple_profile_uuid)
) STRICT;
CREATE INDEX ade_profile_definition_history_profile
    ON ade_profile_definition_history (profile_id);

INSERT INTO ade_profile_definition_history
    (abm_server_id, apple_profile_uuid, profile_id, revision, defined_at)
SELECT abm_server_id, apple_profile_uuid, profile_id, revision, defined_at
FROM ade_profile_definitions;
