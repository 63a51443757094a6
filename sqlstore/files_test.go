package sqlstore_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
)

// modes returns the permission bits of each path.
func modes(t *testing.T, paths ...string) map[string]os.FileMode {
	t.Helper()
	out := map[string]os.FileMode{}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(p)] = st.Mode().Perm()
	}
	return out
}

// TestSQLiteFileModes: the data directory, the database and its -wal and
// -shm files are the service's alone, even under a permissive umask, and
// a file an earlier version left readable by others is narrowed.
func TestSQLiteFileModes(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "crm.db")
	for _, pre := range []bool{false, true} {
		if pre {
			for _, p := range []string{path, path + "-wal", path + "-shm"} {
				if err := os.Chmod(p, 0o644); err != nil && !os.IsNotExist(err) {
					t.Fatal(err)
				}
			}
		}
		db, err := sqlstore.Open(context.Background(), path, sqlstore.Options{Secrets: crmtest.SharedKeeper()})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Webhooks.CreateWebhook(ctxAs("key:1"), "telco", newHook("*"), crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		want := map[string]os.FileMode{"data": 0o700, "crm.db": 0o600, "crm.db-wal": 0o600, "crm.db-shm": 0o600}
		if diff := cmp.Diff(want, modes(t, dir, path, path+"-wal", path+"-shm")); diff != "" {
			t.Errorf("modes (narrowed from 0644: %v) (-want +got):\n%s", pre, diff)
		}
		db.Close()
	}
}
