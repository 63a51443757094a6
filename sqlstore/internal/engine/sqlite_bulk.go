package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// importCacheKiB is the SQLite page cache of an import's writes: enough
// for a batch's pages and the hot part of the indexes, where the default
// 2 MiB spills pages to the WAL in the middle of a batch. It is memory
// outside Go's heap, about twice its size resident (a 4 KiB page and its
// header take an 8 KiB allocation: 16 MiB against 64 MiB measured 131 against
// 225 MB for the process), and was most of the import's: 256 MiB alone
// took it past its budget of 256 MB (docs/performance.md, "Import
// memory"). The pages it no longer holds stay in the system's file cache.
const importCacheKiB = 32 << 10

// walRestartBatches is how many batches the WAL grows by before the writer
// lets a checkpoint catch up, so that the next batch starts it over.
const walRestartBatches = 8

// Bulk is how a bulk load (the import) runs on SQLite: a larger page cache on
// the write connection, and WAL checkpoints run on another connection
// beside the writer instead of inside its commits, so that copying the
// last batch's pages into the database overlaps writing the next batch.
// A checkpoint running beside the writer never catches up with it, and
// SQLite starts the WAL over only at a transaction that begins after a
// checkpoint copied all of it: every walRestartBatches batches the writer
// waits for one, or the WAL would grow as large as the import. Commits
// stay as durable as the API's.
type Bulk struct {
	e       *sqlite
	restore []string           // pragmas that put the write connection back
	reqs    chan chan struct{} // checkpoint requests; a non-nil one is closed when done
	batches int
	wg      sync.WaitGroup
}

// Bulk applies the tuning until Stop is called.
func (e *sqlite) Bulk(ctx context.Context) (*Bulk, error) {
	s := &Bulk{e: e, reqs: make(chan chan struct{}, 1)}
	for _, p := range []struct {
		name string
		val  int64
	}{{"cache_size", -importCacheKiB}, {"wal_autocheckpoint", 0}} {
		var old int64
		if err := e.wr.QueryRowContext(ctx, "PRAGMA "+p.name).Scan(&old); err != nil {
			return nil, errors.Join(err, s.Stop(ctx))
		}
		s.restore = append(s.restore, fmt.Sprintf("PRAGMA %s = %d", p.name, old))
		if _, err := e.wr.ExecContext(ctx, fmt.Sprintf("PRAGMA %s = %d", p.name, p.val)); err != nil {
			return nil, errors.Join(err, s.Stop(ctx))
		}
	}
	s.wg.Go(func() {
		for done := range s.reqs {
			// PASSIVE: copy what no reader needs, waiting for nobody.
			e.read.ExecContext(context.WithoutCancel(ctx), "PRAGMA wal_checkpoint(PASSIVE)")
			if done != nil {
				close(done)
			}
		}
	})
	return s, nil
}

// Bulk is nil on PostgreSQL, whose bulk loads need no tuning.
func (e *postgres) Bulk(context.Context) (*Bulk, error) { return nil, nil }

// Committed tells the checkpointer a batch committed, and now and then
// waits for a checkpoint of everything committed.
func (s *Bulk) Committed() {
	if s == nil {
		return
	}
	s.batches++
	if s.batches%walRestartBatches != 0 {
		select {
		case s.reqs <- nil:
		default: // a request is pending: it will cover this batch
		}
		return
	}
	// Queued behind the checkpoint running, if any, this one starts after
	// the commit and copies all of the WAL.
	done := make(chan struct{})
	s.reqs <- done
	<-done
}

// Stop ends the checkpointer and puts the write connection back.
func (s *Bulk) Stop(ctx context.Context) error {
	if s == nil {
		return nil
	}
	close(s.reqs)
	s.wg.Wait()
	var errs []error
	for _, q := range s.restore {
		_, err := s.e.wr.ExecContext(ctx, q)
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
