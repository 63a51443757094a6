package main

import (
	"flag"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm/internal/envflag"
)

// parseServe parses serve's flags from args and env as serve does.
func parseServe(args []string, env map[string]string) (config, error) {
	var c config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	serveFlags(fs, &c)
	if err := envflag.Parse(fs, args, func(k string) string { return env[k] }); err != nil {
		return c, err
	}
	return c, c.check()
}

// TestDBConns: the pool sizes come from the flag, else the environment,
// else 32; a value that is not a count stops the start, naming it.
func TestDBConns(t *testing.T) {
	for _, tc := range []struct {
		env      map[string]string
		args     []string
		max, min int
		err      string
	}{
		{nil, nil, 32, 32, ""},
		{map[string]string{"CRM_DB_MAX_CONNS": "8", "CRM_DB_MIN_CONNS": "0"}, nil, 8, 0, ""},
		{map[string]string{"CRM_DB_MAX_CONNS": "8"}, []string{"--db-max-conns", "4", "--db-min-conns", "2"}, 4, 2, ""},
		{map[string]string{"CRM_DB_MAX_CONNS": "zero"}, nil, 0, 0, "environment CRM_DB_MAX_CONNS (--db-max-conns)"},
		{map[string]string{"CRM_DB_MAX_CONNS": "-3"}, nil, 0, 0, "--db-max-conns (env CRM_DB_MAX_CONNS) must be positive"},
		{nil, []string{"--db-min-conns", "-1"}, 0, 0, "--db-min-conns (env CRM_DB_MIN_CONNS) must be 0 or more"},
	} {
		c, err := parseServe(tc.args, tc.env)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("env %v args %v: error %v, want one saying %q", tc.env, tc.args, err, tc.err)
			}
			continue
		}
		if err != nil || c.dbMaxConns != tc.max || c.dbMinConns != tc.min {
			t.Errorf("env %v args %v: max %d min %d %v, want %d %d", tc.env, tc.args, c.dbMaxConns, c.dbMinConns, err, tc.max, tc.min)
		}
	}
}

// TestMaxUploads: the bound on uploads in flight comes from the flag, else
// the environment, else 64; a value that is not a positive count stops the
// start, naming it.
func TestMaxUploads(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want int
		err  string
	}{
		{nil, nil, 64, ""},
		{map[string]string{"CRM_MAX_UPLOADS": "8"}, nil, 8, ""},
		{map[string]string{"CRM_MAX_UPLOADS": "8"}, []string{"--max-uploads", "2"}, 2, ""},
		{map[string]string{"CRM_MAX_UPLOADS": "many"}, nil, 0, "environment CRM_MAX_UPLOADS (--max-uploads)"},
		{nil, []string{"--max-uploads", "0"}, 0, "--max-uploads (env CRM_MAX_UPLOADS) must be positive"},
		{map[string]string{"CRM_MAX_UPLOADS": "-1"}, nil, 0, "--max-uploads (env CRM_MAX_UPLOADS) must be positive"},
	} {
		c, err := parseServe(tc.args, tc.env)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("env %v args %v: error %v, want one saying %q", tc.env, tc.args, err, tc.err)
			}
			continue
		}
		if err != nil || c.maxUploads != tc.want {
			t.Errorf("env %v args %v: %d %v, want %d", tc.env, tc.args, c.maxUploads, err, tc.want)
		}
	}
}

// TestBadEnvironmentStopsTheStart: every kind of value read from the
// environment goes through its flag's parser, and the error names the
// variable without repeating its value.
func TestBadEnvironmentStopsTheStart(t *testing.T) {
	for _, name := range []string{"CRM_GATEWAY_MODE", "CRM_SHUTDOWN_TIMEOUT", "CRM_DB_MAX_CONNS", "CRM_RELAY_LEASE", "CRM_DOCUMENT_URL_TTL", "CRM_MAX_UPLOADS"} {
		_, err := parseServe(nil, map[string]string{name: "s3cr3t-nonsense"})
		if err == nil || !strings.Contains(err.Error(), name) || strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("%s=nonsense: %v", name, err)
		}
	}
	if _, err := parseServe([]string{"--relay-lease", "0s"}, nil); err == nil || !strings.Contains(err.Error(), "CRM_RELAY_LEASE") {
		t.Errorf("--relay-lease 0s: %v", err)
	}
}

// TestUnreadEnvironment: a CRM_* variable serve does not read is listed
// (to be warned of), but not the environment-only settings, the tests'
// or the load generator's.
func TestUnreadEnvironment(t *testing.T) {
	var c config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	serveFlags(fs, &c)
	environ := []string{"CRM_DB_MAXCONNS=8", "CRM_ADDR=:1", "CRM_KEK=k", "CRM_URL_SIGNING_KEY=s", "CRM_TEST_POSTGRES_DSN=x",
		"CRM_LOAD_KEY=k", "CRM_GATEWAYMODE=true", "HOME=/root"}
	if diff := cmp.Diff([]string{"CRM_DB_MAXCONNS", "CRM_GATEWAYMODE"}, unreadEnvironment(fs, environ)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestEveryServeFlagHasItsEnvironment: each flag of serve names the
// environment variable that sets it, so envflag.Parse reads it.
func TestEveryServeFlagHasItsEnvironment(t *testing.T) {
	var c config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	serveFlags(fs, &c)
	fs.VisitAll(func(f *flag.Flag) {
		want := "(env CRM_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_")) + ")"
		if !strings.Contains(f.Usage, want) {
			t.Errorf("--%s: usage %q does not say %s", f.Name, f.Usage, want)
		}
	})
}
