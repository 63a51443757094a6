-- Customer identification processes. Each holds one document, whose bytes
-- live in the blob store under blob_key; the row is committed only after
-- the blob is durably written, so a row never lacks its bytes.
CREATE TABLE identification_processes (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL,
    customer_id   TEXT NOT NULL REFERENCES customers (id),
    process_date  TIMESTAMPTZ NOT NULL,
    document_id   TEXT NOT NULL,
    document_name TEXT NOT NULL,
    document_type TEXT NOT NULL,
    media_type    TEXT NOT NULL,
    size_bytes    BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    blob_key      TEXT NOT NULL
);
CREATE UNIQUE INDEX identification_processes_document_uq ON identification_processes (document_id);
CREATE UNIQUE INDEX identification_processes_blob_key_uq ON identification_processes (blob_key);
CREATE INDEX identification_processes_customer_idx ON identification_processes (org_id, customer_id, process_date);
