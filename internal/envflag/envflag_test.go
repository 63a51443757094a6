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

func TestParse(t *testing.T) {
	type values struct {
		Addr    string
		Timeout time.Duration
		Quiet   bool
	}
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    values
		wantErr string // a part of the error; "" for none
	}{
		{"defaults", nil, nil, values{":8080", time.Second, false}, ""},
		{"environment", nil, map[string]string{"X_ADDR": ":9", "X_TIMEOUT": "5s"}, values{":9", 5 * time.Second, false}, ""},
		{"the command line wins", []string{"--addr", ":1"}, map[string]string{"X_ADDR": ":9"}, values{":1", time.Second, false}, ""},
		{"a flag without a variable", nil, map[string]string{"X_QUIET": "true"}, values{":8080", time.Second, false}, ""},
		{"a bad value names its variable and flag", nil, map[string]string{"X_TIMEOUT": "soon"}, values{}, "environment X_TIMEOUT (--timeout)"},
		{"a bad flag", []string{"--timeout", "soon"}, nil, values{}, "flag -timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v values
			fs := flag.NewFlagSet("x", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			fs.StringVar(&v.Addr, "addr", ":8080", "listen address (env X_ADDR)")
			fs.DurationVar(&v.Timeout, "timeout", time.Second, "how long (env X_TIMEOUT)")
			fs.BoolVar(&v.Quiet, "quiet", false, "say less")
			err := envflag.Parse(fs, tt.args, func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one saying %q", err, tt.wantErr)
				}
				if tt.env != nil && strings.Contains(err.Error(), "soon") {
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
