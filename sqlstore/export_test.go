package sqlstore

import (
	"context"
	"database/sql"
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
