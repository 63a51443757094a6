package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestDuplicatesFindEverySeededPair: crmd import --generate N --duplicates
// D, imported, then crmd duplicates reports exactly the seeded pairs, each
// by its one rule, and nothing among the distinct people. N passes the
// number of names the generator has, so that birth dates tell them apart.
func TestDuplicatesFindEverySeededPair(t *testing.T) {
	t.Parallel()
	const n, d = 1400, 6
	for _, e := range sqltest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			dir := t.TempDir()
			dsn := e.DSN(t)
			if e.Name == "sqlite" {
				dsn = "sqlite:" + dsn
			}
			file := filepath.Join(dir, "people.jsonl")
			ctx := context.Background()
			var stdout, stderr bytes.Buffer
			if err := run(ctx, []string{"import", "--generate", "1400", "--duplicates", "6", "--file", file}, &stdout, &stderr); err != nil {
				t.Fatal(err)
			}
			if err := run(ctx, []string{"import", "--org", "telco", "--file", file, "--database-url", dsn}, &stdout, &stderr); err != nil {
				t.Fatalf("import: %v\n%s", err, stderr.String())
			}
			stdout.Reset()
			if err := run(ctx, []string{"duplicates", "--org", "telco", "--database-url", dsn}, &stdout, &stderr); err != nil {
				t.Fatalf("duplicates: %v\n%s", err, stderr.String())
			}
			db, err := sqlstore.Open(ctx, dsn, sqlstore.Options{Clock: crmtest.NewClock(sqltest.Start).Now})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var got []string
			for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
				var g crm.DuplicateGroup
				if err := json.Unmarshal([]byte(line), &g); err != nil {
					t.Fatalf("line %q: %v", line, err)
				}
				var exts []string
				for _, id := range g.Customers {
					c, err := db.Customers.GetCustomer(ctx, "telco", id)
					if err != nil {
						t.Fatal(err)
					}
					exts = append(exts, *c.ExternalID)
				}
				sort.Strings(exts)
				got = append(got, strings.Join(exts, " ")+" by "+strings.Join(g.Rules, ","))
			}
			var want []string
			for r, rule := range duplicateRules {
				for k := range d {
					original := generatedLine(k*len(duplicateRules) + r + 1).ExternalID
					want = append(want, *original+" "+*original+".dup."+rule+" by "+rule)
				}
			}
			sort.Strings(got)
			sort.Strings(want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("groups (-want +got):\n%s", diff)
			}
		})
	}
}

// TestGenerateRefusesTooFewLines: D pairs per rule need 8*D lines.
func TestGenerateRefusesTooFewLines(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "f.jsonl")
	err := run(context.Background(), []string{"import", "--generate", "15", "--duplicates", "2", "--file", file}, new(bytes.Buffer), new(bytes.Buffer))
	if err == nil || !strings.Contains(err.Error(), "at least 16") {
		t.Errorf("got %v", err)
	}
}
