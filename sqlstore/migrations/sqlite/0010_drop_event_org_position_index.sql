-- The org feed reads by (org_id, feed_seq) since 0006; nothing reads events
-- by (org_id, position) any more, and every event paid an entry in it.
DROP INDEX events_org_position_idx;
