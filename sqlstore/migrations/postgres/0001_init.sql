-- Customers, their accounts (filled in by the accounts group), the outbox,
-- API keys, idempotency records and per-org sequences.
CREATE TABLE customers (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL,
    external_id   TEXT NOT NULL,
    type          TEXT NOT NULL,
    doc_type      TEXT,
    doc_number    TEXT,
    email         TEXT,
    digital_email TEXT,
    body          JSONB NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    ended_at      TIMESTAMPTZ,
    version       BIGINT NOT NULL
);
CREATE UNIQUE INDEX customers_external_id_uq ON customers (org_id, external_id);
CREATE UNIQUE INDEX customers_document_uq ON customers (org_id, doc_type, doc_number)
    WHERE ended_at IS NULL AND doc_number IS NOT NULL;
CREATE UNIQUE INDEX customers_digital_email_uq ON customers (org_id, digital_email)
    WHERE ended_at IS NULL AND digital_email IS NOT NULL;
CREATE INDEX customers_document_idx ON customers (org_id, doc_number);
CREATE INDEX customers_email_idx ON customers (org_id, email);

CREATE TABLE accounts (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    external_id TEXT NOT NULL,
    body        JSONB NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    ended_at    TIMESTAMPTZ,
    version     BIGINT NOT NULL
);
CREATE UNIQUE INDEX accounts_external_id_uq ON accounts (org_id, external_id);
CREATE INDEX accounts_customer_idx ON accounts (customer_id);

CREATE TABLE events (
    position       BIGSERIAL PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    org_id         TEXT NOT NULL,
    type           TEXT NOT NULL,
    aggregate_type TEXT NOT NULL,
    aggregate_id   TEXT NOT NULL,
    sequence       BIGINT NOT NULL,
    occurred_at    TIMESTAMPTZ NOT NULL,
    actor          TEXT NOT NULL,
    requestor_id   TEXT,
    request_id     TEXT,
    data           JSONB NOT NULL,
    changes        JSONB NOT NULL,
    published_at   TIMESTAMPTZ,
    UNIQUE (aggregate_type, aggregate_id, sequence)
);
CREATE INDEX events_org_position_idx ON events (org_id, position);

CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL,
    name        TEXT NOT NULL,
    prefix      TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL,
    roles       TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    revoked_at  TIMESTAMPTZ
);

CREATE TABLE idempotency_keys (
    org_id        TEXT NOT NULL,
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status_code   INTEGER NOT NULL DEFAULT 0,
    response_body BYTEA,
    location      TEXT,
    created_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, key)
);

CREATE TABLE org_sequences (
    org_id TEXT NOT NULL,
    name   TEXT NOT NULL,
    value  BIGINT NOT NULL,
    PRIMARY KEY (org_id, name)
);
