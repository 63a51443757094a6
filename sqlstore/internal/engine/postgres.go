package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// postgres is the client-server engine: a pool of connections, writes in
// transactions of their own or, for single statements, in pipelined group
// commits (group), reads by key coalesced (KeyReader), sequence values
// from blocks reserved apart (seqBlocks).
type postgres struct {
	pools
	seqs  *seqBlocks
	group *groupExec
}

// OpenPostgres connects to the PostgreSQL database of dsn.
func OpenPostgres(ctx context.Context, dsn string, cfg Config) (Engine, error) {
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = 32
	}
	pool, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	pool.SetMaxOpenConns(cfg.MaxConns)
	pool.SetMaxIdleConns(cfg.MaxConns)
	if cfg.MinConns <= 0 {
		// A warmed pool keeps its connections; others let idle ones go.
		pool.SetConnMaxIdleTime(5 * time.Minute)
	}
	seqPool, err := sql.Open("pgx", dsn)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	seqPool.SetMaxOpenConns(2)
	e := &postgres{pools: pools{read: pool, wr: pool, rewrite: cfg.Placeholders}}
	e.seqs = &seqBlocks{pool: seqPool, q: e.q, next: map[string]*seqBlock{}}
	e.group = newGroupExec(e)
	if cfg.MinConns > 0 {
		if err := warm(ctx, pool, min(cfg.MinConns, cfg.MaxConns)); err != nil {
			e.Close()
			return nil, fmt.Errorf("open postgres connections: %w", err)
		}
	}
	return e, nil
}

func (e *postgres) Name() string         { return "postgres" }
func (e *postgres) coalescesReads() bool { return true }

// Write commits w.One in a group commit when it has one. Otherwise, or
// when One did not commit, it runs w.Do in a transaction of its own; after
// a group, that transaction may be the one PostgreSQL rolls back to break
// a deadlock with another group (each waiting on a row the other wrote
// first), and nothing of it committed, so it runs again.
func (e *postgres) Write(ctx context.Context, w Work) error {
	if w.One == nil {
		return e.inTx(ctx, w.Do)
	}
	err := e.group.write(ctx, w.One, w.Row)
	if !errors.Is(err, errRunAlone) {
		return err
	}
	for range 3 {
		if err = e.inTx(ctx, w.Do); !deadlocked(err) {
			break
		}
	}
	return err
}

// inTx runs do in BEGIN ... COMMIT.
func (e *postgres) inTx(ctx context.Context, do func(t *Tx) error) error {
	sqlTx, err := e.wr.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	t := &Tx{tx: sqlTx, ctx: ctx, e: e, next: e.seqs.draw}
	if err := do(t); err != nil {
		sqlTx.Rollback()
		return err
	}
	return sqlTx.Commit()
}

// deadlocked tells whether err is PostgreSQL's rollback of a transaction
// to break a deadlock, after which nothing of it is left.
func deadlocked(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "40P01"
}

func (e *postgres) Close() error {
	return errors.Join(e.pools.close(), e.seqs.pool.Close())
}

// warm opens n connections of pool at once and leaves them idle in it, so
// that the first burst of requests after a start meets a warm pool.
func warm(ctx context.Context, pool *sql.DB, n int) error {
	conns := make([]*sql.Conn, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Go(func() {
			// Each holds its connection until all are open, so none is reused.
			conns[i], errs[i] = pool.Conn(ctx)
			if errs[i] == nil {
				errs[i] = conns[i].PingContext(ctx)
			}
		})
	}
	wg.Wait()
	for _, c := range conns {
		if c != nil {
			c.Close()
		}
	}
	return errors.Join(errs...)
}
