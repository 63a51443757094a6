package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Exec runs raw SQL on the store, for tests that set up states the API
// cannot reach yet.
func (db *DB) Exec(ctx context.Context, query string, args ...any) error {
	_, err := db.wr.ExecContext(ctx, db.dialect.q(query), args...)
	return err
}

// Pools exposes the read and write pools, for benchmarks that measure the
// engine's own ceiling beside the store's operations.
func (db *DB) Pools() (read, write *sql.DB) { return db.read, db.wr }

// Q rewrites ? placeholders for the store's engine.
func (db *DB) Q(query string) string { return db.dialect.q(query) }

// GroupOutcome is one statement's outcome in a group commit: whether it
// wrote a row, and its error; RunAlone says the error is "run it alone".
type GroupOutcome struct {
	Wrote, RunAlone bool
	Err             error
}

// ExecGroup runs the statements as one PostgreSQL group commit, as
// coalesced writes would be; nil on engines without one.
func (db *DB) ExecGroup(ctx context.Context, stmts [][]any) []GroupOutcome {
	if db.group == nil {
		return nil
	}
	batch := make([]*groupStmt, len(stmts))
	for i, s := range stmts {
		batch[i] = &groupStmt{query: db.dialect.q(s[0].(string)), args: s[1:]}
	}
	db.group.run(ctx, batch)
	out := make([]GroupOutcome, len(batch))
	for i, s := range batch {
		out[i] = GroupOutcome{Wrote: s.wrote, RunAlone: errors.Is(s.err, errRunAlone), Err: s.err}
	}
	return out
}

// ReadByIDQueries returns the queries that read a batch of ids by table,
// with their one array parameter as $1; none where reads go row by row.
func (db *DB) ReadByIDQueries() map[string]string {
	if db.customers.c == nil {
		return nil
	}
	return map[string]string{"customers": db.dialect.q(db.customers.many), "accounts": db.dialect.q(db.accounts.many)}
}

// Timestamp is t as the store's engine stores timestamps.
func (db *DB) Timestamp(t time.Time) any { return db.dialect.ts(t) }
