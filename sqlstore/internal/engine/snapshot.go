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
	tx *sql.Tx
	e  Engine
	n  counter
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
	return &Snapshot{tx: tx, e: e, n: c}, nil
}

// Query runs a read in the snapshot.
func (s *Snapshot) Query(query string, args ...any) (*sql.Rows, error) {
	s.n.count()
	return s.tx.Query(s.e.q(query), args...)
}

// QueryRow runs a single-row read in the snapshot.
func (s *Snapshot) QueryRow(query string, args ...any) *sql.Row {
	s.n.count()
	return s.tx.QueryRow(s.e.q(query), args...)
}

// End ends the snapshot, which wrote nothing.
func (s *Snapshot) End() error {
	s.n.count()
	return s.tx.Commit()
}
