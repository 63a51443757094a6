package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// On PostgreSQL, single-statement writes that arrive together commit
// together.
//
// A create customer is one statement (the row and its event), which ran
// as its own transaction. PostgreSQL's durable commit, not the rows,
// bounded how many such writes a second it took: pgbench committing ten
// rows per transaction wrote nine times the rows of one per transaction.
// A groupExec runs the statements queued while a batch commits in the
// next batch's one transaction. Its statements skip any conflict (Work.One),
// so that no client's conflict fails the others' transaction; a statement
// that wrote nothing, or a batch that failed before its commit, is run
// again alone by its caller (Work.Do), who then learns which conflict it
// met, exactly as before.

// maxGroupBatches bounds the group transactions in flight at once.
const maxGroupBatches = 2

// maxGroupBatch bounds the statements one group transaction carries.
const maxGroupBatch = 64

// errRunAlone tells the caller of a grouped statement that it did not
// commit and must run alone: it wrote nothing, or its batch failed before
// the commit.
var errRunAlone = errors.New("run the statement alone")

// groupExec commits coalesced single-statement writes together.
type groupExec struct {
	e *postgres
	c coalescer[groupStmt]
}

// groupStmt is one statement in a group and its outcome.
type groupStmt struct {
	query string
	args  []any
	rows  [][]any // what a statement with a Row answered (Work.Row)
	row   bool    // the statement answers rows
	wrote bool
	err   error
}

func newGroupExec(e *postgres) *groupExec {
	g := &groupExec{e: e}
	g.c = coalescer[groupStmt]{limit: maxGroupBatches, maxBatch: maxGroupBatch, run: g.run}
	return g
}

// write builds one's statement and runs it in the next group transaction,
// returning once that committed. It returns errRunAlone when the
// statement wrote nothing or did not commit.
func (g *groupExec) write(ctx context.Context, one func(t *Tx) (string, []any, error), row func(scan func(dest ...any) error) error) error {
	query, args, err := one(&Tx{ctx: ctx, e: g.e, next: g.e.seqs.draw})
	if err != nil {
		return err
	}
	s := &groupStmt{query: g.e.q(query), args: args, row: row != nil}
	g.c.do(ctx, s)
	switch {
	case s.err != nil:
		return s.err
	case !s.wrote:
		return errRunAlone
	}
	for _, values := range s.rows {
		err := row(func(dest ...any) error { return scanValues(values, dest) })
		if err != nil {
			return err
		}
	}
	return nil
}

// scanValues copies a row's values, read as text or NULL, into dest
// (*string or *sql.NullString).
func scanValues(values []any, dest []any) error {
	if len(values) != len(dest) {
		return fmt.Errorf("engine: %d values into %d destinations", len(values), len(dest))
	}
	for i, v := range values {
		s, ok := v.(string)
		switch d := dest[i].(type) {
		case *sql.NullString:
			*d = sql.NullString{String: s, Valid: ok}
		case *string:
			if !ok {
				return fmt.Errorf("engine: NULL into a string")
			}
			*d = s
		default:
			return fmt.Errorf("engine: cannot scan into %T", dest[i])
		}
	}
	return nil
}

// collect reads a statement's rows as values, text or nil.
func collect(rows interface {
	Next() bool
	Values() ([]any, error)
	Err() error
}) ([][]any, error) {
	var out [][]any
	for rows.Next() {
		v, err := rows.Values()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func (g *groupExec) run(ctx context.Context, batch []*groupStmt) {
	var err error
	if len(batch) == 1 {
		// Alone anyway: its own transaction, without BEGIN and COMMIT.
		err = g.alone(ctx, batch[0])
	} else {
		err = g.pipeline(ctx, batch)
	}
	if err == nil {
		return
	}
	if !committedPerhaps(err) {
		// Nothing committed: each statement may run again alone, where
		// only the one at fault fails.
		err = errRunAlone
	}
	for _, s := range batch {
		s.err = err
	}
}

// pipeline sends the batch's statements to PostgreSQL at once, as one
// implicit transaction that commits at the batch's end: a group is one
// round trip and one durable commit. Run one by one inside BEGIN and
// COMMIT, each statement was a round trip that the whole group waited
// for; on two busy cores those round trips, not the commit, made up
// most of a group's time.
func (g *groupExec) pipeline(ctx context.Context, batch []*groupStmt) error {
	conn, err := g.e.wr.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		b := &pgx.Batch{}
		for _, s := range batch {
			b.Queue(s.query, s.args...)
		}
		br := dc.(*stdlib.Conn).Conn().SendBatch(ctx, b)
		for _, s := range batch {
			if s.row {
				rows, err := br.Query()
				if err == nil {
					s.rows, err = collect(rows)
					rows.Close()
				}
				if err != nil {
					br.Close()
					return err
				}
				s.wrote = len(s.rows) > 0
				continue
			}
			tag, err := br.Exec()
			if err != nil {
				br.Close()
				return err
			}
			s.wrote = tag.RowsAffected() > 0
		}
		// The commit's own outcome arrives here.
		return br.Close()
	})
}

// alone runs a group of one statement as its own transaction, without
// BEGIN and COMMIT.
func (g *groupExec) alone(ctx context.Context, s *groupStmt) error {
	if !s.row {
		res, err := g.e.wr.ExecContext(ctx, s.query, s.args...)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		s.wrote = n > 0
		return err
	}
	conn, err := g.e.wr.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		rows, err := dc.(*stdlib.Conn).Conn().Query(ctx, s.query, s.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		s.rows, err = collect(rows)
		s.wrote = len(s.rows) > 0
		return err
	})
}

// committedPerhaps tells whether a group that failed with err may have
// committed: unless PostgreSQL itself refused a statement or the commit
// (which rolls the whole group back), or the group failed before anything
// was sent, its commit may have happened, and running its statements
// again could write twice.
func committedPerhaps(err error) bool {
	var pgErr *pgconn.PgError
	return !errors.As(err, &pgErr) && !pgconn.SafeToRetry(err)
}
