-- Keys the service generates once and shares between its instances (the
-- feed-cursor key, ...), each sealed under the key-encryption key: a copy
-- of the database alone does not give them away. The webhook secrets and
-- signing keys already stored in clear are sealed by the service when it
-- opens the database (sealing needs the key, which SQL never sees).
CREATE TABLE data_keys (
    name       TEXT PRIMARY KEY,
    sealed     TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
