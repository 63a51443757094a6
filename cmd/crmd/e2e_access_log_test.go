package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestEndToEndAccessLogFlushedOnShutdown: reads still waiting in the
// access log's buffer when SIGTERM comes are stored before the process
// exits (the writer holds a batch open for 500 ms).
func TestEndToEndAccessLogFlushedOnShutdown(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := crmdBinary(t)
	for _, e := range sqltest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			dsn := "sqlite:" + filepath.Join(dir, "data", "crm.db")
			if e.Name == "postgres" {
				dsn = e.DSN(t)
			}
			key := createKey(t, bin, dsn, "admin")
			const reads = 50
			var made struct {
				ID string `json:"id"`
			}
			withServer(t, bin, dir, dsn, key, func(c *client) {
				c.call("POST", "/customers", readExample(t, "NewPrivateCustomer"), 201, &made)
				for range reads {
					c.call("GET", "/customers/"+made.ID, nil, 200, nil)
				}
			}) // SIGTERM, and the process has exited
			out, err := exec.Command(bin, "privacy", "access-log", "--org", "telco", "--customer", made.ID, "--database-url", dsn).Output()
			if err != nil {
				t.Fatalf("privacy access-log: %v", err)
			}
			if n := strings.Count(string(out), "\n"); n != reads {
				t.Errorf("%d reads logged after shutdown, want %d:\n%s", n, reads, out)
			}
		})
	}
}
