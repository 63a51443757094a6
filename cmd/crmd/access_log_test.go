package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestAccessLogCommands: crmd orgs set --access-reason-required stores the
// roles, and crmd privacy access-log writes the org's reads as JSON lines,
// all of them or one customer's or one credential's.
func TestAccessLogCommands(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "crm.db")
	db, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	l := sqlstore.NewAccessLog(db, sqlstore.AccessLogOptions{})
	at := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	for i, who := range []string{"key:a", "key:b", "key:a"} {
		e := crm.AccessLogEntry{OrgID: "telco", At: at.Add(time.Duration(i) * time.Second), CustomerID: []string{"c1", "c1", "c2"}[i],
			CredentialID: who, RequestID: "r" + string(rune('0'+i)), Operation: "GET /v4/orgs/{org_id}/customers/{customer_id}"}
		if err := l.RecordAccess(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	db.Close()

	var stderr bytes.Buffer
	if err := orgs(ctx, []string{"set", "--org", "telco", "--access-reason-required", "customers:read,documents:read", "--database-url", dsn}, &bytes.Buffer{}, &stderr); err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	if err := orgs(ctx, []string{"set", "--org", "telco", "--access-reason-required", "nobody", "--database-url", dsn}, &bytes.Buffer{}, &stderr); err == nil {
		t.Error("an unknown role was accepted")
	}
	for _, tc := range []struct {
		args []string
		want []string // request ids
	}{
		// Rows by their first read: key:a's row holds r0 and r2.
		{nil, []string{"r0", "r2", "r1"}},
		{[]string{"--customer", "c1"}, []string{"r0", "r1"}},
		{[]string{"--credential", "key:a"}, []string{"r0", "r2"}},
	} {
		var out bytes.Buffer
		args := append([]string{"access-log", "--org", "telco", "--database-url", dsn}, tc.args...)
		if err := privacyCmd(ctx, args, &out, &stderr); err != nil {
			t.Fatalf("%v: %v: %s", tc.args, err, stderr.String())
		}
		var got []string
		for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			var e struct {
				RequestID string `json:"request_id"`
			}
			if err := json.Unmarshal([]byte(line), &e); err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			got = append(got, e.RequestID)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%v (-want +got):\n%s", tc.args, diff)
		}
	}
	db, err = sqlstore.Open(ctx, dsn, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	l = sqlstore.NewAccessLog(db, sqlstore.AccessLogOptions{})
	defer l.Close()
	roles, err := l.AccessReasonRequiredRoles(ctx, "telco")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]crm.Role{crm.RoleCustomersRead, crm.RoleDocumentsRead}, roles); diff != "" {
		t.Errorf("roles (-want +got):\n%s", diff)
	}
}

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
			dsn := engineDSN(t, e, dir)
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
