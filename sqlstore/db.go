// Package sqlstore keeps the service's data in SQL: SQLite (the embedded
// default, pure Go) or PostgreSQL, behind one set of queries, a dialect of
// their text differences, and one engine (internal/engine) that runs them. Every exported write method is one transaction holding the
// business checks, the write, the outbox event and the idempotency claim.
package sqlstore

import (
	"context"
	"database/sql"
	"log/slog"
	"net/url"
	"strings"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/sqlstore/internal/engine"
)

// DB is an open store: one database, and the store of each noun over it.
// Each store implements one crm service; DB itself opens, migrates and
// closes the database. It is safe for concurrent use.
type DB struct {
	*database
	Customers         *Customers
	Accounts          *Accounts
	Contracts         *Contracts
	Promotions        *Promotions
	Classification    *Classification
	Credentials       *Credentials
	Duplicates        *Duplicates
	Products          *Products
	Overviews         *Overviews
	APIKeys           *APIKeys
	AccessTokens      *AccessTokens
	OAuthClients      *OAuthClients
	Webhooks          *Webhooks
	WebhookDeliveries *WebhookDeliveries
	Outbox            *Outbox
	Idempotency       *Idempotency
}

// database is what every store shares: the engine, the dialect, the clock,
// the caches and the stored secrets' keeper.
type database struct {
	eng     engine.Engine // the machinery of reads and writes, chosen at open
	read    *sql.DB       // reads outside transactions (the engine's)
	wr      *sql.DB       // transactions; a single connection on SQLite
	dialect *dialect
	now     crm.Clock
	log     *slog.Logger
	keys    keyCache   // authenticated API keys
	tokens  tokenCache // verified products access tokens
	bodies  bodyCache  // decoded customer bodies
	// Reads by id; on PostgreSQL coalesced under load.
	customers *engine.KeyReader[*crm.Customer]
	accounts  *engine.KeyReader[*crm.Account]
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
	db, err := open(ctx, dsn, opt)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.backfillDuplicateKeys(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if opt.Secrets != nil {
		if err := db.openSecrets(ctx); err != nil {
			db.Close()
			return nil, err
		}
	}
	return db, nil
}

// OpenNoMigrate connects without touching the schema.
func OpenNoMigrate(dsn string, opt Options) (*DB, error) {
	opt.MinConns = 0
	return open(context.Background(), dsn, opt)
}

// open chooses the engine of dsn, once.
func open(ctx context.Context, dsn string, opt Options) (*DB, error) {
	if opt.Clock == nil {
		opt.Clock = crm.SystemClock
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	db := &database{now: opt.Clock, log: opt.Logger, secrets: opt.Secrets}
	var err error
	if IsPostgres(dsn) {
		db.dialect = postgresDialect
		db.eng, err = engine.OpenPostgres(ctx, dsn, engine.Config{MaxConns: opt.MaxConns, MinConns: opt.MinConns,
			Placeholders: postgresDialect.q})
	} else {
		db.dialect = sqliteDialect
		path := SQLitePath(dsn)
		if err := prepareFiles(path, opt.Logger); err != nil {
			return nil, err
		}
		db.eng, err = engine.OpenSQLite(path)
	}
	if err != nil {
		return nil, err
	}
	db.read, db.wr = db.eng.Reader(), db.eng.Writer()
	db.customers = engine.NewKeyReader(db.eng, "customers", customerColumns, db.scanCustomer,
		func(c *crm.Customer) string { return c.OrgID }, func(c *crm.Customer) string { return c.ID })
	db.accounts = engine.NewKeyReader(db.eng, "accounts", accountColumns, scanAccount,
		func(a *crm.Account) string { return a.OrgID }, func(a *crm.Account) string { return a.ID })
	return &DB{database: db, Customers: &Customers{db}, Accounts: &Accounts{db}, Contracts: &Contracts{db},
		Promotions: &Promotions{db}, Classification: &Classification{db}, Credentials: &Credentials{db}, Duplicates: &Duplicates{db},
		Products: &Products{db}, Overviews: &Overviews{db}, APIKeys: &APIKeys{db}, AccessTokens: &AccessTokens{db}, OAuthClients: &OAuthClients{db},
		Webhooks: &Webhooks{db}, WebhookDeliveries: &WebhookDeliveries{&Outbox{db}}, Outbox: &Outbox{db}, Idempotency: &Idempotency{db}}, nil
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
func (db *DB) Close() error { return db.eng.Close() }

// queryRow runs a single-row read with ? placeholders outside any
// transaction, through the engine's statement cache.
func (db *database) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return db.eng.QueryRow(ctx, query, args...)
}

// lookupRow is queryRow for a read by primary or unique key
// (engine.Engine.Lookup).
func (db *database) lookupRow(ctx context.Context, query string, args ...any) *sql.Row {
	return db.eng.Lookup(ctx, query, args...)
}

// query runs a read with ? placeholders outside any transaction, through
// the engine's statement cache: for query texts that do not vary.
func (db *database) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return db.eng.Query(ctx, query, args...)
}

// placeholders is "?, ?, ..." for n parameters, an IN list's.
func placeholders(n int) string {
	return "?" + strings.Repeat(", ?", n-1)
}

// PoolStats reports the connection pools for metrics: "read" and "write"
// on SQLite (the writer is one connection), "main" on PostgreSQL, whose
// reads and writes share one pool. It asks the pools only, never the
// database.
func (db *DB) PoolStats() []crm.PoolStats {
	if db.read == db.wr {
		return []crm.PoolStats{poolStats("main", db.read)}
	}
	return []crm.PoolStats{poolStats("read", db.read), poolStats("write", db.wr)}
}

func poolStats(name string, p *sql.DB) crm.PoolStats {
	s := p.Stats()
	return crm.PoolStats{Pool: name, MaxOpen: s.MaxOpenConnections, Open: s.OpenConnections, InUse: s.InUse, Idle: s.Idle,
		WaitCount: s.WaitCount, WaitDuration: s.WaitDuration}
}
