package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/jsonstrict"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestImportCommand imports a file of good and bad lines, on each engine,
// and checks the report, the summary, the data and a re-run.
func TestImportCommand(t *testing.T) {
	t.Parallel()
	for _, e := range sqltest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			dir := t.TempDir()
			dsn := e.DSN(t)
			if e.Name == "sqlite" {
				dsn = "sqlite:" + dsn
			}
			file := filepath.Join(dir, "customers.jsonl")
			if err := run(context.Background(), []string{"import", "--generate", "5", "--file", file}, new(bytes.Buffer), new(bytes.Buffer)); err != nil {
				t.Fatal(err)
			}
			good, _ := os.ReadFile(file)
			lines := strings.Split(strings.TrimSpace(string(good)), "\n")
			dup := strings.Replace(lines[1], `"C000000002"`, `"C000000099"`, 1) // line 2's document again
			bad := strings.Replace(lines[2], `"external_id":"C000000003"`, `"external_id":"C000000003","colour":"red"`, 1)
			content := strings.Join([]string{lines[0], lines[1], "", bad, "not json", lines[3], lines[4], dup}, "\r\n")
			if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			report := filepath.Join(dir, "rejected.jsonl")
			args := []string{"import", "--org", "telco", "--file", file, "--report", report, "--batch", "2", "--database-url", dsn}
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), args, &stdout, &stderr)
			var exit exitError
			if !errors.As(err, &exit) || exit.code != exitRejected ||
				err.Error() != "import: 3 of 7 lines rejected (listed in "+report+"); the others were imported or skipped" {
				t.Fatalf("import with rejected lines: %v, want exit %d saying how many\n%s", err, exitRejected, stderr.String())
			}
			if got := stdout.String(); !strings.HasPrefix(got, "imported 4 customers (4 accounts), skipped 0, rejected 3, in ") ||
				!strings.HasSuffix(got, " lines/s\n") {
				t.Errorf("summary %q", got)
			}
			if !strings.Contains(stderr.String(), "import: 100.0% 7 lines (imported 4, skipped 0, rejected 3)") {
				t.Errorf("no final progress line in %q", stderr.String())
			}
			want := []crm.ImportRejection{
				{Line: 4, ExternalID: strp("C000000003"), Errors: []string{"colour: unknown field"}},
				{Line: 5, Errors: []string{"the line is not valid JSON: invalid character 'o' in literal null (expecting 'u')"}},
				{Line: 8, ExternalID: strp("C000000099"), Errors: []string{"personal_info.identity_document: a customer with this identity document already exists"}},
			}
			if diff := cmp.Diff(want, readReport(t, report)); diff != "" {
				t.Errorf("report (-want +got):\n%s", diff)
			}

			db, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			ref, err := db.Customers.FindCustomerByExternalID(context.Background(), "telco", "C000000005")
			if err != nil {
				t.Fatal(err)
			}
			events, _ := db.Outbox.Events(context.Background(), "telco", 0, 100)
			if len(events) != 8 || events[0].Actor != "import:customers.jsonl" {
				t.Errorf("%d events, the first by %q", len(events), events[0].Actor)
			}
			if ids, _ := db.Accounts.ListAccountIDs(context.Background(), "telco", ref.ID); len(ids) != 1 {
				t.Errorf("accounts of C000000005: %v", ids)
			}

			// A re-run imports nothing again; without --report the
			// rejections go to stderr.
			stdout.Reset()
			stderr.Reset()
			rerun := []string{"import", "--org", "telco", "--file", file, "--database-url", dsn}
			if err := run(context.Background(), rerun, &stdout, &stderr); !errors.As(err, &exit) || exit.code != exitRejected ||
				!strings.Contains(err.Error(), "3 of 7 lines rejected (listed in stderr)") {
				t.Fatalf("re-run: %v, want the rejections counted", err)
			}
			if got := stdout.String(); !strings.HasPrefix(got, "imported 0 customers (0 accounts), skipped 4, rejected 3, in ") {
				t.Errorf("re-run summary %q", got)
			}
			if !strings.Contains(stderr.String(), `{"line":4,"external_id":"C000000003","errors":["colour: unknown field"]}`) {
				t.Errorf("rejections not on stderr: %q", stderr.String())
			}
		})
	}
}

func readReport(t *testing.T, path string) []crm.ImportRejection {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []crm.ImportRejection
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r crm.ImportRejection
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("report line %q: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	return out
}

// The generated lines are valid and distinct.
func TestGeneratedLinesAreValid(t *testing.T) {
	docs := map[string]bool{}
	for i := 1; i <= 2000; i++ {
		l := generatedLine(i * 4999)
		raw, _ := json.Marshal(l)
		got, err := jsonstrict.DecodeImportLine(raw)
		if err != nil {
			t.Fatal(err)
		}
		got.Normalize()
		if err := got.Validate(crmtest.NewClock(sqltest.Start).Now()); err != nil {
			t.Fatalf("line %d: %v", i*4999, err)
		}
		doc := got.PersonalInfo.IdentityDocument.Number
		if docs[doc] {
			t.Fatalf("document %s twice", doc)
		}
		docs[doc] = true
	}
}

func strp(s string) *string { return &s }

// TestImportRate checks that --rate holds the import to its lines a second
// (three batches of two lines at 10 a second: the third starts 0.4 s
// after the first, where the unpaced import takes some milliseconds) and
// that a rate that is not a number of lines a second stops it at once.
func TestImportRate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "customers.jsonl")
	if err := run(context.Background(), []string{"import", "--generate", "6", "--file", file}, new(bytes.Buffer), new(bytes.Buffer)); err != nil {
		t.Fatal(err)
	}
	dsn := "sqlite:" + filepath.Join(dir, "crm.db")
	for _, bad := range []string{"-1", "NaN", "+Inf"} {
		err := run(context.Background(), []string{"import", "--org", "telco", "--file", file, "--rate", bad, "--database-url", dsn},
			new(bytes.Buffer), new(bytes.Buffer))
		if err == nil || !strings.Contains(err.Error(), "--rate must be") {
			t.Errorf("--rate %s: %v, want it refused", bad, err)
		}
	}
	start := time.Now()
	var stdout bytes.Buffer
	args := []string{"import", "--org", "telco", "--file", file, "--batch", "2", "--rate", "10", "--database-url", dsn}
	if err := run(context.Background(), args, &stdout, new(bytes.Buffer)); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 400*time.Millisecond {
		t.Errorf("6 lines in batches of 2 at 10 lines a second took %s, want at least 0.4 s", took)
	}
	if !strings.HasPrefix(stdout.String(), "imported 6 customers") {
		t.Errorf("summary %q", stdout.String())
	}
}
