-- Access tokens of the Customer Products API are opaque random strings:
-- only a SHA-256 of each is kept (it has 256 random bits: nothing to
-- brute-force), with what it grants, so a copy of the database holds no
-- usable token. They replace the Ed25519-signed JWTs, which needed a
-- signing key and could not be looked at or deleted one by one.
CREATE TABLE oauth_access_tokens (
    token_hash TEXT PRIMARY KEY,
    client_id  TEXT NOT NULL REFERENCES oauth_clients (id),
    org_id     TEXT NOT NULL,
    scopes     TEXT NOT NULL,
    issued_at  TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX oauth_access_tokens_expiry_idx ON oauth_access_tokens (expires_at);
CREATE INDEX oauth_access_tokens_client_idx ON oauth_access_tokens (client_id);
