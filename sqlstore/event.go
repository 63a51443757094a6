package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/telcoops/crm"
)

// sequenceBatch bounds the events one sequencing statement numbers.
const sequenceBatch = 1000

// feedLock is the PostgreSQL advisory lock class that serializes the
// sequencers of several processes on one database.
const feedLock = 0x63726d

// Sequence gives committed events their feed positions, in the order their
// rows became visible. On PostgreSQL a BIGSERIAL position is drawn at insert
// time, so a transaction that started earlier can commit later; numbering
// only what is committed, under a lock, makes the feed position a cursor
// that never skips. Events of one aggregate keep their order because the
// aggregate's row lock makes each of its writers insert after the previous
// one committed.
func (s *Outbox) Sequence(ctx context.Context) (int, error) { return s.sequence(ctx) }

// sequence is Sequence for every store.
func (db *database) sequence(ctx context.Context) (int, error) {
	// Feed readers and publishers call this on every poll; most polls find
	// nothing to number, and a read on the partial index costs far less
	// than a write transaction (on SQLite, a turn of the one writer).
	var one int
	err := db.queryRow(ctx, "SELECT 1 FROM events WHERE feed_seq IS NULL LIMIT 1").Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, translate(err)
	}
	total := 0
	for {
		n, err := db.sequenceOnce(ctx)
		total += n
		if err != nil || n < sequenceBatch {
			return total, err
		}
	}
}

