-- Accounts group: cards, tokenizations, billing-address history,
-- promotions, contracts, and per-org settings.
CREATE TABLE org_settings (
    org_id TEXT NOT NULL,
    name   TEXT NOT NULL,
    value  TEXT NOT NULL,
    PRIMARY KEY (org_id, name)
);

CREATE TABLE credit_cards (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL,
    customer_id     TEXT NOT NULL REFERENCES customers (id),
    summary         TEXT NOT NULL,
    expiration_date TEXT NOT NULL,
    created_at      TEXT NOT NULL
);
CREATE INDEX credit_cards_customer_idx ON credit_cards (customer_id);

CREATE TABLE tokenization_requests (
    org_id       TEXT NOT NULL,
    reference_id TEXT NOT NULL,
    account_id   TEXT NOT NULL REFERENCES accounts (id),
    status       TEXT NOT NULL,
    token_id     TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (org_id, reference_id)
);
CREATE INDEX tokenization_requests_account_idx ON tokenization_requests (account_id, created_at);

CREATE TABLE billing_addresses (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    address    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    ended_at   TEXT
);
CREATE INDEX billing_addresses_account_idx ON billing_addresses (account_id, created_at);

CREATE TABLE account_promotions (
    id                TEXT PRIMARY KEY,
    account_id        TEXT NOT NULL REFERENCES accounts (id),
    promotion_code    TEXT NOT NULL,
    name              TEXT NOT NULL,
    start_date        TEXT NOT NULL,
    end_date          TEXT,
    cancellation_date TEXT,
    created_at        TEXT NOT NULL
);
CREATE INDEX account_promotions_account_idx ON account_promotions (account_id);

CREATE TABLE account_promotion_operations (
    id                   TEXT PRIMARY KEY,
    account_promotion_id TEXT NOT NULL REFERENCES account_promotions (id),
    account_id           TEXT NOT NULL,
    operation            TEXT NOT NULL,
    operation_date       TEXT NOT NULL,
    modified_by          TEXT NOT NULL
);
CREATE INDEX account_promotion_operations_account_idx ON account_promotion_operations (account_id, operation_date);

CREATE TABLE contracts (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    start_date TEXT NOT NULL,
    end_date   TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX contracts_account_idx ON contracts (account_id, start_date);

CREATE TABLE contract_requests (
    id                    TEXT PRIMARY KEY,
    contract_id           TEXT NOT NULL REFERENCES contracts (id),
    request_external_id   TEXT NOT NULL,
    create_date           TEXT NOT NULL,
    contract_reference_id TEXT NOT NULL,
    type                  TEXT NOT NULL,
    origin_user           TEXT NOT NULL
);
CREATE INDEX contract_requests_contract_idx ON contract_requests (contract_id, create_date);
