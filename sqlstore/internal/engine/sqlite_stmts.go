package engine

import (
	"context"
	"database/sql"
)

// maxWriteStmts bounds the statements kept prepared on SQLite's writer, in
// case some code path builds query texts that vary.
const maxWriteStmts = 512

// writeStmts keeps statements prepared on SQLite's one writer connection
// across group commits. Without it the driver parses every statement of
// every write anew, which profiling showed to be a sixth of the writer's
// time. Only the batcher's goroutine touches it.
//
// A statement can only be prepared on the pool while the writer connection
// is free, that is between transactions (the pool has one connection, which
// the running transaction holds). So a query first seen inside a
// transaction is prepared there for that transaction only and queued; the
// batcher prepares the queue on the pool after the commit, and later
// transactions adopt those statements with Tx.StmtContext, which reuses the
// connection's prepared statement instead of parsing again.
type writeStmts struct {
	prepared map[string]*sql.Stmt
	pending  []string
}

// txStmts are one transaction's statements.
type txStmts struct {
	ws  *writeStmts
	tx  *sql.Tx
	own map[string]*sql.Stmt
}

func (ws *writeStmts) begin(t *sql.Tx) *txStmts {
	return &txStmts{ws: ws, tx: t, own: map[string]*sql.Stmt{}}
}

// get returns query prepared for this transaction.
func (ts *txStmts) get(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := ts.own[query]; ok {
		return st, nil
	}
	var st *sql.Stmt
	if p, ok := ts.ws.prepared[query]; ok {
		st = ts.tx.StmtContext(ctx, p)
	} else {
		var err error
		st, err = ts.tx.PrepareContext(ctx, query)
		if err != nil {
			return nil, err
		}
		if len(ts.ws.prepared)+len(ts.ws.pending) < maxWriteStmts {
			ts.ws.pending = append(ts.ws.pending, query)
		}
	}
	ts.own[query] = st
	return st, nil
}

// exec runs a statement of the transaction through the cache.
func (ts *txStmts) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := ts.get(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// prepareQueued prepares on the writer the queries first seen in the last
// transaction; call it only while no transaction holds the writer. A query
// that fails to prepare is dropped: its transaction reported the error.
func (ws *writeStmts) prepareQueued(wr *sql.DB) {
	for _, q := range ws.pending {
		if _, ok := ws.prepared[q]; ok {
			continue
		}
		st, err := wr.PrepareContext(context.Background(), q)
		if err != nil {
			continue
		}
		if ws.prepared == nil {
			ws.prepared = map[string]*sql.Stmt{}
		}
		ws.prepared[q] = st
	}
	ws.pending = ws.pending[:0]
}

// close closes the prepared statements; the batcher has stopped.
func (ws *writeStmts) close() {
	for _, st := range ws.prepared {
		st.Close()
	}
	ws.prepared = nil
}
