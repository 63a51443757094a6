package engine

import (
	"context"
	"database/sql"
	"sync"
)

// reserveSQL adds n to org's sequence name, creating it at n, and returns
// the new value: the last of the n values reserved. Arguments: org, name,
// n, n.
const reserveSQL = `INSERT INTO org_sequences (org_id, name, value) VALUES (?, ?, ?)
	ON CONFLICT (org_id, name) DO UPDATE SET value = org_sequences.value + ?
	RETURNING value`

// seqBlockSize is how many values of a per-org sequence are reserved at
// once.
const seqBlockSize = 32

// seqBlock is a reserved range of a sequence's values.
type seqBlock struct {
	mu        sync.Mutex // on PostgreSQL, where callers draw concurrently
	next, end int64      // next value to hand out; last value reserved
}

// reserveInTx draws one value in t's own transaction.
func reserveInTx(t *Tx, org, name string) (int64, error) {
	var v int64
	err := t.QueryRow(reserveSQL, org, name, 1, 1).Scan(&v)
	return v, err
}

// seqBlocks hands out values of the per-org sequences (customer and
// account external ids) on PostgreSQL from blocks reserved in their own
// short transactions. Drawing each value inside the write's transaction
// holds the sequence row's lock until that transaction commits, which
// serializes every create of an org behind one row.
type seqBlocks struct {
	pool *sql.DB // a small pool of its own: the callers hold connections of the main one
	q    func(string) string
	mu   sync.Mutex
	next map[string]*seqBlock
}

// draw is a Tx's NextValue on PostgreSQL.
func (s *seqBlocks) draw(t *Tx, org, name string) (int64, error) {
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
		err := s.pool.QueryRowContext(t.ctx, s.q(reserveSQL), org, name, seqBlockSize, seqBlockSize).Scan(&end)
		if err != nil {
			return 0, err
		}
		b.next, b.end = end-seqBlockSize+1, end
	}
	v := b.next
	b.next++
	return v, nil
}

// writerSeqs hands out the per-org sequences' values inside SQLite's group
// commit from blocks reserved by the transaction that first needs one.
// Drawing each value with its own upsert cost a sixth of the writer's time
// per create. Only the batcher's goroutine touches it.
//
// A block is reserved by a statement of the running transaction, so it is
// only real once that commits: a block reserved by a write that is rolled
// back to its savepoint, or by a batch that fails to commit, is dropped
// and its values are never handed out again. Values of a committed block
// that no write used are skipped (gaps), as on PostgreSQL.
type writerSeqs struct {
	blocks map[string]*seqBlock
	batch  []*seqBlock // reserved by the running transaction
	job    []*seqBlock // reserved by the running write, inside its savepoint
}

// draw is a Tx's NextValue in SQLite's group commit.
func (s *writerSeqs) draw(t *Tx, org, name string) (int64, error) {
	key := org + "\x00" + name
	b, ok := s.blocks[key]
	if !ok {
		if s.blocks == nil {
			s.blocks = map[string]*seqBlock{}
		}
		b = &seqBlock{}
		s.blocks[key] = b
	}
	if b.next == 0 || b.next > b.end {
		var end int64
		err := t.QueryRow(reserveSQL, org, name, seqBlockSize, seqBlockSize).Scan(&end)
		if err != nil {
			return 0, err
		}
		b.next, b.end = end-seqBlockSize+1, end
		s.batch = append(s.batch, b)
		s.job = append(s.job, b)
	}
	v := b.next
	b.next++
	return v, nil
}

// endJob is told whether the write kept its savepoint.
func (s *writerSeqs) endJob(kept bool) {
	if !kept {
		drop(s.job)
	}
	s.job = s.job[:0]
}

// endBatch is told whether the transaction committed.
func (s *writerSeqs) endBatch(committed bool) {
	if !committed {
		drop(s.batch)
	}
	s.batch, s.job = s.batch[:0], s.job[:0]
}

func drop(blocks []*seqBlock) {
	for _, b := range blocks {
		b.next, b.end = 0, 0
	}
}

// Reserve reserves n values of org's sequence name in a statement of its
// own on e's writer, for a bulk load that hands them out itself, and
// returns the last of them.
func Reserve(ctx context.Context, e Engine, org, name string, n int64) (end int64, err error) {
	err = e.Writer().QueryRowContext(ctx, e.q(reserveSQL), org, name, n, n).Scan(&end)
	return end, err
}
