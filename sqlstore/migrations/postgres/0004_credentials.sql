-- Customer credentials: the login usernames linked to a customer. A
-- username is unique in its org whoever holds it, ended customers included,
-- and is stored lower-cased; a migration moves the row to another customer.
CREATE TABLE customer_credentials (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    username    TEXT NOT NULL CHECK (username = lower(username) AND length(username) BETWEEN 1 AND 82),
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX customer_credentials_username_uq ON customer_credentials (org_id, username);
CREATE INDEX customer_credentials_customer_idx ON customer_credentials (customer_id, created_at);
