package sqlstore

// An import numbers its events in the feed itself, in each batch's
// transaction, rather than leave them to the sequencer: a million lines
// left two million events for the sequencer to number after the import
// returned, a thousand per transaction of the one writer, and for the
// first minutes after it the API's creates fell to 13% and its reads to
// 55% (issue 19). Numbering in the batch costs the batch a lock it holds
// from its events to its commit, and nothing after.

// numberPending takes the feed's numbering for the rest of the
// transaction and numbers the events that wait for the sequencer: on
// PostgreSQL it takes the sequencers' advisory lock, and numbers those
// committed before it (as the sequencer would, once the lock is free)
// and the transaction's own; on SQLite the transaction already holds the
// one write lock, and the events waiting are older than its own, which
// it numbers first so that numbers follow positions.
func (t *tx) numberPending() error {
	if lock := t.db.dialect.lockXact; lock != "" {
		if _, err := t.exec(lock, feedLock); err != nil {
			return err
		}
	}
	for {
		res, err := t.exec(sequenceSQL, sequenceBatch)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n < sequenceBatch {
			return nil
		}
	}
}

// feedBase takes the feed's numbering for the rest of the transaction
// (numberPending) and returns the last number given: the transaction's
// events take the numbers after it, in the order it inserts them, and
// commit before any other process can number an event.
func (t *tx) feedBase() (int64, error) {
	if err := t.numberPending(); err != nil {
		return 0, err
	}
	var base int64
	err := t.queryRow("SELECT COALESCE(MAX(feed_seq), 0) FROM events").Scan(&base)
	return base, err
}
