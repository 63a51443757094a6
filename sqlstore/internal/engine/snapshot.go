package engine

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Read is one query of a snapshot (ReadSnapshot): its text, with ?
// placeholders, its arguments, and what to do with each of its rows.
type Read struct {
	Query string
	Args  []any
	Row   func(Row) error
}

// counter counts an engine's statements (Engine.Statements).
type counter interface{ count() }

// ReadSnapshot runs reads, in order, in one read-only transaction: every
// read sees the database as of one moment, so that the parts of an answer
// made of several queries agree with each other. On PostgreSQL it is
// REPEATABLE READ, READ ONLY, its BEGIN, reads and COMMIT sent as one
// pipelined batch: one round trip, however many reads. On SQLite it is a
// deferred read transaction on the reader pool, whose snapshot in WAL mode
// is taken at its first read and kept until it ends, its reads through the
// pool's prepared statements (the driver parses every query given anew).
// A Row error stops the reads and is returned; the transaction, which
// wrote nothing, ends either way. Each read, BEGIN and COMMIT count as a
// statement.
//
// One read alone is one statement, which sees one snapshot on both
// engines by itself: it runs without BEGIN and COMMIT, through the
// engine's prepared statements (Query), and counts as one statement.
func ReadSnapshot(ctx context.Context, e Engine, reads []Read) error {
	if len(reads) == 1 {
		rows, err := e.Query(ctx, reads[0].Query, reads[0].Args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		return eachRow(rows, reads[0].Row)
	}
	c := e.(counter)
	for range len(reads) + 2 {
		c.count()
	}
	switch e := e.(type) {
	case *postgres:
		return e.readSnapshot(ctx, reads)
	case *sqlite:
		return e.readSnapshot(ctx, reads)
	}
	return errors.New("engine: no snapshot reads on " + e.Name())
}

func (e *sqlite) readSnapshot(ctx context.Context, reads []Read) error {
	tx, err := e.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback() // after Commit, a no-op
	for _, r := range reads {
		st, err := e.prepared(ctx, r.Query)
		if err != nil {
			return err
		}
		// Prepared again only on a connection that has not prepared it yet.
		rows, err := tx.StmtContext(ctx, st).QueryContext(ctx, r.Args...)
		if err != nil {
			return err
		}
		err = eachRow(rows, r.Row)
		rows.Close()
		if err != nil {
			return err
		}
	}
	return tx.Commit()
}

// rowSource is what both drivers' rows have in common.
type rowSource interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// eachRow calls fn with each row of rows; the caller closes them.
func eachRow(rows rowSource, fn func(Row) error) error {
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (e *postgres) readSnapshot(ctx context.Context, reads []Read) error {
	conn, err := e.read.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		b := &pgx.Batch{}
		b.Queue("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
		for _, r := range reads {
			b.Queue(e.q(r.Query), r.Args...)
		}
		// A read that failed aborted the transaction: COMMIT then rolls
		// it back, and the connection is left outside any transaction.
		b.Queue("COMMIT")
		br := dc.(*stdlib.Conn).Conn().SendBatch(ctx, b)
		if _, err := br.Exec(); err != nil {
			br.Close()
			return err
		}
		for _, r := range reads {
			rows, err := br.Query()
			if err == nil {
				err = eachRow(rows, r.Row)
				rows.Close()
			}
			if err != nil {
				br.Close()
				return err
			}
		}
		if _, err := br.Exec(); err != nil {
			br.Close()
			return err
		}
		return br.Close()
	})
}
