package sqlstore

import (
	"context"
	"sync"
)

// On PostgreSQL, reads by id that arrive together share one query.
//
// A GET customer spent most of its cost on the round trip rather than on
// the index lookup: the protocol messages, two socket system calls on each
// side, database/sql's bookkeeping and the backend's per-statement work.
// A keyReader runs one such query per table at a time; reads arriving
// while it runs queue, and the next query fetches every queued id at once.
// A read that finds no query running goes at once, so an idle server
// answers as before and a busy one asks the database far less often (about
// fourteen ids a query under crmd load at 32 connections, which doubled the
// GETs served on two cores).
//
// A read still sees every write committed before it arrived: the query
// that answers it is sent after it was queued.
//
// SQLite answers a read in-process without a round trip, and its planner
// serves a list of ids worse than one id, so it reads row by row.

// maxLookupQueries bounds the reads by id of one table in flight at once.
// Two or four let more queries run side by side but fetched fewer ids
// each, and served 20-60% fewer GETs on two cores.
const maxLookupQueries = 1

// maxLookupBatch bounds the ids one query fetches.
const maxLookupBatch = 64

// keyReader coalesces reads of one table's rows by org and id.
type keyReader[T any] struct {
	db *DB
	// query selects the rows of the org (first ?) whose ids are in an
	// array (second ?).
	query string
	// scan reads one row, returning its value and its id.
	scan func(rowScanner) (T, string, error)

	mu      sync.Mutex
	pending []*keyLookup[T]
	running int // queries in flight, or goroutines about to send one
}

// keyLookup is one queued read and, once answered, its result.
type keyLookup[T any] struct {
	org, id string
	val     T
	found   bool
	err     error
	handed  bool      // has a turn to lead coming; under keyReader.mu
	wake    chan bool // true: lead a query; false: answered
}

// newKeyReader prepares a reader of table's columns.
func newKeyReader[T any](db *DB, table, columns string, scan func(rowScanner) (T, string, error)) *keyReader[T] {
	return &keyReader[T]{db: db, scan: scan,
		query: "SELECT " + columns + " FROM " + table + " WHERE org_id = ? AND id = ANY(?)"}
}

// get reads the row of org with id; found is false when there is none.
func (r *keyReader[T]) get(ctx context.Context, org, id string) (val T, found bool, err error) {
	l := &keyLookup[T]{org: org, id: id, wake: make(chan bool, 2)}
	r.mu.Lock()
	r.pending = append(r.pending, l)
	lead := r.running < maxLookupQueries
	if lead {
		r.running++
	}
	r.mu.Unlock()
	// The lookup may be answered by another goroutine's query before it
	// is its turn to lead; it then leads one query for the others and
	// still gets its own answer. A turn is only handed to a queued read,
	// so it always comes before the answer and is never left unread.
	for {
		if lead {
			r.lead(ctx, l)
		}
		if lead = <-l.wake; !lead {
			return l.val, l.found, l.err
		}
	}
}

// lead sends one query for the queued reads, answers them, and hands the
// turn to a read still queued, or gives it up. A query holds each id once:
// a second read of an id already in it waits for the next query, so every
// read gets a value of its own.
func (r *keyReader[T]) lead(ctx context.Context, self *keyLookup[T]) {
	r.mu.Lock()
	self.handed = false // the turn it was handed is being taken now
	batch := make([]*keyLookup[T], 0, min(len(r.pending), maxLookupBatch))
	rest := r.pending[:0]
	for _, l := range r.pending {
		if len(batch) < maxLookupBatch && !holds(batch, l) {
			batch = append(batch, l)
		} else {
			rest = append(rest, l)
		}
	}
	clear(r.pending[len(rest):])
	r.pending = rest
	r.mu.Unlock()
	if len(batch) > 0 {
		r.answer(context.WithoutCancel(ctx), batch)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, l := range r.pending {
		if !l.handed {
			l.handed = true
			l.wake <- true // buffered: a lookup gets one turn and one answer
			return
		}
	}
	// Every queued read, if any, already has a turn coming.
	r.running--
}

func holds[T any](batch []*keyLookup[T], l *keyLookup[T]) bool {
	for _, b := range batch {
		if b.id == l.id && b.org == l.org {
			return true
		}
	}
	return false
}

// answer fetches the batch's rows, one query per org in it (nearly always
// one), and wakes every read in it.
func (r *keyReader[T]) answer(ctx context.Context, batch []*keyLookup[T]) {
	for len(batch) > 0 {
		org := batch[0].org
		var same, rest []*keyLookup[T]
		for _, l := range batch {
			if l.org == org {
				same = append(same, l)
			} else {
				rest = append(rest, l)
			}
		}
		r.answerOrg(ctx, org, same)
		batch = rest
	}
}

func (r *keyReader[T]) answerOrg(ctx context.Context, org string, batch []*keyLookup[T]) {
	ids := make([]string, len(batch))
	for i, l := range batch {
		ids[i] = l.id
	}
	err := r.fetch(ctx, org, ids, func(val T, id string) {
		for _, l := range batch {
			if l.id == id {
				l.val, l.found = val, true
				return
			}
		}
	})
	for _, l := range batch {
		if err != nil {
			var zero T
			l.val, l.found, l.err = zero, false, err
		}
		// A turn handed to l was sent while l was queued, so before this.
		l.wake <- false
	}
}

func (r *keyReader[T]) fetch(ctx context.Context, org string, ids []string, found func(T, string)) error {
	rows, err := r.db.query(ctx, r.query, org, ids)
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		val, id, err := r.scan(rows)
		if err != nil {
			return err
		}
		found(val, id)
	}
	return translate(rows.Err())
}
