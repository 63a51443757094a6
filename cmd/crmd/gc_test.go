package main

import (
	"io"
	"log/slog"
	"math"
	"runtime/debug"
	"testing"
)

func TestTuneGCLeavesWhatTheOperatorSet(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, tc := range []struct {
		name        string
		env         map[string]string
		wantPercent int
		wantLimit   int64
	}{
		{"nothing set", nil, serveGCPercent, serveMemoryLimit},
		{"GOGC set", map[string]string{"GOGC": "50"}, 100, serveMemoryLimit},
		{"GOMEMLIMIT set", map[string]string{"GOMEMLIMIT": "1GiB"}, serveGCPercent, math.MaxInt64},
		{"both set", map[string]string{"GOGC": "off", "GOMEMLIMIT": "1GiB"}, 100, math.MaxInt64},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The process's settings stand in for what Go read from the
			// environment at start; tuneGC must leave them alone.
			debug.SetGCPercent(100)
			debug.SetMemoryLimit(math.MaxInt64)
			tuneGC(func(k string) string { return tc.env[k] }, quiet)
			percent := debug.SetGCPercent(100)
			limit := debug.SetMemoryLimit(-1) // -1 reads without changing
			if percent != tc.wantPercent || limit != tc.wantLimit {
				t.Fatalf("GOGC %d, memory limit %d; want %d, %d", percent, limit, tc.wantPercent, tc.wantLimit)
			}
		})
	}
}
