package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// reserveSeqSQL adds n to org's sequence name, creating it at n, and
// returns the new value: the last of the n values reserved. Arguments:
// org, name, n, n.
const reserveSeqSQL = `INSERT INTO org_sequences (org_id, name, value) VALUES (?, ?, ?)
	ON CONFLICT (org_id, name) DO UPDATE SET value = org_sequences.value + ?
	RETURNING value`

// seqBlockSize is how many values of a per-org sequence a PostgreSQL
// process reserves at once.
const seqBlockSize = 32

// seqBlocks hands out values of the per-org sequences (customer and
// account external ids) from blocks reserved in their own short
// transactions. Drawing each value inside the write's transaction holds
// the sequence row's lock until that transaction commits, which on
// PostgreSQL serializes every create of an org behind one row. The cost is
// gaps: values of a block a process never used (it stopped, or crashed)
// are skipped, as PostgreSQL's own sequences skip on rollback.
type seqBlocks struct {
	pool *sql.DB // a small pool of its own: the callers hold connections of the main one
	db   *DB
	mu   sync.Mutex
	next map[string]*seqBlock
}

type seqBlock struct {
	mu        sync.Mutex
	next, end int64 // next value to hand out; last value reserved
}

func (s *seqBlocks) value(ctx context.Context, org, name string) (int64, error) {
	key := org + "\x00" + name
	s.mu.Lock()
	b, ok := s.next[key]
	if !ok {
		b = &seqBlock{}
		s.next[key] = b
	}
	s.mu.Unlock()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.next == 0 || b.next > b.end {
		var end int64
		err := s.pool.QueryRowContext(ctx, s.db.dialect.q(reserveSeqSQL), org, name, seqBlockSize, seqBlockSize).Scan(&end)
		if err != nil {
			return 0, err
		}
		b.next, b.end = end-seqBlockSize+1, end
	}
	v := b.next
	b.next++
	return v, nil
}
