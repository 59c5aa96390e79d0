-- The device list reads device channels in device-key order (serial number, else the
-- channel id): an index on that expression keeps each keyset page from sorting the table.
CREATE INDEX mdm_enrollments_device_key ON mdm_enrollments (COALESCE(serial_number, id))
    WHERE channel = 'device';