func (db *database) sequenceOnce(ctx context.Context) (int, error) {
	tx, err := db.wr.BeginTx(ctx, nil)
	if err != nil {
		return 0, translate(err)
	}
	defer tx.Rollback()
	if lock := db.dialect.lockXact; lock != "" {
		// Keyed by schema: advisory locks are database-wide, and separate
		// deployments (or test schemas) in one database must not wait on
		// each other. Waiting (rather than skipping when another process
		// holds it) lets a feed reader see every event committed before
		// its read.
		if _, err := tx.ExecContext(ctx, db.dialect.q(lock), feedLock); err != nil {
			return 0, translate(err)
		}
	}
	res, err := tx.ExecContext(ctx, db.dialect.q(sequenceSQL), sequenceBatch)
	if err != nil {
		return 0, translate(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, translate(err)
	}
	return int(n), translate(tx.Commit())
}

// sequenceSQL numbers up to ? events that wait for a number, in position
// order, after the last number given.
const sequenceSQL = `UPDATE events SET feed_seq = n.base + n.rn
	FROM (SELECT position, row_number() OVER (ORDER BY position) AS rn,
	             (SELECT COALESCE(MAX(feed_seq), 0) FROM events) AS base
	      FROM events WHERE feed_seq IS NULL ORDER BY position LIMIT ?) AS n
	WHERE events.position = n.position`

const eventColumns = `feed_seq, id, org_id, type, aggregate_type, aggregate_id,
	sequence, occurred_at, actor, requestor_id, request_id, data, changes`

// Events returns up to limit events of org after the feed cursor after, in
// feed order. It numbers newly committed events first, so a reader sees
// its own writes.
func (s *Outbox) Events(ctx context.Context, org string, after int64, limit int) ([]crm.Event, error) {
	if _, err := s.Sequence(ctx); err != nil {
		return nil, err
	}
	return s.queryEvents(ctx, `SELECT `+eventColumns+` FROM events
		WHERE org_id = ? AND feed_seq IS NOT NULL AND feed_seq > ? ORDER BY feed_seq LIMIT ?`, org, after, pageSize(limit))
}

// FeedAfter returns up to limit events of every org after the cursor, in
// feed order. Publishers call Sequence first.
func (s *Outbox) FeedAfter(ctx context.Context, after int64, limit int) ([]crm.Event, error) {
	return s.queryEvents(ctx, `SELECT `+eventColumns+` FROM events
		WHERE feed_seq IS NOT NULL AND feed_seq > ? ORDER BY feed_seq LIMIT ?`, after, pageSize(limit))
}

func pageSize(limit int) int {
	if limit <= 0 || limit > crm.MaxFeedPage {
		return crm.MaxFeedPage
	}
	return limit
}

func (db *database) queryEvents(ctx context.Context, query string, args ...any) ([]crm.Event, error) {
	rows, err := db.query(ctx, query, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []crm.Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, translate(rows.Err())
}

// scanEvent reads a row of eventColumns (or customerEventColumns), its
// first column into Position.
func scanEvent(row rowScanner) (crm.Event, error) {
	var e crm.Event
	var requestor, request sql.NullString
	var data, changes []byte
	if err := row.Scan(&e.Position, &e.ID, &e.OrgID, &e.Type, &e.AggregateType, &e.AggregateID, &e.Sequence,
		timeScan{&e.OccurredAt}, &e.Actor, &requestor, &request, &data, &changes); err != nil {
		return e, translate(err)
	}
	e.RequestorID, e.RequestID = requestor.String, request.String
	e.Data = json.RawMessage(data)
	if err := json.Unmarshal(changes, &e.Changes); err != nil {
		return e, crm.Internal(err)
	}
	return e, nil
}

// AcquireLease takes the lease name for holder, or renews it, until
// now+ttl, and returns the stream's cursor. Another holder's lease is taken
// over only once it has expired.
func (s *Outbox) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (int64, bool, error) {
	now := s.now()
	var cursor int64
	err := s.wr.QueryRowContext(ctx, s.dialect.q(`INSERT INTO relay_leases (name, holder, expires_at, cursor)
		VALUES (?, ?, ?, 0)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE relay_leases.holder = excluded.holder OR relay_leases.expires_at < ?
		RETURNING cursor`), name, holder, s.dialect.ts(now.Add(ttl)), s.dialect.ts(now)).Scan(&cursor)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, translate(err)
	}
	return cursor, true, nil
}

// CommitCursor records the cursor and renews the lease, only while holder
// holds it: a process that lost its lease (paused past the expiry, cut off
// from the database) cannot move the stream back or forward.
func (s *Outbox) CommitCursor(ctx context.Context, name, holder string, cursor int64, ttl time.Duration) error {
	res, err := s.wr.ExecContext(ctx, s.dialect.q(`UPDATE relay_leases SET cursor = ?, expires_at = ?
		WHERE name = ? AND holder = ? AND expires_at >= ?`),
		cursor, s.dialect.ts(s.now().Add(ttl)), name, holder, s.dialect.ts(s.now()))
	if err != nil {
		return translate(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return translate(err)
	} else if n == 0 {
		return crm.ErrLeaseLost
	}
	return nil
}

// ReleaseLease ends holder's lease now, so another process takes over
// without waiting for the expiry.
func (s *Outbox) ReleaseLease(ctx context.Context, name, holder string) error {
	_, err := s.wr.ExecContext(ctx, s.dialect.q(`UPDATE relay_leases SET expires_at = ? WHERE name = ? AND holder = ?`),
		s.dialect.ts(time.Unix(0, 0)), name, holder)
	return translate(err)
}

// Backlog counts the events the stream name has not published yet,
// numbered or not.
func (s *Outbox) Backlog(ctx context.Context, name string) (int64, error) {
	var n int64
	err := s.queryRow(ctx, `SELECT
		COALESCE((SELECT MAX(feed_seq) FROM events), 0)
		- COALESCE((SELECT cursor FROM relay_leases WHERE name = ?), 0)
		+ (SELECT COUNT(*) FROM events WHERE feed_seq IS NULL)`, name).Scan(&n)
	return n, translate(err)
}

// maxPendingCount bounds the count of Status: past it the outbox is
// plainly stuck, and counting further would only make the scrape slow.
const maxPendingCount = 1_000_000

// Status says how far the outbox is behind its feed: two reads on the
// partial index of unnumbered events, cheap at any size of the table.
func (s *Outbox) Status(ctx context.Context) (crm.OutboxStatus, error) {
	var st crm.OutboxStatus
	err := s.queryRow(ctx, `SELECT occurred_at FROM events WHERE feed_seq IS NULL ORDER BY position LIMIT 1`).
		Scan(timeScan{&st.OldestPending})
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil
	}
	if err != nil {
		return st, translate(err)
	}
	err = s.queryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM events WHERE feed_seq IS NULL LIMIT ?) AS pending`, maxPendingCount).
		Scan(&st.Pending)
	return st, translate(err)
}
