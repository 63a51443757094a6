package envflag_test

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm/internal/envflag"
)

// TestUnread: the variables with the prefix that no flag names are
// listed, sorted, whatever their value; the others are not.
func TestUnread(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.String("addr", "", "listen address (env X_ADDR)")
	fs.Int("conns", 0, "connections (env X_CONNS)")
	environ := []string{"X_ADDR=:1", "X_CONN=4", "PATH=/bin", "X_SECRET=s", "X_ADRR=", "X_TEST_DSN=x", "XX_CONNS=1"}
	got := envflag.Unread(fs, environ, "X_", "X_SECRET")
	if diff := cmp.Diff([]string{"X_ADRR", "X_CONN", "X_TEST_DSN"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestParse(t *testing.T) {
	type values struct {
		Addr    string
		Timeout time.Duration
		Quiet   bool
		Verbose bool
		Conns   int
	}
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    values
		wantErr string // a part of the error; "" for none
	}{
		{"defaults", nil, nil, values{":8080", time.Second, false, false, 4}, ""},
		{"environment", nil, map[string]string{"X_ADDR": ":9", "X_TIMEOUT": "5s"}, values{":9", 5 * time.Second, false, false, 4}, ""},
		{"the command line wins", []string{"--addr", ":1"}, map[string]string{"X_ADDR": ":9"}, values{":1", time.Second, false, false, 4}, ""},
		{"a flag without a variable", nil, map[string]string{"X_QUIET": "true"}, values{":8080", time.Second, false, false, 4}, ""},
		{"a bad value names its variable and flag", nil, map[string]string{"X_TIMEOUT": "soon"}, values{}, "environment X_TIMEOUT (--timeout)"},
		{"a bad flag", []string{"--timeout", "soon"}, nil, values{}, "flag -timeout"},
		{"a bare number for a duration says to give its unit", nil, map[string]string{"X_TIMEOUT": "60"}, values{},
			"environment X_TIMEOUT (--timeout): parse error; want a duration with its unit, such as 60s"},
		{"so does the flag", []string{"--timeout", "60"}, nil, values{}, "for flag -timeout: parse error; want a duration with its unit"},
		{"yes is not a boolean", nil, map[string]string{"X_VERBOSE": "yes"}, values{}, "environment X_VERBOSE (--verbose): parse error; want true or false"},
		{"nor is a word a count", nil, map[string]string{"X_CONNS": "abc"}, values{}, "environment X_CONNS (--conns): parse error; want a whole number"},
		{"errors of several variables are all told", nil, map[string]string{"X_CONNS": "abc", "X_TIMEOUT": "60"}, values{},
			"environment X_CONNS (--conns): parse error; want a whole number\nenvironment X_TIMEOUT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v values
			fs := flag.NewFlagSet("x", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			fs.StringVar(&v.Addr, "addr", ":8080", "listen address (env X_ADDR)")
			fs.DurationVar(&v.Timeout, "timeout", time.Second, "how long (env X_TIMEOUT)")
			fs.BoolVar(&v.Quiet, "quiet", false, "say less")
			fs.BoolVar(&v.Verbose, "verbose", false, "say more (env X_VERBOSE)")
			fs.IntVar(&v.Conns, "conns", 4, "connections (env X_CONNS)")
			err := envflag.Parse(fs, tt.args, func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one saying %q", err, tt.wantErr)
				}
				if tt.env != nil && (strings.Contains(err.Error(), "soon") || strings.Contains(err.Error(), `"60"`) || strings.Contains(err.Error(), "abc")) {
					t.Errorf("error %q repeats the environment's value, which may be a secret", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, v); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
