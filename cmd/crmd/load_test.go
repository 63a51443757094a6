package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLoadCommand runs "crmd load" for a second at four connections against
// the real server, in process on a fresh SQLite database, and checks that
// every operation of the default mix ran without an error, in the table
// and in the --json file.
func TestLoadCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the server and drives it for a second")
	}
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "data", "crm.db")
	ctx := context.Background()
	var out, errs bytes.Buffer
	if err := run(ctx, []string{"keys", "create", "--org", "telco", "--roles", "admin", "--database-url", dsn}, &out, &errs); err != nil {
		t.Fatalf("keys create: %v\n%s", err, errs.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	key := lines[len(lines)-1]

	addr := freeAddr(t)
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() {
		served <- run(sctx, []string{"serve", "--addr", addr, "--database-url", dsn, "--log-level", "warn"}, io.Discard, io.Discard)
	}()
	defer func() {
		stop()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	waitReady(t, "http://"+addr+"/readyz")

	jsonFile := filepath.Join(dir, "load.json")
	var stdout, stderr bytes.Buffer
	args := []string{"--url", "http://" + addr, "--key", key, "--duration", "1s", "--concurrency", "4", "--seed", "20", "--json", jsonFile}
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
	if !strings.Contains(stdout.String(), "1.0 s at 4 connections") {
		t.Errorf("no summary line in:\n%s", stdout.String())
	}
}
