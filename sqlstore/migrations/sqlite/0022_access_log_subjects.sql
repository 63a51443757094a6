-- The access log's rows hold the reads of a batch that share credential,
-- requestor, operation and reason, whatever customers they read: each read's
-- line names its customer ("<µs> <request id> <customer id>"), customer_id
-- is empty, and this table says which rows read a customer, once per row.
-- A row per customer cost a read three index entries when reads spread over
-- many customers, as they do in an operator's day; now it costs one, or
-- none when the row already read that customer. Rows written before keep
-- their customer in customer_id and are indexed here too.
CREATE TABLE access_log_subjects (
    org_id      TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    log_id      BIGINT NOT NULL,
    PRIMARY KEY (org_id, customer_id, log_id)
) WITHOUT ROWID;
INSERT INTO access_log_subjects (org_id, customer_id, log_id) SELECT org_id, customer_id, id FROM access_log;
DROP INDEX access_log_customer_idx;
