-- The access log's rows hold the reads of a batch that share credential,
-- requestor, operation and reason, whatever customers they read: each read's
-- line names its customer ("<µs> <request id> <customer id>") and
-- customer_id is empty. This table says which rows read a customer, once
-- per row, keyed by a 64-bit hash of the customer id (FNV-1a; a listing
-- checks each read's customer, so a collision costs a row parsed, never a
-- wrong entry): two integers, the cheapest index entry an engine has. A row
-- per customer cost a read three index entries of text when reads spread
-- over many customers, as an operator's day does. Rows written before keep
-- their customer in customer_id and its index.
CREATE TABLE access_log_subjects (
    customer_hash BIGINT NOT NULL,
    log_id        BIGINT NOT NULL,
    PRIMARY KEY (customer_hash, log_id)
) WITHOUT ROWID;
