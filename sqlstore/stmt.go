package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps one prepared statement per query text for reads outside
// transactions. The SQLite driver parses every query it is given anew,
// which costs more than running a primary-key lookup; a prepared
// statement is parsed once per connection.
type stmtCache struct {
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

func (db *DB) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	c := &db.stmts
	c.mu.Lock()
	st, ok := c.stmts[query]
	c.mu.Unlock()
	if ok {
		return st, nil
	}
	st, err := db.read.PrepareContext(ctx, db.dialect.q(query))
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.stmts[query]; ok {
		st.Close() // another goroutine prepared it meanwhile
		return prev, nil
	}
	if c.stmts == nil {
		c.stmts = map[string]*sql.Stmt{}
	}
	c.stmts[query] = st
	return st, nil
}

// queryRow runs a single-row read with ? placeholders outside any
// transaction, through the statement cache.
func (db *DB) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := db.prepared(ctx, query)
	if err != nil {
		// The plain path reports the same error through Scan.
		return db.read.QueryRowContext(ctx, db.dialect.q(query), args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// lookupRow is queryRow for a read by primary or unique key, which takes
// microseconds. It runs without the caller's cancellation: watching a
// cancellable context costs database/sql and the driver a goroutine each
// per query, about a tenth of a GET's CPU, and a lookup that outlives its
// request by microseconds harms nothing. Its values (the request's
// identity) are kept.
func (db *DB) lookupRow(ctx context.Context, query string, args ...any) *sql.Row {
	return db.queryRow(context.WithoutCancel(ctx), query, args...)
}

// query runs a read with ? placeholders outside any transaction, through
// the statement cache.
func (db *DB) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := db.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.stmts {
		st.Close()
	}
	c.stmts = nil
}
