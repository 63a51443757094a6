package sqlstore

import "context"

// Exec runs raw SQL on the store, for tests that set up states the API
// cannot reach yet.
func (db *DB) Exec(ctx context.Context, query string, args ...any) error {
	_, err := db.wr.ExecContext(ctx, db.dialect.q(query), args...)
	return err
}
