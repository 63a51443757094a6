package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/telcoops/crm"
)

// PoolStats reports the connection pools for metrics: "read" and "write"
// on SQLite (the writer is one connection), "main" on PostgreSQL, whose
// reads and writes share one pool. It asks the pools only, never the
// database.
func (db *DB) PoolStats() []crm.PoolStats {
	if db.read == db.wr {
		return []crm.PoolStats{poolStats("main", db.read)}
	}
	return []crm.PoolStats{poolStats("read", db.read), poolStats("write", db.wr)}
}

func poolStats(name string, p *sql.DB) crm.PoolStats {
	s := p.Stats()
	return crm.PoolStats{Pool: name, MaxOpen: s.MaxOpenConnections, Open: s.OpenConnections, InUse: s.InUse, Idle: s.Idle,
		WaitCount: s.WaitCount, WaitDuration: s.WaitDuration}
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
