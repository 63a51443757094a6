package sqlstore

// writerSeqs hands out the per-org sequences' values (external ids) inside
// SQLite's group commit from blocks of seqBlockSize, reserved by the
// transaction that first needs one. Drawing each value with its own upsert
// cost a sixth of the writer's time per create. Only the batcher's
// goroutine touches it.
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

// value draws the next value of org's sequence name.
func (s *writerSeqs) value(t *tx, org, name string) (int64, error) {
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
		err := t.queryRow(reserveSeqSQL, org, name, seqBlockSize, seqBlockSize).Scan(&end)
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
