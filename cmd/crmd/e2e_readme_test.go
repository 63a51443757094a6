package main

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestReadmeWalkthrough runs scripts/walkthrough.sh, the README's
// walkthrough, against the real binary on each engine, after checking that
// the README's blocks are that script, so the README cannot rot unnoticed.
func TestReadmeWalkthrough(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	script := readmeMatchesScript(t)
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("the walkthrough needs %s (CI installs it)", tool)
			}
			t.Skipf("the walkthrough needs %s", tool)
		}
	}
	bin := crmdBinary(t)
	hook := crmhookBinary(t)
	examples, err := filepath.Abs("../../httpapi/testdata/examples")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range sqltest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			dsn := engineDSN(t, e, dir)
			// The working directory a user has: the binaries and the
			// documentation's examples where the README names them.
			must(t, os.MkdirAll(filepath.Join(dir, "httpapi", "testdata"), 0o755))
			must(t, os.Symlink(examples, filepath.Join(dir, "httpapi", "testdata", "examples")))
			must(t, os.Symlink(bin, filepath.Join(dir, "crmd")))
			must(t, os.Symlink(hook, filepath.Join(dir, "crmhook")))
			env := append(os.Environ(), "CRM_DATABASE_URL="+dsn)

			addr := freeAddr(t)
			srv := exec.Command("./crmd", "--addr", addr, "--webhook-allow-private")
			srv.Dir, srv.Env = dir, env
			logs := &syncBuffer{}
			srv.Stdout, srv.Stderr = logs, logs
			must(t, srv.Start())
			defer func() { srv.Process.Kill(); srv.Wait() }()
			waitReady(t, "http://"+addr+"/readyz")

			run := exec.Command("bash", script)
			run.Dir = dir
			run.Env = append(env, "API="+addr, "HOOK="+freeAddr(t))
			out, err := run.CombinedOutput()
			if err != nil {
				t.Fatalf("walkthrough: %v\n%s\nserver:\n%s", err, out, logs.String())
			}
			checkWalkthroughOutput(t, string(out))
			checkWalkthroughStatuses(t, logs.String())
		})
	}
}

// walkthroughOutput is what the walkthrough prints, in order: each step
// reached the answer the README promises.
var walkthroughOutput = []string{
	`(?m)^customer [0-9a-f-]{36}$`,
	`(?m)^201 replayed: true$`,
	`(?m)^204$`,
	`"preferred_language":"ca","nationality":"PT"`,
	`(?m)^202$`,
	`"type":"CREDIT_CARD".*"summary":"5100"`,
	`"contract_reference_id":"MMC2105077108808"`,
	`(?m)^PENDING$`,
	`(?m)^%PDF-1\.7$`,
	`(?m)^ACTIVE ES\d{22}$`,
	`(?m)^CLOSED$`,
	`(?m)^customer\.updated [0-9a-f-]{36} signature ok$`,
	`\{"dead_letters":\[\]`,
	`imported 100 customers \(100 accounts\), skipped 0, rejected 0`,
	`open account`,
}

func checkWalkthroughOutput(t *testing.T, out string) {
	t.Helper()
	rest := out
	for _, want := range walkthroughOutput {
		loc := regexp.MustCompile(want).FindStringIndex(rest)
		if loc == nil {
			t.Fatalf("the walkthrough's output lacks %s after what came before:\n%s", want, out)
		}
		rest = rest[loc[1]:]
	}
	for line := range strings.SplitSeq(out, "\n") {
		if line == "null" || strings.Contains(line, "/null") {
			t.Errorf("a variable was not set from its answer (%q):\n%s", line, out)
		}
	}
}

// checkWalkthroughStatuses reads the server's request log: every request
// the walkthrough sent succeeded, but for the deactivation it shows refused.
func checkWalkthroughStatuses(t *testing.T, logs string) {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(logs))
	n := 0
	for sc.Scan() {
		var l struct {
			Msg, Method, Route string
			Status             int
		}
		if json.Unmarshal(sc.Bytes(), &l) != nil || l.Msg != "request" || l.Route == "GET /readyz" {
			continue
		}
		n++
		if l.Status >= 400 && !(l.Status == 409 && l.Route == "DELETE /v4/orgs/{org_id}/customers/{customer_id}") {
			t.Errorf("%s answered %d", l.Route, l.Status)
		}
	}
	if n < 30 {
		t.Errorf("the server logged %d requests of the walkthrough, want at least 30", n)
	}
}

// readmeMatchesScript checks that the ```sh blocks of the README's
// Walkthrough section hold the script's lines after its marker, and returns
// the script's path.
func readmeMatchesScript(t *testing.T) string {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	must(t, err)
	script, err := filepath.Abs("../../scripts/walkthrough.sh")
	must(t, err)
	body, err := os.ReadFile(script)
	must(t, err)
	_, after, ok := strings.Cut(string(body), "# --- README blocks below; edit both together ---\n")
	if !ok {
		t.Fatal("scripts/walkthrough.sh lost its marker line")
	}
	section := string(readme)
	if _, s, ok := strings.Cut(section, "\n## Walkthrough\n"); ok {
		section, _, _ = strings.Cut(s, "\n## ")
	} else {
		t.Fatal("README.md has no Walkthrough section")
	}
	var blocks []string
	for _, part := range strings.Split(section, "```sh\n")[1:] {
		code, _, _ := strings.Cut(part, "```")
		blocks = append(blocks, code)
	}
	if got, want := nonEmptyLines(strings.Join(blocks, "\n")), nonEmptyLines(after); !equalLines(got, want) {
		t.Errorf("README.md's Walkthrough blocks (%d lines) differ from scripts/walkthrough.sh (%d lines): edit both together\nfirst difference: %s", len(got), len(want), firstDiff(got, want))
	}
	return script
}

func nonEmptyLines(s string) []string {
	var out []string
	for l := range strings.SplitSeq(s, "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

func equalLines(a, b []string) bool { return firstDiff(a, b) == "" }

func firstDiff(a, b []string) string {
	for i := range max(len(a), len(b)) {
		switch {
		case i >= len(a):
			return "script has more: " + b[i]
		case i >= len(b):
			return "README has more: " + a[i]
		case a[i] != b[i]:
			return "README: " + a[i] + "\nscript: " + b[i]
		}
	}
	return ""
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var hookBuilt struct {
	once sync.Once
	bin  string
	out  []byte
	err  error
}

// crmhookBinary builds cmd/crmhook once per test binary, beside crmd (so
// TestMain removes both).
func crmhookBinary(t *testing.T) string {
	t.Helper()
	crmd := crmdBinary(t)
	hookBuilt.once.Do(func() {
		hookBuilt.bin = filepath.Join(filepath.Dir(crmd), "crmhook")
		hookBuilt.out, hookBuilt.err = exec.Command("go", "build", "-o", hookBuilt.bin, "../crmhook").CombinedOutput()
	})
	if hookBuilt.err != nil {
		t.Fatalf("build crmhook: %v\n%s", hookBuilt.err, hookBuilt.out)
	}
	return hookBuilt.bin
}
