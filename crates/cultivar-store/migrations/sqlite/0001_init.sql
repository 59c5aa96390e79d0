-- Initial schema (SQLite). Must keep the same tables and column names as
-- migrations/postgres/0001_init.sql (checked by tests/schema_parity.rs).
-- Conventions: UUIDs as TEXT (hyphenated, lower-case), timestamps as INTEGER unix
-- microseconds (the precision PostgreSQL keeps), JSON as TEXT. STRICT makes SQLite
-- reject values of the wrong type instead of silently storing them.

CREATE TABLE api_keys (
    id           TEXT    NOT NULL PRIMARY KEY,
    name         TEXT    NOT NULL UNIQUE,
    role         TEXT    NOT NULL CHECK (role IN ('admin', 'read-only')),
    key_hash     TEXT    NOT NULL UNIQUE,
    key_prefix   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
) STRICT;

CREATE TABLE admin_users (
    id            TEXT    NOT NULL PRIMARY KEY,
    email         TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE console_sessions (
    token_hash TEXT    NOT NULL PRIMARY KEY,
    user_id    TEXT    NOT NULL REFERENCES admin_users (id) ON DELETE CASCADE,
    csrf_token TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX console_sessions_user_id ON console_sessions (user_id);
CREATE INDEX console_sessions_expires_at ON console_sessions (expires_at);

CREATE TABLE abm_servers (
    id                        TEXT    NOT NULL PRIMARY KEY,
    name                      TEXT    NOT NULL UNIQUE,
    base_url                  TEXT    NOT NULL,
    private_key_enc           BLOB    NOT NULL,
    certificate_pem           TEXT    NOT NULL,
    staging_private_key_enc   BLOB,
    staging_certificate_pem   TEXT,
    token_enc                 BLOB,
    consumer_key              TEXT,
    token_expires_at          INTEGER,
    token_uploaded_at         INTEGER,
    account_server_uuid       TEXT,
    account_server_name       TEXT,
    account_org_name          TEXT,
    account_org_email         TEXT,
    account_org_id            TEXT,
    account_admin_id          TEXT,
    account_facilitator_id    TEXT,
    status                    TEXT    NOT NULL,
    status_detail             TEXT,
    status_checked_at         INTEGER,
    created_at                INTEGER NOT NULL,
    updated_at                INTEGER NOT NULL,
    -- a staging keypair is only usable as a pair
    CHECK ((staging_private_key_enc IS NULL) = (staging_certificate_pem IS NULL))
) STRICT;

CREATE TABLE audit_log (
    id     INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    at     INTEGER NOT NULL,
    actor  TEXT    NOT NULL,
    action TEXT    NOT NULL,
    target TEXT,
    detail TEXT    NOT NULL
) STRICT;
