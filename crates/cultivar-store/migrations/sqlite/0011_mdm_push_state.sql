-- A channel's push state (SQLite; same columns as migrations/postgres/0011_mdm_push_state.sql):
-- when cultivar last tried and last delivered a push, and whether the failure in push_error is
-- permanent (APNs refused the token: no more pushes until the device's next TokenUpdate) or
-- transient (APNs or the network failed after retries). push_error now keeps both kinds.
ALTER TABLE mdm_enrollments ADD COLUMN push_attempt_at INTEGER;
ALTER TABLE mdm_enrollments ADD COLUMN push_delivered_at INTEGER;
ALTER TABLE mdm_enrollments ADD COLUMN push_error_permanent INTEGER;

-- Until now only permanent failures were kept.
UPDATE mdm_enrollments SET push_error_permanent = 1, push_attempt_at = push_error_at
 WHERE push_error IS NOT NULL;
