// Package sqltest opens real, empty stores for tests: SQLite always, and
// PostgreSQL when CRM_TEST_POSTGRES_DSN is set (required when CI=true). Each
// PostgreSQL store gets a schema of its own, dropped when the test ends.
package sqltest

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/internal/pgtest"
)

// PostgresEnv names the variable holding the PostgreSQL DSN for tests.
const PostgresEnv = pgtest.Env

// Engine is a database engine tests run against.
type Engine struct {
	Name string
	// DSN opens a fresh database of this engine for t.
	DSN func(t testing.TB) string
}

// Engines returns the engines to test on.
func Engines(t testing.TB) []Engine {
	out := []Engine{{Name: "sqlite", DSN: sqliteDSN}}
	if pgtest.Available(t) {
		out = append(out, Engine{Name: "postgres", DSN: postgresDSN})
	}
	return out
}

// Postgres returns the PostgreSQL engine for a test that means nothing on
// SQLite, and skips t without one (it fails under CI=true, as Engines does).
func Postgres(t testing.TB) Engine {
	t.Helper()
	for _, e := range Engines(t) {
		if e.Name == "postgres" {
			return e
		}
	}
	t.Skipf("PostgreSQL only: set %s", PostgresEnv)
	return Engine{}
}

// Start is the time every test clock starts at.
var Start = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// Run runs fn once per engine, as subtests named after the engine, each
// with a fresh migrated store and its own clock set to Start.
func Run(t *testing.T, fn func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock)) {
	for _, e := range Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			clock := crmtest.NewClock(Start)
			fn(t, Open(t, e, clock.Now), clock)
		})
	}
}

// Open opens a fresh migrated store of engine e.
func Open(t testing.TB, e Engine, clock crm.Clock) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), e.DSN(t), sqlstore.Options{Clock: clock, Secrets: crmtest.SharedKeeper()})
	if err != nil {
		t.Fatalf("open %s: %v", e.Name, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// OpenShared opens n stores on one fresh migrated database of engine e, as
// n processes (servers, the CLI) would, all on one clock.
func OpenShared(t testing.TB, e Engine, clock crm.Clock, n int) []*sqlstore.DB {
	t.Helper()
	dsn := e.DSN(t)
	out := make([]*sqlstore.DB, n)
	for i := range out {
		db, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{Clock: clock, Secrets: crmtest.SharedKeeper()})
		if err != nil {
			t.Fatalf("open %s: %v", e.Name, err)
		}
		t.Cleanup(func() { db.Close() })
		out[i] = db
	}
	return out
}

func sqliteDSN(t testing.TB) string {
	return filepath.Join(t.TempDir(), "crm.db")
}

func postgresDSN(t testing.TB) string { return pgtest.Schema(t) }
