-- The APNs push certificate and per-channel push failures (PostgreSQL). Must keep the same
-- tables and column names as migrations/sqlite/0008_mdm_push_cert.sql (tests/schema_parity.rs).

-- One row: the certificate in force (topic, PEM, its key sealed, validity) and the key of a
-- CSR waiting for its signed certificate (sealed). Either half may be absent.
CREATE TABLE mdm_push_cert (
    id                 BIGINT NOT NULL PRIMARY KEY CHECK (id = 1),
    topic              TEXT,
    certificate_pem    TEXT,
    private_key_sealed BYTEA,
    not_before         TIMESTAMPTZ,
    not_after          TIMESTAMPTZ,
    uploaded_at        TIMESTAMPTZ,
    pending_key_sealed BYTEA,
    pending_csr_pem    TEXT,
    pending_created_at TIMESTAMPTZ
);

-- The last permanent push failure of a channel (APNs' reason, e.g. Unregistered) and when;
-- cleared by the next delivered push.
ALTER TABLE mdm_enrollments ADD COLUMN push_error TEXT;
ALTER TABLE mdm_enrollments ADD COLUMN push_error_at TIMESTAMPTZ;
