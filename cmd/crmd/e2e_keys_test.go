package main

import (
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// walkKeyRevocation revokes, with the CLI (another process), a key the
// running server has already accepted and so holds in its key cache: the
// server must refuse it within a second (it rereads the revocation epoch
// every 200 ms).
func walkKeyRevocation(t *testing.T, bin, dsn, base string) {
	out, err := exec.Command(bin, "keys", "create", "--org", "telco", "--roles", "customers:read", "--database-url", dsn).Output()
	if err != nil {
		t.Fatalf("keys create: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	fields := strings.Fields(lines[0]) // created API key <id> for org ...
	if len(fields) < 4 {
		t.Fatalf("keys create printed %q", out)
	}
	id, key := fields[3], lines[len(lines)-1]
	status := func() int {
		req, _ := http.NewRequest("GET", base+"/v4/orgs/telco/customers?email=nobody@example.com", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	for range 3 {
		if s := status(); s == http.StatusUnauthorized {
			t.Fatalf("fresh key refused: %d", s)
		}
	}
	if out, err := exec.Command(bin, "keys", "revoke", "--database-url", dsn, id).CombinedOutput(); err != nil {
		t.Fatalf("keys revoke: %v\n%s", err, out)
	}
	revoked := time.Now()
	for status() != http.StatusUnauthorized {
		if time.Since(revoked) > 3*time.Second {
			t.Fatal("the server still accepts the key 3 s after the CLI revoked it")
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("refused %v after the revocation", time.Since(revoked).Round(time.Millisecond))
}
