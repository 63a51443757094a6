package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/sqlstore/internal/engine"
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

// SearchQuery is one query of the search box with its arguments.
type SearchQuery struct {
	SQL  string
	Args []any
}

// SearchQueries returns the search box's queries for terms, by name, in
// the engine's placeholders: for plan tests.
func (db *DB) SearchQueries(org string, terms crm.SearchTerms) map[string]SearchQuery {
	exact, exactArgs := exactQuery(org, terms)
	return map[string]SearchQuery{
		"exact": {db.dialect.q(exact), exactArgs},
		"names": {db.dialect.q(nameMatchSQL), []any{org, crm.MatchName, terms.NamePrefix, prefixEnd(terms.NamePrefix),
			terms.NamePrefix, "", terms.NamePrefix, 21}},
	}
}

// Statements counts the statements the store's engine ran since it
// opened (engine.Engine.Statements).
func (db *DB) Statements() uint64 { return db.eng.Statements() }

// BackfillDuplicateKeys computes the duplicate keys of rows written before
// migration 0026, as Open does.
func (db *DB) BackfillDuplicateKeys(ctx context.Context) error { return db.backfillDuplicateKeys(ctx) }

// ForgetBodies empties the decoded customer bodies kept (bodyCache), so
// that the next reads of customers decode their bodies again, as a read
// of a customer not read lately does: for benchmarks that compare reads
// reaching the database with cached ones.
func (db *DB) ForgetBodies() {
	db.bodies.mu.Lock()
	// Emptied, not dropped: a new map would be allocated, at its full
	// size, inside the next timed read.
	clear(db.bodies.m)
	db.bodies.mu.Unlock()
}

// DuplicateCandidatesQuery is the create's candidate lookup as the
// engine runs it, placeholders numbered for PostgreSQL.
// phones is how many phone keys the customer has.
func (db *DB) DuplicateCandidatesQuery(phones int) string { return db.dialect.q(candidatesSQL(phones)) }

// OverviewStatement is the statement of a customer's overview with its
// arguments, in the engine's placeholders: for plan tests.
func (db *DB) OverviewStatement(org, customerID string) (string, []any) {
	u := db.overviewUnion(org, customerID)
	return db.dialect.q(u.query), u.args
}

// OverviewRows runs the statement of a customer's overview as the store
// does and scans its rows without decoding them, returning how many: for
// benchmarks that time the database's part of an overview apart from
// Go's.
func (db *DB) OverviewRows(ctx context.Context, org, customerID string) (int, error) {
	u := db.overviewUnion(org, customerID)
	n := 0
	err := engine.ReadSnapshot(ctx, db.eng, []engine.Read{{Query: u.query, Args: u.args, Row: func(row engine.Row) error {
		n++
		return row.Scan(u.dest...)
	}}})
	return n, err
}

func (db *DB) overviewUnion(org, customerID string) *overviewUnion {
	q := overviewQuery{dialect: db.dialect, org: org, customer: customerID, now: db.now()}
	q.overview(&crm.CustomerOverview{}, func(rowScanner) error { return nil })
	return newOverviewUnion(db.dialect.name, q.parts)
}

// CustomerEventsQuery is the history's query (Overviews.CustomerEvents)
// for a page of limit events of customer older than before, in the
// engine's placeholders: for plan tests.
func (db *DB) CustomerEventsQuery(org, customer string, before int64, limit int) SearchQuery {
	return SearchQuery{db.dialect.q(customerEventsSQL), customerEventsArgs(org, customer, before, limit)}
}
