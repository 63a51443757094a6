// Package pgtest gives tests a PostgreSQL schema of their own: in the
// database that CRM_TEST_POSTGRES_DSN names, dropped when the test ends.
package pgtest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// Env names the variable holding the PostgreSQL DSN for tests.
const Env = "CRM_TEST_POSTGRES_DSN"

// Available reports whether PostgreSQL tests can run. Without the DSN it
// fails t when CI=true, where the PostgreSQL suites must run.
func Available(t testing.TB) bool {
	t.Helper()
	if os.Getenv(Env) != "" {
		return true
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s must be set when CI=true: the PostgreSQL suites must run", Env)
	}
	return false
}

// Schema creates a fresh schema and returns the DSN whose search path is
// that schema.
func Schema(t testing.TB) string {
	t.Helper()
	base := os.Getenv(Env)
	b := make([]byte, 6)
	rand.Read(b)
	schema := "test_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("postgres: create schema: %v", err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer admin.Close()
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("postgres dsn: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
