-- Kept answers of idempotent requests expire after a day (IdempotencyTTL)
-- but were only ever replaced on reuse of their key, so a copy of every
-- answer, personal data included, stayed for good. The server now purges
-- expired ones; this index finds them.
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
