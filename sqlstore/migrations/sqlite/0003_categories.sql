-- Categories: the org catalogue, the categories customers hold with their
-- history, and special treatment (the org list and each customer's values).
CREATE TABLE categories (
    org_id       TEXT NOT NULL,
    id           INTEGER NOT NULL,
    uid          TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    description  TEXT NOT NULL,
    valid_values TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    version      INTEGER NOT NULL,
    PRIMARY KEY (org_id, id)
);
-- Names are ASCII, so lower() folds them fully on both engines.
CREATE UNIQUE INDEX categories_name_uq ON categories (org_id, lower(name));

-- One row per period of a customer's category; only the open row (no
-- end_date) is current, and there is at most one per customer and category.
CREATE TABLE customer_categories (
    id                 TEXT PRIMARY KEY,
    org_id             TEXT NOT NULL,
    customer_id        TEXT NOT NULL REFERENCES customers (id),
    category_id        INTEGER NOT NULL,
    value              TEXT,
    description        TEXT,
    reason             TEXT,
    create_date        TEXT NOT NULL,
    end_date           TEXT,
    last_modified_date TEXT NOT NULL,
    modified_by        TEXT NOT NULL,
    FOREIGN KEY (org_id, category_id) REFERENCES categories (org_id, id)
);
CREATE UNIQUE INDEX customer_categories_open_uq ON customer_categories (customer_id, category_id)
    WHERE end_date IS NULL;
CREATE INDEX customer_categories_customer_idx ON customer_categories (customer_id, category_id, create_date);

CREATE TABLE special_treatment_lists (
    org_id     TEXT PRIMARY KEY,
    value_list TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version    INTEGER NOT NULL
);

CREATE TABLE customer_special_treatments (
    customer_id TEXT NOT NULL REFERENCES customers (id),
    org_id      TEXT NOT NULL,
    value       TEXT NOT NULL,
    position    INTEGER NOT NULL,
    PRIMARY KEY (customer_id, value)
);
CREATE INDEX customer_special_treatments_value_idx ON customer_special_treatments (org_id, value);
