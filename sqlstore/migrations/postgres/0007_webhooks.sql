-- Webhook subscriptions, their dead letters, and the retry state of the
-- delivery each is working on. A subscription's feed cursor and delivery
-- lease live in relay_leases under the name webhook:<id>.
CREATE TABLE webhooks (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL,
    url         TEXT NOT NULL,
    event_types TEXT NOT NULL,
    secret      TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    deleted_at  TIMESTAMPTZ,
    version     BIGINT NOT NULL
);
CREATE INDEX webhooks_org_idx ON webhooks (org_id, created_at);
CREATE INDEX webhooks_active_idx ON webhooks (created_at) WHERE deleted_at IS NULL;

CREATE TABLE webhook_dead_letters (
    id                  TEXT PRIMARY KEY,
    org_id              TEXT NOT NULL,
    webhook_id          TEXT NOT NULL REFERENCES webhooks (id),
    event_id            TEXT NOT NULL,
    event_position      BIGINT NOT NULL,
    event               TEXT NOT NULL,
    status              TEXT NOT NULL,
    attempts            INTEGER NOT NULL,
    first_attempt_at    TIMESTAMPTZ NOT NULL,
    last_attempt_at     TIMESTAMPTZ NOT NULL,
    last_error          TEXT NOT NULL,
    dead_at             TIMESTAMPTZ NOT NULL,
    replay_requested_at TIMESTAMPTZ,
    redelivered_at      TIMESTAMPTZ,
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_dead_letters_feed_idx ON webhook_dead_letters (webhook_id, event_position);
CREATE INDEX webhook_dead_letters_pending_idx ON webhook_dead_letters (webhook_id, event_position)
    WHERE status = 'REPLAY_PENDING';

CREATE TABLE webhook_attempts (
    webhook_id       TEXT PRIMARY KEY REFERENCES webhooks (id),
    item_id          TEXT NOT NULL,
    attempts         INTEGER NOT NULL,
    first_attempt_at TIMESTAMPTZ NOT NULL,
    last_attempt_at  TIMESTAMPTZ NOT NULL,
    last_error       TEXT NOT NULL
);
