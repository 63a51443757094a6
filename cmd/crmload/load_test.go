package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/httpapi"
	"github.com/telcoops/crm/sqlstore"
)

// TestLoadCommand runs crmload for a second at four connections against
// the real service (the HTTP API on a fresh SQLite database, in process)
// and checks that every operation of the default mix ran without an
// error, in the table and in the --json file.
func TestLoadCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the server and drives it for a second")
	}
	dir := t.TempDir()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(dir, "crm.db"), sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, key, err := db.APIKeys.CreateAPIKey(ctx, "telco", "load", []crm.Role{crm.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	api := httpapi.New(httpapi.Config{Customers: db.Customers, Accounts: db.Accounts, APIKeys: db.APIKeys, Idempotency: db.Idempotency, Ready: db.Ping})
	srv := httptest.NewServer(api.Handler())
	defer srv.Close()

	jsonFile := filepath.Join(dir, "load.json")
	var stdout, stderr bytes.Buffer
	args := []string{"--url", srv.URL, "--key", key, "--duration", "1s", "--concurrency", "4", "--seed", "20", "--json", jsonFile}
	start := time.Now()
	if err := load(ctx, args, &stdout, &stderr); err != nil {
		t.Fatalf("load: %v\n%s", err, stderr.String())
	}
	if el := time.Since(start); el > 20*time.Second {
		t.Errorf("a 1 s run took %s", el)
	}
	t.Logf("\n%s", stdout.String())
	if strings.Contains(stdout.String(), "error:") {
		t.Errorf("errors reported:\n%s", stdout.String())
	}

	raw, err := os.ReadFile(jsonFile)
	if err != nil {
		t.Fatal(err)
	}
	var res LoadResult
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatalf("--json file: %v\n%s", err, raw)
	}
	mix, _ := parseMix(defaultMix)
	if len(res.Operations) != len(mix) || res.Concurrency != 4 || res.Duration < 0.9 {
		t.Errorf("%d operations at %d connections for %.2f s, want %d at 4 for 1 s", len(res.Operations), res.Concurrency, res.Duration, len(mix))
	}
	for i, r := range res.Operations {
		if i < len(mix) && r.Operation != mix[i].name {
			t.Errorf("operation %d is %s, want %s", i, r.Operation, mix[i].name)
		}
		if r.Count == 0 || r.Errors != 0 || r.FirstError != "" || r.PerSecond <= 0 || r.MaxMillis <= 0 {
			t.Errorf("%s: %d done, %d errors (%s), %.0f/s, max %.2f ms", r.Operation, r.Count, r.Errors, r.FirstError, r.PerSecond, r.MaxMillis)
		}
	}
	if res.Total.Count < len(mix) || res.Total.Errors != 0 {
		t.Errorf("total %+v", res.Total)
	}
	// The summary names the time the run took, which a loaded machine
	// stretches past the second asked for.
	if !regexp.MustCompile(`\d+\.\d s at 4 connections`).MatchString(stdout.String()) {
		t.Errorf("no summary line in:\n%s", stdout.String())
	}
}
