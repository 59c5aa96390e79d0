-- The device CA and device inventory (PostgreSQL). Must keep the same tables and column names
-- as migrations/sqlite/0006_mdm_checkin.sql (tests/schema_parity.rs).

-- The CA that issues device identity certificates: one row, created on first use. Several
-- instances may race to create it; the primary key lets exactly one insert win and the others
-- read the winner back. The private key is sealed by the caller.
CREATE TABLE mdm_device_ca (
    id                 BIGINT  NOT NULL PRIMARY KEY CHECK (id = 1),
    certificate_pem    TEXT    NOT NULL,
    private_key_sealed BYTEA   NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL
);

-- The last DeviceInformation answer (QueryResponses as JSON text) and when it came.
ALTER TABLE mdm_enrollments ADD COLUMN inventory TEXT;
ALTER TABLE mdm_enrollments ADD COLUMN inventory_at TIMESTAMPTZ;
