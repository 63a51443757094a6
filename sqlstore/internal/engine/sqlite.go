package engine

import (
	"context"
	"database/sql"
	"fmt"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// sqlite is the embedded engine: readers beside one writer, whose writes
// commit in groups (batcher).
type sqlite struct {
	pools
	batch *batcher
}

// OpenSQLite opens the SQLite database file at path.
func OpenSQLite(path string) (Engine, error) {
	// WAL lets readers run beside the one writer; synchronous=FULL makes a
	// commit durable before it is acknowledged; immediate transactions take
	// the write lock up front so two writers never deadlock on an upgrade.
	params := "_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)"
	// The writer keeps its savepoint journals in memory: the group commit
	// runs each write in a savepoint, and a journal on disk cost a write
	// system call per page a write touched first.
	w, err := sql.Open("sqlite", "file:"+path+"?"+params+"&_pragma=temp_store(MEMORY)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	// SQLite has one writer; queueing in the pool is cheaper than busy retries.
	w.SetMaxOpenConns(1)
	r, err := sql.Open("sqlite", "file:"+path+"?"+params)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	e := &sqlite{pools: pools{read: r, wr: w}}
	e.batch = newBatcher(e)
	return e, nil
}

func (e *sqlite) Name() string         { return "sqlite" }
func (e *sqlite) coalescesReads() bool { return false }

// Write runs w.Do in a savepoint of the writer's next group commit.
func (e *sqlite) Write(ctx context.Context, w Work) error { return e.batch.submit(ctx, w.Do) }

func (e *sqlite) Close() error {
	e.batch.close()
	return e.pools.close()
}
