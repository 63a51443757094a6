package main

import (
	"flag"
	"io"
	"testing"
)

// TestDBMaxConns: the PostgreSQL pool size comes from the flag, else the
// environment, else 32; nonsense in the environment keeps the default.
func TestDBMaxConns(t *testing.T) {
	for _, tc := range []struct {
		env  string
		args []string
		want int
	}{
		{"", nil, 32},
		{"8", nil, 8},
		{"8", []string{"--db-max-conns", "4"}, 4},
		{"zero", nil, 32},
		{"-3", nil, 32},
	} {
		t.Setenv("CRM_DB_MAX_CONNS", tc.env)
		var c config
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		serveFlags(fs, &c)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		if c.dbMaxConns != tc.want {
			t.Errorf("env %q args %v: %d, want %d", tc.env, tc.args, c.dbMaxConns, tc.want)
		}
	}
}

// TestDBMinConns: the connections warmed before listening come from the
// flag, else the environment (0 allowed: none), else 32.
func TestDBMinConns(t *testing.T) {
	for _, tc := range []struct {
		env  string
		args []string
		want int
	}{
		{"", nil, 32},
		{"0", nil, 0},
		{"8", []string{"--db-min-conns", "4"}, 4},
	} {
		t.Setenv("CRM_DB_MIN_CONNS", tc.env)
		var c config
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		serveFlags(fs, &c)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		if c.dbMinConns != tc.want {
			t.Errorf("env %q args %v: %d, want %d", tc.env, tc.args, c.dbMinConns, tc.want)
		}
	}
}
