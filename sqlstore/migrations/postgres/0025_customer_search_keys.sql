-- The agents' search box (GET /v4/orgs/{org_id}/customer-search) finds a
-- customer by values that no column of its own holds: every email and phone
-- of its contact info, the words its name starts at (lower case, without
-- accents), the IBAN of one of its accounts' payment methods. Each is a row
-- here, written in the transaction of every write that changes it (see
-- sqlstore/search.go); owner_id is the customer, or the account for an IBAN.
-- Documents, usernames, external ids, account ids and products' IBANs are
-- found through the indexes their own tables already have. Keys are ASCII
-- (crm.SearchNameKey), and compared bytewise, so that a name prefix is a
-- range of the primary key on both engines. Existing rows are filled in by
-- Go in the same transaction (sqlstore/search_fill.go).
CREATE TABLE customer_search_keys (
    org_id      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    search_key  TEXT COLLATE "C" NOT NULL,
    owner_id    TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    PRIMARY KEY (org_id, kind, search_key, owner_id)
);
CREATE INDEX customer_search_keys_customer_idx ON customer_search_keys (customer_id, kind, search_key);
