package engine

import (
	"context"
	"database/sql"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Tx is a write's transaction on an engine: its statements, and the
// per-org sequences it draws values from.
type Tx struct {
	tx *sql.Tx // nil while a Work's One is built
	// conn is the transaction's connection when Begin started it.
	conn *sql.Conn
	ctx  context.Context
	e    Engine
	// stmts, in SQLite's group commit, keeps statements prepared across
	// transactions; nil elsewhere (pgx caches prepared statements itself).
	stmts *txStmts
	// next draws a sequence value for this Tx.
	next func(t *Tx, org, name string) (int64, error)
}

// Begin starts a transaction of its own on conn, outside the machinery,
// for bulk writes (the import); its sequence values are drawn one by one
// in it, unless the engine reserves them apart. Its statements run without
// ctx's cancellation: the SQLite driver starts a watcher goroutine for each
// statement given a cancellable context, a cost per row. Cancelling ctx
// still ends the transaction: database/sql then rolls it back, and its
// next statement fails.
func Begin(ctx context.Context, e Engine, conn *sql.Conn) (*Tx, error) {
	sqlTx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	t := &Tx{tx: sqlTx, conn: conn, ctx: context.WithoutCancel(ctx), e: e, next: reserveInTx}
	if p, ok := e.(*postgres); ok {
		t.next = p.seqs.draw
	}
	return t, nil
}

// Context is the write's context: its caller's values, without the
// cancellation of a request whose write shares a group commit.
func (t *Tx) Context() context.Context { return t.ctx }

// SQL is the transaction itself, for statements the Tx does not wrap
// (PostgreSQL's COPY); nil while a Work's One is built.
func (t *Tx) SQL() *sql.Tx { return t.tx }

// Commit and Rollback end a transaction started by Begin.
func (t *Tx) Commit() error   { return t.tx.Commit() }
func (t *Tx) Rollback() error { return t.tx.Rollback() }

// Exec runs a statement of the transaction.
func (t *Tx) Exec(query string, args ...any) (sql.Result, error) {
	if t.tx == nil {
		return nil, ErrNoTransaction
	}
	t.count()
	switch {
	case t.stmts != nil:
		return t.stmts.exec(t.ctx, query, args...)
	}
	return t.tx.ExecContext(t.ctx, t.e.q(query), args...)
}

// QueryRow runs a single-row read in the transaction.
func (t *Tx) QueryRow(query string, args ...any) *sql.Row {
	t.count()
	if t.stmts != nil {
		if st, err := t.stmts.get(t.ctx, query); err == nil {
			return st.QueryRowContext(t.ctx, args...)
		}
		// The plain path reports the same error through Scan.
	}
	return t.tx.QueryRowContext(t.ctx, t.e.q(query), args...)
}

// Query runs a read in the transaction, prepared once on SQLite's writer
// as Exec's statements are (writeStmts): the driver would parse it anew
// each time, which for a read of a few index probes costs more than the
// probes.
func (t *Tx) Query(query string, args ...any) (*sql.Rows, error) {
	if t.tx == nil {
		return nil, ErrNoTransaction
	}
	t.count()
	if t.stmts != nil {
		if st, err := t.stmts.get(t.ctx, query); err == nil {
			return st.QueryContext(t.ctx, args...)
		}
		// The plain path reports the same error.
	}
	return t.tx.QueryContext(t.ctx, t.e.q(query), args...)
}

// count counts a statement of the transaction (Engine.Statements).
func (t *Tx) count() {
	if c, ok := t.e.(counter); ok {
		c.count()
	}
}

// NextValueInTx draws the next value of org's sequence name in the
// transaction itself: without gaps, but holding the sequence's row until
// the commit.
func (t *Tx) NextValueInTx(org, name string) (int64, error) {
	return reserveInTx(t, org, name)
}

// NextValue draws the next value of org's sequence name. Values are
// unique, and increase, but may skip: an engine reserves them in blocks
// and a block a process did not finish is skipped, as PostgreSQL's own
// sequences skip on rollback.
func (t *Tx) NextValue(org, name string) (int64, error) {
	return t.next(t, org, name)
}

// CopyFrom writes rows of columns into table in a transaction that Begin
// started: on PostgreSQL with COPY on the transaction's connection (a bulk
// protocol, one round trip per table), on SQLite with one prepared INSERT.
func (t *Tx) CopyFrom(table string, columns []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if _, ok := t.e.(*postgres); ok {
		return t.conn.Raw(func(dc any) error {
			_, err := dc.(*stdlib.Conn).Conn().CopyFrom(t.ctx, pgx.Identifier{table}, columns, pgx.CopyFromRows(rows))
			return err
		})
	}
	st, err := t.tx.PrepareContext(t.ctx, "INSERT INTO "+table+" ("+strings.Join(columns, ", ")+") VALUES (?"+
		strings.Repeat(", ?", len(columns)-1)+")")
	if err != nil {
		return err
	}
	defer st.Close()
	for _, r := range rows {
		if _, err := st.ExecContext(t.ctx, r...); err != nil {
			return err
		}
	}
	return nil
}
