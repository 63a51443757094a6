-- The access log (issue 16): who read which customer's personal data,
-- when, through which operation, and why. The writer stores reads in
-- batches apart from the requests; the reads of one batch that share
-- customer, credential, requestor, operation and reason are one row, at
-- being the first one's (microseconds since 1970) and reads holding each
-- one's offset from it and request id, a line each ("<µs> <request id>").
-- A row per read cost the read path a third of its throughput.
CREATE TABLE access_log (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id          TEXT NOT NULL,
    at              BIGINT NOT NULL,
    customer_id     TEXT NOT NULL,
    credential_id   TEXT NOT NULL,
    credential_name TEXT NOT NULL,
    requestor_id    TEXT NOT NULL,
    operation       TEXT NOT NULL,
    reason          TEXT NOT NULL,
    reads           TEXT NOT NULL
);
CREATE INDEX access_log_customer_idx ON access_log (org_id, customer_id, at);
CREATE INDEX access_log_credential_idx ON access_log (org_id, credential_id, at);
