package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/telcoops/crm/localkek"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestMain keeps the servers the end-to-end tests start on PostgreSQL from
// warming 32 connections each: several run at once beside the other
// packages' tests, on a server that allows 100 connections in all.
func TestMain(m *testing.M) {
	if os.Getenv("CRM_DB_MIN_CONNS") == "" {
		os.Setenv("CRM_DB_MIN_CONNS", "2")
	}
	// PostgreSQL needs a key-encryption key; the binaries the tests start
	// inherit this one.
	if os.Getenv("CRM_KEK") == "" && os.Getenv("CRM_KEK_FILE") == "" {
		os.Setenv("CRM_KEK", localkek.Format(localkek.Generate()))
	}
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// built is the crmd binary the end-to-end tests share: built once per run.
var built struct {
	once     sync.Once
	dir, bin string
	err      error
	out      []byte
}

// crmdBinary returns the path of the real binary, building it on first use.
func crmdBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "crmd-e2e-"); built.err != nil {
			return
		}
		built.bin = filepath.Join(built.dir, "crmd")
		built.out, built.err = exec.Command("go", "build", "-o", built.bin, ".").CombinedOutput()
	})
	if built.err != nil {
		t.Fatalf("build: %v\n%s", built.err, built.out)
	}
	return built.bin
}

// engineDSN is the database a test of engine e uses: a SQLite file under
// dir/data, or a PostgreSQL schema of the test's own.
func engineDSN(t *testing.T, e sqltest.Engine, dir string) string {
	if e.Name == "postgres" {
		return e.DSN(t)
	}
	return "sqlite:" + filepath.Join(dir, "data", "crm.db")
}
