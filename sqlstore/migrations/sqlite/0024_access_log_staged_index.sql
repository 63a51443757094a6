-- The access log's index of customers is merged every few seconds instead
-- of written with each batch: an entry now names a customer's rows of one
-- merge, the first in log_id and the others in more_rows (gaps between
-- ids, in decimal, space-separated), so that a customer read many times in
-- a few seconds costs one index entry, not one a row. Rows stored but not
-- yet in the index wait in access_log_pending, written in the rows'
-- transaction; a listing reads them as well, so the index lagging costs
-- nothing but parsing, and a writer killed before it merged leaves them
-- there for another to merge (those older than a minute).
ALTER TABLE access_log_subjects ADD COLUMN more_rows TEXT NOT NULL DEFAULT '';
CREATE TABLE access_log_pending (
    log_id BIGINT NOT NULL PRIMARY KEY,
    at     BIGINT NOT NULL
);
