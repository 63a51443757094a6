package main

import (
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestEndToEndCursorSurvivesRestart: a feed cursor handed out before a
// restart resumes the feed after it, as the cursor key is kept (sealed)
// in the database rather than drawn anew by each process.
func TestEndToEndCursorSurvivesRestart(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := crmdBinary(t)
	for _, e := range sqltest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			dsn := engineDSN(t, e, dir)
			key := createKey(t, bin, dsn, "admin")
			type page struct {
				Events []struct {
					ID string `json:"id"`
				} `json:"events"`
				Next string `json:"next_cursor"`
			}
			var first page
			withServer(t, bin, dir, dsn, key, func(c *client) {
				for i := range 2 {
					body := readExample(t, "NewPrivateCustomer")
					body["personal_info"].(map[string]any)["identity_document"].(map[string]any)["number"] = crmtest.NIF(1000 + i)
					c.call("POST", "/customers", body, 201, nil)
				}
				c.call("GET", "/events?limit=1", nil, 200, &first)
			})
			withServer(t, bin, dir, dsn, key, func(c *client) {
				var all, next page
				c.call("GET", "/events", nil, 200, &all)
				c.call("GET", "/events?after="+first.Next, nil, 200, &next)
				if len(all.Events) != 2 || len(next.Events) != 1 || next.Events[0].ID != all.Events[1].ID {
					t.Errorf("after restart, the cursor of the first event gives %+v; the feed is %+v", next, all)
				}
			})
		})
	}
}

// withServer runs the binary on dsn from dir while fn runs, then stops it.
func withServer(t *testing.T, bin, dir, dsn, key string, fn func(c *client)) {
	t.Helper()
	addr := freeAddr(t)
	srv := exec.Command(bin, "serve", "--addr", addr, "--database-url", dsn)
	srv.Dir = dir
	logs := &syncBuffer{}
	srv.Stdout, srv.Stderr = logs, logs
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- srv.Wait() }()
	defer func() {
		srv.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			srv.Process.Kill()
			t.Errorf("server did not stop on SIGTERM\n%s", logs.String())
		}
	}()
	waitReady(t, "http://"+addr+"/readyz")
	fn(&client{t: t, base: "http://" + addr + "/v4/orgs/telco", key: key})
}
