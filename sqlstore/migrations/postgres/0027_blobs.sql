-- Documents' bytes kept in the database (sqlstore.Blobs, a crm.BlobStore),
-- so that every instance on one database serves every document. A blob is
-- a row of blobs and its bytes in blob_chunks, 256 KiB a row, numbered from
-- 0, so that neither an upload nor a download holds a whole document. The
-- id is the staged blob's handle. key is NULL while the blob is staged (it
-- is then under no key and listed by no List); size is NULL while it is
-- still being written. written_at is the last write, which DiscardStaged
-- and the orphan cleanup compare with their cutoffs. Keys compare bytewise,
-- so that List pages through them in one order on both engines.
CREATE TABLE blobs (
    id         TEXT PRIMARY KEY,
    key        TEXT COLLATE "C",
    size       BIGINT,
    written_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX blobs_key_uq ON blobs (key);
CREATE INDEX blobs_staged_idx ON blobs (written_at) WHERE key IS NULL;
CREATE TABLE blob_chunks (
    blob_id TEXT NOT NULL,
    n       INTEGER NOT NULL,
    data    BYTEA NOT NULL,
    PRIMARY KEY (blob_id, n)
);
-- Documents are PDF, JPEG and PNG, compressed already: stored out of line
-- without another attempt at compressing them.
ALTER TABLE blob_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
