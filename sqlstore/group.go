package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
)

// On PostgreSQL, single-statement writes that arrive together commit
// together.
//
// A create customer without an Idempotency-Key is one statement (the row
// and its event), which ran as its own transaction. PostgreSQL's durable
// commit, not the rows, bounded how many such writes a second it took:
// pgbench committing ten rows per transaction wrote nine times the rows of
// one per transaction. A groupExec runs the statements queued while a
// batch commits in the next batch's one transaction. Its statements skip
// any unique conflict (ON CONFLICT DO NOTHING), so that no client's
// conflict fails the others' transaction; a statement that wrote nothing,
// or a batch that failed before its commit, is run again alone by its
// caller, who then learns which conflict it met, exactly as before.

// maxGroupBatches bounds the group transactions in flight at once.
const maxGroupBatches = 2

// maxGroupBatch bounds the statements one group transaction carries.
const maxGroupBatch = 64

// skipAnyConflict ends a grouped INSERT: any unique conflict writes nothing
// instead of failing the group's transaction.
const skipAnyConflict = " ON CONFLICT DO NOTHING"

// errRunAlone tells the caller of a grouped statement that it did not
// commit and must run alone: it wrote nothing, or its batch failed before
// the commit.
var errRunAlone = errors.New("run the statement alone")

// groupExec commits coalesced single-statement writes together.
type groupExec struct {
	db *DB
	c  coalescer[groupStmt]
}

// groupStmt is one statement in a group and its outcome.
type groupStmt struct {
	query string
	args  []any
	wrote bool
	err   error
}

func newGroupExec(db *DB) *groupExec {
	g := &groupExec{db: db}
	g.c = coalescer[groupStmt]{limit: maxGroupBatches, maxBatch: maxGroupBatch, run: g.run}
	return g
}

// exec runs query, whose INSERTs end with skipAnyConflict, in the next
// group transaction and returns once that committed. It returns
// errRunAlone when the statement wrote nothing or did not commit.
func (g *groupExec) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s := &groupStmt{query: g.db.dialect.q(query), args: args}
	g.c.do(ctx, s)
	switch {
	case s.err != nil:
		return nil, s.err
	case !s.wrote:
		return nil, errRunAlone
	}
	return driver.RowsAffected(1), nil
}

func (g *groupExec) run(ctx context.Context, batch []*groupStmt) {
	if len(batch) == 1 {
		// Alone anyway: its own transaction, without BEGIN and COMMIT.
		s := batch[0]
		s.wrote, s.err = written(g.db.wr.ExecContext(ctx, s.query, s.args...))
		return
	}
	fail := func(err error) {
		for _, s := range batch {
			s.err = err
		}
	}
	sqlTx, err := g.db.wr.BeginTx(ctx, nil)
	if err != nil {
		fail(errRunAlone)
		return
	}
	for _, s := range batch {
		if s.wrote, err = written(sqlTx.ExecContext(ctx, s.query, s.args...)); err != nil {
			// Nothing committed: each statement may run again alone,
			// where only the one at fault fails.
			sqlTx.Rollback()
			fail(errRunAlone)
			return
		}
	}
	if err := sqlTx.Commit(); err != nil {
		// Perhaps committed, perhaps not: running again could write twice.
		fail(err)
	}
}
