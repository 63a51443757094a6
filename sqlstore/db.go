// Package sqlstore keeps the service's data in SQL: SQLite (the embedded
// default, pure Go) or PostgreSQL, behind one set of queries and a small
// dialect seam. Every exported write method is one transaction holding the
// business checks, the write, the outbox event and the idempotency claim.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/telcoops/crm"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// DB is an open store. It is safe for concurrent use.
type DB struct {
	read    *sql.DB // reads outside transactions
	wr      *sql.DB // transactions; a single connection on SQLite
	dialect *dialect
	now     crm.Clock
	log     *slog.Logger
	batch   *batcher // SQLite's group commit; nil on PostgreSQL
	stmts   stmtCache
	seqs    *seqBlocks // PostgreSQL: external ids from reserved blocks
	keys    keyCache   // authenticated API keys
	tokens  tokenCache // verified products access tokens
	bodies  bodyCache  // decoded customer bodies
	// Reads by id; on PostgreSQL coalesced under load.
	customers *keyReader[*crm.Customer]
	accounts  *keyReader[*crm.Account]
	group     *groupExec // PostgreSQL: writes that commit together
	secrets   crm.SecretKeeper
}

// Options tune Open; the zero value is usable.
type Options struct {
	Clock  crm.Clock    // default crm.SystemClock
	Logger *slog.Logger // default discards
	// MaxConns bounds the PostgreSQL pool (default 32).
	MaxConns int
	// MinConns PostgreSQL connections (at most MaxConns) are opened before
	// Open returns and kept open, so that the first burst of requests
	// after a start meets a warm pool. Zero opens them on demand.
	MinConns int
	// Secrets seals the stored secrets (webhook secrets, data keys,
	// idempotency answers). Without it they are stored in clear: tests only.
	Secrets crm.SecretKeeper
}

// Open connects to dsn and migrates the schema to the latest version.
// A dsn starting with postgres:// or postgresql:// selects PostgreSQL;
// anything else is a SQLite file path, optionally prefixed by sqlite: or file:.
func Open(ctx context.Context, dsn string, opt Options) (*DB, error) {
	db, err := open(dsn, opt)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if opt.Secrets != nil {
		if err := db.openSecrets(ctx); err != nil {
			db.Close()
			return nil, err
		}
	}
	if db.dialect == postgresDialect && opt.MinConns > 0 {
		if err := warm(ctx, db.wr, min(opt.MinConns, opt.MaxConns)); err != nil {
			db.Close()
			return nil, fmt.Errorf("open postgres connections: %w", err)
		}
	}
	return db, nil
}

// warm opens n connections of pool at once and leaves them idle in it.
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

// OpenNoMigrate connects without touching the schema.
func OpenNoMigrate(dsn string, opt Options) (*DB, error) { return open(dsn, opt) }

func open(dsn string, opt Options) (*DB, error) {
	if opt.Clock == nil {
		opt.Clock = crm.SystemClock
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.MaxConns <= 0 {
		opt.MaxConns = 32
	}
	db := &DB{now: opt.Clock, log: opt.Logger, secrets: opt.Secrets}
	if IsPostgres(dsn) {
		db.dialect = postgresDialect
		pool, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		pool.SetMaxOpenConns(opt.MaxConns)
		pool.SetMaxIdleConns(opt.MaxConns)
		if opt.MinConns <= 0 {
			// A warmed pool keeps its connections; others let idle ones go.
			pool.SetConnMaxIdleTime(5 * time.Minute)
		}
		db.read, db.wr = pool, pool
		seqPool, err := sql.Open("pgx", dsn)
		if err != nil {
			pool.Close()
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		seqPool.SetMaxOpenConns(2)
		db.seqs = &seqBlocks{pool: seqPool, db: db, next: map[string]*seqBlock{}}
		db.newKeyReaders()
		db.group = newGroupExec(db)
		return db, nil
	}
	db.dialect = sqliteDialect
	path := SQLitePath(dsn)
	if err := prepareFiles(path, opt.Logger); err != nil {
		return nil, err
	}
	// WAL lets readers run beside the one writer; synchronous=FULL makes a
	// commit durable before it is acknowledged; immediate transactions take
	// the write lock up front so two writers never deadlock on an upgrade.
	params := "_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)"
	// The writer keeps its savepoint journals in memory: the group commit
	// runs each write in a savepoint, and a journal on disk cost a write
	// system call per page a write touched first.
	w, err := sql.Open("sqlite", "file:"+path+"?"+params+"&_pragma=temp_store(MEMORY)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	// SQLite has one writer; queueing in the pool is cheaper than busy retries.
	w.SetMaxOpenConns(1)
	r, err := sql.Open("sqlite", "file:"+path+"?"+params)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	db.read, db.wr = r, w
	db.batch = newBatcher(db)
	db.newKeyReaders()
	return db, nil
}

func (db *DB) newKeyReaders() {
	db.customers = newKeyReader(db, "customers", customerColumns, db.scanCustomer,
		func(c *crm.Customer) string { return c.OrgID }, func(c *crm.Customer) string { return c.ID })
	db.accounts = newKeyReader(db, "accounts", accountColumns, scanAccount,
		func(a *crm.Account) string { return a.OrgID }, func(a *crm.Account) string { return a.ID })
}

// IsPostgres reports whether dsn selects PostgreSQL.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// SQLitePath returns the file path of a SQLite dsn.
func SQLitePath(dsn string) string {
	for _, p := range []string{"sqlite://", "sqlite:", "file://", "file:"} {
		if strings.HasPrefix(dsn, p) {
			dsn = strings.TrimPrefix(dsn, p)
			break
		}
	}
	if i := strings.IndexByte(dsn, '?'); i >= 0 {
		dsn = dsn[:i]
	}
	if u, err := url.PathUnescape(dsn); err == nil {
		dsn = u
	}
	return dsn
}

// Engine names the database engine: "sqlite" or "postgres".
func (db *DB) Engine() string { return db.dialect.name }

// Ping checks that the database answers; /readyz uses it.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.read.PingContext(ctx); err != nil {
		return &crm.Error{Code: crm.EUNAVAILABLE, Message: "database unavailable", Err: err}
	}
	var one int
	if err := db.read.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return &crm.Error{Code: crm.EUNAVAILABLE, Message: "database unavailable", Err: err}
	}
	return nil
}

// Close closes the pools; call it after the server has drained.
func (db *DB) Close() error {
	if db.batch != nil {
		db.batch.close()
	}
	db.stmts.close()
	err := db.wr.Close()
	if db.seqs != nil {
		err = errors.Join(err, db.seqs.pool.Close())
	}
	if db.read != db.wr {
		err = errors.Join(err, db.read.Close())
	}
	return err
}
