-- The event feed: feed_seq is the event's place in commit order, assigned
-- after commit by the sequencer (BIGSERIAL positions are drawn at insert
-- time and can commit out of order, so they cannot be a cursor).
ALTER TABLE events ADD COLUMN feed_seq BIGINT;
CREATE UNIQUE INDEX events_feed_seq_uq ON events (feed_seq);
CREATE INDEX events_org_feed_idx ON events (org_id, feed_seq) WHERE feed_seq IS NOT NULL;
CREATE INDEX events_unsequenced_idx ON events (position) WHERE feed_seq IS NULL;

-- Leases make one process at a time the publisher of a stream of events
-- (the NATS relay, the webhook dispatcher), and hold how far it got.
CREATE TABLE relay_leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    cursor     BIGINT NOT NULL DEFAULT 0
);
