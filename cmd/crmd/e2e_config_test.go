package main

import (
	"context"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/telcoops/crm/internal/envflag"
)

// badEnvironment is one nonsense value of each CRM_* variable crmd serve
// reads, and what the refusal must say beside the variable's name.
var badEnvironment = []struct {
	name, value, says string
}{
	{"CRM_DATABASE_URL", "mysql://crm:hunter2@db/crm", `scheme "mysql"`},
	{"CRM_KEK", "not-base64!", "not base64"},
	{"CRM_KEK_FILE", "/nonexistent/kek", "no such file"},
	{"CRM_LOG_LEVEL", "loud", "want debug, info, warn or error"},
	{"CRM_LOG_FORMAT", "xml", "want json or text"},
	{"CRM_ADDR", "8080", "want host:port or :port"},
	{"CRM_GATEWAY_MODE", "yes", "want true or false"},
	{"CRM_JWT_KEYS", "/nonexistent/keys.pem", "no such file"},
	{"CRM_JWT_JWKS_URL", "keys.example.com/jwks", "absolute http(s) URL"},
	{"CRM_SHUTDOWN_TIMEOUT", "60", "want a duration with its unit, such as 60s"},
	{"CRM_BLOB_DIR", "/dev/null/blobs", "not a directory"},
	{"CRM_BLOB_STORE", "s3", "want auto, dir or database"},
	{"CRM_URL_SIGNING_KEY", "too-short", "at least 32 bytes"},
	{"CRM_DOCUMENT_URL_TTL", "15", "want a duration with its unit"},
	{"CRM_PUBLIC_URL", "crm.example.com", "want an absolute http(s) URL"},
	{"CRM_MAX_UPLOADS", "many", "want a whole number"},
	{"CRM_NATS_URL", "http://nats.example.com:4222", "want nats://host:port"},
	{"CRM_NATS_STREAM", "crm.events", "want a JetStream stream name"},
	{"CRM_NATS_SUBJECT_PREFIX", "crm.>", "want dot-separated words"},
	{"CRM_NATS_REPLICAS", "7", "want 1 to 5"},
	{"CRM_RELAY_LEASE", "5", "want a duration with its unit"},
	{"CRM_WEBHOOK_MAX_AGE", "-1h", "must be positive"},
	{"CRM_WEBHOOK_TIMEOUT", "10", "want a duration with its unit"},
	{"CRM_WEBHOOK_LEASE", "500ms", "must be at least 1s"},
	{"CRM_WEBHOOK_ALLOW_PRIVATE", "on", "want true or false"},
	{"CRM_WEBHOOK_ALLOW_CIDRS", "10.0.0.0", "no '/'"},
	{"CRM_PRODUCTS_BANK_CODE", "12", "must be 4 digits"},
	{"CRM_PRODUCTS_BRANCH_CODE", "one", "must be 4 digits"},
	{"CRM_PRODUCTS_BIC", "BANK", "must be a BIC"},
	{"CRM_DB_MAX_CONNS", "abc", "want a whole number"},
	{"CRM_DB_MIN_CONNS", "-1", "must be 0 or more"},
	{"CRM_PPROF_ADDR", "localhost", "want host:port or :port"},
}

// anyText are the variables every value of which means something.
var anyText = map[string]string{
	"CRM_JWT_ISSUER":   "any issuer a token may carry",
	"CRM_JWT_AUDIENCE": "any audience a token may carry",
}

// TestBadEnvironmentValues starts the real crmd serve with one bad CRM_*
// value at a time, every other setting good: each must stop the start
// with a non-zero status and a message naming the variable and what it
// wants, never repeating a secret's value. The table must cover every
// variable serve reads.
func TestBadEnvironmentValues(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts the binary once per variable")
	}
	var c config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	serveFlags(fs, &c)
	read := map[string]bool{"CRM_KEK": true, "CRM_URL_SIGNING_KEY": true} // environment only
	fs.VisitAll(func(f *flag.Flag) { read[envflag.Env(f)] = true })
	for _, tc := range badEnvironment {
		delete(read, tc.name)
	}
	for name := range anyText {
		delete(read, name)
	}
	if len(read) > 0 {
		t.Errorf("no bad value tried for %v", read)
	}

	bin := crmdBinary(t)
	for _, tc := range badEnvironment {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir,
				"CRM_DATABASE_URL=sqlite:" + filepath.Join(dir, "crm.db"), "CRM_ADDR=127.0.0.1:0", "CRM_DB_MIN_CONNS=0"}
			env = append(env, tc.name+"="+tc.value)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, "serve")
			cmd.Env, cmd.Dir = env, dir
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 2 {
				t.Fatalf("%s=%s: %v, want exit status 2\n%s", tc.name, tc.value, err, out)
			}
			last := lastLine(string(out))
			if !strings.HasPrefix(last, "crmd: ") || !strings.Contains(last, tc.name) || !strings.Contains(last, tc.says) {
				t.Errorf("%s=%s: last line %q, want it to name %s and say %q", tc.name, tc.value, last, tc.name, tc.says)
			}
			for _, secret := range []string{"hunter2", "not-base64", "too-short"} {
				if strings.Contains(string(out), secret) {
					t.Errorf("%s=%s: the output repeats the value:\n%s", tc.name, tc.value, out)
				}
			}
		})
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
