-- The device CA and device inventory (SQLite). Must keep the same tables and column names as
-- migrations/postgres/0006_mdm_checkin.sql (tests/schema_parity.rs).

-- The CA that issues device identity certificates: one row, created on first use. Several
-- instances may race to create it; the primary key lets exactly one insert win and the others
-- read the winner back. The private key is sealed by the caller.
CREATE TABLE mdm_device_ca (
    id                 INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    certificate_pem    TEXT    NOT NULL,
    private_key_sealed BLOB    NOT NULL,
    created_at         INTEGER NOT NULL
) STRICT;

-- The last DeviceInformation answer (QueryResponses as JSON text) and when it came.
ALTER TABLE mdm_enrollments ADD COLUMN inventory TEXT;
ALTER TABLE mdm_enrollments ADD COLUMN inventory_at INTEGER;
