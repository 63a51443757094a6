package engine

import (
	"context"
	"database/sql"
)

// On PostgreSQL, reads by id that arrive together share one query.
//
// A GET customer spent most of its cost on the round trip rather than on
// the index lookup: the protocol messages, two socket system calls on each
// side, database/sql's bookkeeping and the backend's per-statement work.
// A KeyReader coalesces them: one query per table at a time, and the next
// fetches every id queued meanwhile. An idle server answers as before and a
// busy one asks the database far less often (about fourteen ids a query
// under crmload at 32 connections, which doubled the GETs served on two
// cores).
//
// A read still sees every write committed before it arrived: the query
// that answers it is sent after it was queued.
//
// SQLite answers a read in-process without a round trip, and its planner
// serves a list of ids worse than one id, so its reads go row by row.

// maxLookupQueries bounds the reads by id of one table in flight at once.
// Two or four let more queries run side by side but fetched fewer ids
// each, and served 20-60% fewer GETs on two cores.
const maxLookupQueries = 1

// maxLookupBatch bounds the ids one query fetches.
const maxLookupBatch = 64

// Row is a row to scan: *sql.Row, *sql.Rows, or a row not there.
type Row interface{ Scan(dest ...any) error }

// KeyReader reads one table's rows by org and id.
type KeyReader[T any] struct {
	e Engine
	// one selects the row of an org (first ?) and id (second ?); many, the
	// rows whose ids are in an array, of any org.
	one, many string
	// scan reads one row; given no row, it returns the table's not-found
	// error.
	scan    func(Row) (T, error)
	org, id func(T) string
	c       *coalescer[keyLookup[T]] // nil: row by row
}

// keyLookup is one read and, once answered, its result.
type keyLookup[T any] struct {
	org, id string
	val     T
	found   bool
	err     error
}

// NewKeyReader reads columns of table's rows by org and id with scan; org
// and id tell a scanned row's.
func NewKeyReader[T any](e Engine, table, columns string, scan func(Row) (T, error), org, id func(T) string) *KeyReader[T] {
	sel := "SELECT " + columns + " FROM " + table + " WHERE "
	// The batch's query names no org: given "org_id = ? AND id = ANY(?)",
	// PostgreSQL planned, on statistics a bulk insert had left behind, to
	// AND the primary key's matches with every row of the org from an
	// (org_id, ...) index, 4-6 ms a query at 50 thousand customers instead
	// of 0.5. By id alone it can only use the primary key; the org is
	// checked on the rows read.
	r := &KeyReader[T]{e: e, one: sel + "org_id = ? AND id = ?", many: sel + "id = ANY(?)",
		scan: scan, org: org, id: id}
	if e.coalescesReads() {
		// A query holds each id once: a second read of an id already in it
		// waits for the next query, so every read gets a value of its own.
		r.c = &coalescer[keyLookup[T]]{limit: maxLookupQueries, maxBatch: maxLookupBatch, run: r.answer,
			same: func(a, b *keyLookup[T]) bool { return a.id == b.id && a.org == b.org }}
	}
	return r
}

// BatchQuery is the query that reads a batch of ids, with its one array
// parameter as $1; empty where reads go row by row.
func (r *KeyReader[T]) BatchQuery() string {
	if r.c == nil {
		return ""
	}
	return r.e.q(r.many)
}

// Get reads the row of org with id, or returns the table's not-found
// error.
func (r *KeyReader[T]) Get(ctx context.Context, org, id string) (T, error) {
	if r.c == nil {
		return r.scan(r.e.Lookup(ctx, r.one, org, id))
	}
	l := &keyLookup[T]{org: org, id: id}
	r.c.do(ctx, l)
	if l.err == nil && !l.found {
		return r.scan(noRow{})
	}
	return l.val, l.err
}

// noRow is a row that is not there.
type noRow struct{}

func (noRow) Scan(...any) error { return sql.ErrNoRows }

// answer fetches the batch's rows in one query; an error fails every read
// in it.
func (r *KeyReader[T]) answer(ctx context.Context, batch []*keyLookup[T]) {
	if err := r.fetch(ctx, batch); err != nil {
		for _, l := range batch {
			var zero T
			l.val, l.found, l.err = zero, false, err
		}
	}
}

// fetch answers the reads that find their row: of their id, in their org.
func (r *KeyReader[T]) fetch(ctx context.Context, batch []*keyLookup[T]) error {
	ids := make([]string, len(batch))
	for i, l := range batch {
		ids[i] = l.id
	}
	rows, err := r.e.Query(ctx, r.many, ids)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		val, err := r.scan(rows)
		if err != nil {
			return err
		}
		org, id := r.org(val), r.id(val)
		for _, l := range batch {
			if l.id == id && l.org == org {
				l.val, l.found = val, true
				break
			}
		}
	}
	return rows.Err()
}
