-- A card token id is unique within its org only: another org's gateway may
-- hold the same token, and must not learn that this org has it. SQLite
-- cannot change a primary key, so the table is rebuilt.
CREATE TABLE credit_cards_new (
    id              TEXT NOT NULL,
    org_id          TEXT NOT NULL,
    customer_id     TEXT NOT NULL REFERENCES customers (id),
    summary         TEXT NOT NULL,
    expiration_date TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (org_id, id)
);
INSERT INTO credit_cards_new (id, org_id, customer_id, summary, expiration_date, created_at)
    SELECT id, org_id, customer_id, summary, expiration_date, created_at FROM credit_cards;
DROP TABLE credit_cards;
ALTER TABLE credit_cards_new RENAME TO credit_cards;
CREATE INDEX credit_cards_customer_idx ON credit_cards (customer_id);
