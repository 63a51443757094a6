package engine

import (
	"context"
	"database/sql"
)

// Snapshot is a read-only transaction on the reader pool: every read in it
// sees the database as of one moment, so that the parts of a read made of
// several queries agree with each other. On PostgreSQL it is REPEATABLE
// READ, READ ONLY; on SQLite a deferred read transaction, whose snapshot
// in WAL mode is taken at its first read and kept until it ends.
type Snapshot struct {
	ctx context.Context
	tx  *sql.Tx
	e   Engine
	n   counter
	// stmts, on SQLite, are the reader pool's prepared statements, which
	// the snapshot uses on its connection: the SQLite driver parses every
	// query it is given anew, which costs more than most reads. nil on
	// PostgreSQL, whose driver keeps each connection's statements itself.
	stmts *pools
}

// counter counts an engine's statements (Engine.Statements).
type counter interface{ count() }

// BeginSnapshot starts a snapshot on e; the caller ends it with End.
func BeginSnapshot(ctx context.Context, e Engine) (*Snapshot, error) {
	opts := &sql.TxOptions{ReadOnly: true}
	if e.Name() == "postgres" {
		opts.Isolation = sql.LevelRepeatableRead
	}
	c := e.(counter)
	c.count()
	tx, err := e.Reader().BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	s := &Snapshot{ctx: ctx, tx: tx, e: e, n: c}
	if sq, ok := e.(*sqlite); ok {
		s.stmts = &sq.pools
	}
	return s, nil
}

// Query runs a read in the snapshot.
func (s *Snapshot) Query(query string, args ...any) (*sql.Rows, error) {
	s.n.count()
	if s.stmts != nil {
		st, err := s.stmts.prepared(s.ctx, query)
		if err != nil {
			return nil, err
		}
		// Prepared again only on a connection that has not prepared it yet.
		return s.tx.StmtContext(s.ctx, st).QueryContext(s.ctx, args...)
	}
	return s.tx.QueryContext(s.ctx, s.e.q(query), args...)
}

// QueryRow runs a single-row read in the snapshot.
func (s *Snapshot) QueryRow(query string, args ...any) *sql.Row {
	s.n.count()
	if s.stmts != nil {
		if st, err := s.stmts.prepared(s.ctx, query); err == nil {
			return s.tx.StmtContext(s.ctx, st).QueryRowContext(s.ctx, args...)
		}
		// The plain path reports the same error through Scan.
	}
	return s.tx.QueryRowContext(s.ctx, s.e.q(query), args...)
}

// End ends the snapshot, which wrote nothing.
func (s *Snapshot) End() error {
	s.n.count()
	return s.tx.Commit()
}
