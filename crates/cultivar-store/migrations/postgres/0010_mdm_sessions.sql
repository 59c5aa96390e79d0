-- MDM sessions (PostgreSQL; same columns as migrations/sqlite/0010_mdm_sessions.sql). A session
-- opens with the device's Idle poll; `session_seq` counts them. A NotNow'd command remembers
-- the session it was put off in and is offered again only in a later one.
ALTER TABLE mdm_enrollments ADD COLUMN session_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE mdm_queue ADD COLUMN not_now_session BIGINT;
