// Package engine is the machinery that makes one database engine fast
// behind one interface: SQLite's group commit on its one writer, with
// statements kept prepared and sequence values drawn from blocks;
// PostgreSQL's pipelined group commits, coalesced reads by id and
// sequence blocks reserved apart. The store chooses an Engine once, when it
// opens the database, and writes every query once with ? placeholders; the
// store's dialect numbers them for PostgreSQL (Config.Placeholders).
//
// Errors are the drivers' own, or ErrClosed; the store translates them.
package engine

import (
	"context"
	"database/sql"
	"errors"
)

// Engine runs a store's writes and its reads by key on one database.
type Engine interface {
	// Name is "sqlite" or "postgres".
	Name() string
	// Write commits w as one write transaction and returns once the
	// commit is durable, or once w failed and left nothing behind.
	Write(ctx context.Context, w Work) error
	// QueryRow and Query read outside a transaction through a cache of
	// prepared statements: for query texts that do not vary.
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	// Lookup is QueryRow for a read by primary or unique key. It runs
	// without the caller's cancellation: watching a cancellable context
	// costs database/sql and the driver a goroutine each per query, about a
	// tenth of a GET's CPU, and a lookup that outlives its request by
	// microseconds harms nothing.
	Lookup(ctx context.Context, query string, args ...any) *sql.Row
	// Reader and Writer are the pools, for work the machinery does not
	// serve (migrations, imports, the feed's sequencer, listings): reads
	// beside the writer, and transactions (one connection on SQLite).
	Reader() *sql.DB
	Writer() *sql.DB
	// Bulk tunes the engine for a bulk load (Tx.CopyFrom in transactions
	// started by Begin) until its Stop; nil where none is needed.
	Bulk(ctx context.Context) (*Bulk, error)
	// Close stops the machinery and closes the pools.
	Close() error
	// Statements counts the statements the engine ran (tests).
	Statements() uint64

	// coalescesReads tells whether reads by key that arrive together
	// should share one query (KeyReader).
	coalescesReads() bool
	q(query string) string
}

// Work is one write. Do is the write in a transaction; One, when set, is
// the same write as a single statement that an engine may commit in a
// group with others (PostgreSQL, whose WITH clause can hold the INSERTs of
// a row and its event; SQLite ignores One). One's statement must write
// nothing, rather than fail, on any conflict Do would report: a statement
// that writes nothing, or whose group fails without committing, is
// followed by Do, which tells the conflict apart. One's Tx draws sequence
// values only.
type Work struct {
	Do  func(t *Tx) error
	One func(t *Tx) (query string, args []any, err error)
	// Row, when set, makes One's statement a query that answers what it
	// wrote in rows (a statement answering none wrote nothing): Row is
	// called with each row's scan once the group committed, so a write
	// can bring back a read of its own statement instead of asking again
	// after the commit.
	Row func(scan func(dest ...any) error) error
}

// Config tunes Open; the zero value is usable.
type Config struct {
	// MaxConns bounds the PostgreSQL pool (default 32); MinConns of them
	// are opened before Open returns and kept open.
	MaxConns, MinConns int
	// Placeholders rewrites a query's ? placeholders for PostgreSQL.
	Placeholders func(string) string
}

// ErrClosed is the error of a write submitted after Close.
var ErrClosed = errors.New("the database is closed")

// ErrNoTransaction is the error of a statement run on the Tx that builds
// a Work's One, which has no transaction.
var ErrNoTransaction = errors.New("engine: a statement outside a transaction")
