-- A counter every API-key revocation bumps in the same transaction. Servers
-- keep the keys they have authenticated in memory and read this one row at
-- most every few hundred milliseconds: when it has moved, they forget every
-- key, so a revocation made by another process (the CLI, another instance)
-- takes effect there promptly without a key lookup per request.
CREATE TABLE api_key_epoch (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    epoch BIGINT NOT NULL
);
INSERT INTO api_key_epoch (id, epoch) VALUES (1, 0);
