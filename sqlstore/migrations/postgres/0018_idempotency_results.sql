-- A write with an Idempotency-Key keeps its result (JSON, sealed like the
-- answers were) in its own transaction, and the transport renders the
-- first answer and every replay from it. Records of the answers kept
-- before stay readable until they expire.
ALTER TABLE idempotency_keys ADD COLUMN result BYTEA;
