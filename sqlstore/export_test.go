package sqlstore

import (
	"context"
	"database/sql"
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

// ReadByIDQueries returns the queries that read a batch of ids by table,
// with their one array parameter as $1; none where reads go row by row.
func (db *DB) ReadByIDQueries() map[string]string {
	if db.customers.BatchQuery() == "" {
		return nil
	}
	return map[string]string{"customers": db.customers.BatchQuery(), "accounts": db.accounts.BatchQuery()}
}

// Timestamp is t as the store's engine stores timestamps.
func (db *DB) Timestamp(t time.Time) any { return db.dialect.ts(t) }

// Statements counts the statements the store's engine ran since it
// opened (engine.Engine.Statements).
func (db *DB) Statements() uint64 { return db.eng.Statements() }

// BackfillDuplicateKeys computes the duplicate keys of rows written before
// migration 0026, as Open does.
func (db *DB) BackfillDuplicateKeys(ctx context.Context) error { return db.backfillDuplicateKeys(ctx) }

// DuplicateCandidatesQuery is the create's candidate lookup as the
// engine runs it, placeholders numbered for PostgreSQL.
func (db *DB) DuplicateCandidatesQuery() string { return db.dialect.q(candidatesSQL) }
