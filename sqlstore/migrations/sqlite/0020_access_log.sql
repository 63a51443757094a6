-- The access log (issue 16): one row per read of one customer's personal
-- data, written in batches apart from the request. id orders the rows in
-- the order they were stored; at is when the read was answered, in
-- microseconds since 1970 (8 bytes a row and in each index, not 27).
CREATE TABLE access_log (
    id              INTEGER PRIMARY KEY,
    org_id          TEXT NOT NULL,
    at              BIGINT NOT NULL,
    customer_id     TEXT NOT NULL,
    credential_id   TEXT NOT NULL,
    credential_name TEXT NOT NULL,
    requestor_id    TEXT NOT NULL,
    request_id      TEXT NOT NULL,
    operation       TEXT NOT NULL,
    reason          TEXT NOT NULL
);
CREATE INDEX access_log_customer_idx ON access_log (org_id, customer_id, at);
CREATE INDEX access_log_credential_idx ON access_log (org_id, credential_id, at);
