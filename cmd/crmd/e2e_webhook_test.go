package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/telcoops/crm/sqlstore/sqltest"
	"github.com/telcoops/crm/webhook"
)

// slowReceiver answers every delivery after a pause, so that a process
// killed at any moment is likely in the middle of one, and records when
// each delivery arrived.
type slowReceiver struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []arrival
}

type arrival struct {
	at      time.Time
	eventID string
}

func newSlowReceiver(t *testing.T) *slowReceiver {
	r := &slowReceiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.got = append(r.got, arrival{time.Now(), req.Header.Get(webhook.HeaderEventID)})
		r.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// arrivals returns the deliveries so far, and how many distinct events.
func (r *slowReceiver) arrivals() ([]arrival, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ids := map[string]bool{}
	for _, a := range r.got {
		ids[a.eventID] = true
	}
	return append([]arrival(nil), r.got...), len(ids)
}

// TestWebhooksResumeAfterKill: the real binary is killed (SIGKILL, no
// lease released) while it delivers, and restarted; its deliveries resume
// within 5 s of the new process being ready, not when a lease tied to the
// delivery timeout expires (30 s before), and every event arrives.
func TestWebhooksResumeAfterKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := crmdBinary(t)
	for _, e := range sqltest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			dsn := e.DSN(t)
			if e.Name == "sqlite" {
				dsn = "sqlite:" + filepath.Join(t.TempDir(), "crm.db")
			}
			resumeAfterKill(t, bin, dsn)
		})
	}
}

func resumeAfterKill(t *testing.T, bin, dsn string) {
	const events = 40
	key := createKey(t, bin, dsn, "admin")
	addr := freeAddr(t)
	start := func() (*exec.Cmd, time.Time) {
		cmd := exec.Command(bin, "serve", "--addr", addr)
		cmd.Env = append(os.Environ(), "CRM_DATABASE_URL="+dsn, "CRM_WEBHOOK_ALLOW_PRIVATE=true")
		logs := &syncBuffer{}
		cmd.Stdout, cmd.Stderr = logs, logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			cmd.Process.Kill()
			cmd.Wait()
		})
		waitReady(t, "http://"+addr+"/readyz")
		return cmd, time.Now()
	}
	first, _ := start()
	rec := newSlowReceiver(t)
	c := &client{t: t, base: "http://" + addr + "/v4/orgs/telco", key: key}
	c.call("POST", "/webhooks", map[string]any{"url": rec.srv.URL, "event_types": []string{"customer.created"}}, 201, nil)
	for i := range events {
		body := map[string]any{"type": "DIGITAL_CUSTOMER", "preferred_language": "es",
			"digital_personal_info": map[string]any{"email": fmt.Sprintf("hook-%d@example.com", i)}}
		c.call("POST", "/customers", body, 201, nil)
	}
	waitFor(t, "the first deliveries", func() bool { got, _ := rec.arrivals(); return len(got) >= 5 })
	first.Process.Kill() // SIGKILL in mid-delivery: the lease stays held
	first.Wait()
	_, ready := start()
	waitFor(t, "a delivery by the restarted process", func() bool {
		got, _ := rec.arrivals()
		return len(got) > 0 && got[len(got)-1].at.After(ready)
	})
	got, _ := rec.arrivals()
	var resumed time.Duration
	for _, a := range got {
		if a.at.After(ready) {
			resumed = a.at.Sub(ready)
			break
		}
	}
	t.Logf("deliveries resumed %v after the restarted process was ready", resumed.Round(time.Millisecond))
	if resumed >= 5*time.Second {
		t.Errorf("deliveries resumed %v after ready, want under 5s", resumed)
	}
	waitFor(t, "every event", func() bool { _, n := rec.arrivals(); return n == events })
}

// waitFor polls cond for up to a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
