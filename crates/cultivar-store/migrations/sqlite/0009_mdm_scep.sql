-- SCEP one-time secrets and issued device certificates (SQLite). Must keep the same tables and
-- column names as migrations/postgres/0009_mdm_scep.sql (tests/schema_parity.rs).

-- One-time secrets: SCEP challenge passwords written into enrollment profiles, and
-- enrollment-profile download links. Only the SHA-256 of the secret is kept, so a database
-- leak reveals no usable challenge. Consuming sets used_at once (a second use finds it set).
CREATE TABLE mdm_challenges (
    challenge_hash TEXT    NOT NULL PRIMARY KEY,
    purpose        TEXT    NOT NULL CHECK (purpose IN ('scep', 'enroll_link')),
    enrollment_ref TEXT,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    used_at        INTEGER
) STRICT;

-- Every certificate the device CA issued, so their expiry can be tracked.
CREATE TABLE mdm_issued_certs (
    serial         TEXT    NOT NULL PRIMARY KEY,
    subject        TEXT    NOT NULL,
    sha256         TEXT    NOT NULL,
    not_after      INTEGER NOT NULL,
    issued_at      INTEGER NOT NULL,
    challenge_hash TEXT
) STRICT;

CREATE INDEX mdm_issued_certs_not_after ON mdm_issued_certs (not_after);
