-- Retention records of erased customers (issue 16): what an erasure kept,
-- why and until when, and the document files it still has to delete
-- (pending until they are gone; erasing again finishes them).
CREATE TABLE erasures (
    org_id        TEXT NOT NULL,
    customer_id   TEXT NOT NULL,
    erased_at     TIMESTAMPTZ NOT NULL,
    record        TEXT NOT NULL,
    pending_blobs TEXT NOT NULL,
    PRIMARY KEY (org_id, customer_id)
);
