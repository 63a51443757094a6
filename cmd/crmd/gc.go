package main

import (
	"log/slog"
	"runtime/debug"
)

// Garbage-collector defaults of crmd serve. The live heap is small (tens of
// MB) beside what requests allocate, so at Go's default GOGC=100 the
// collector ran every few milliseconds under load and took about a fifth
// of a SQLite create's CPU; at 300 a create cost 20% less CPU and the
// server did 20% more of them (paired runs). The soft memory limit keeps
// the larger heap inside issue 7's 150 MB budget for the whole process:
// near it, the collector runs more often instead.
const (
	serveGCPercent   = 300
	serveMemoryLimit = 96 << 20
)

// tuneGC applies the serve defaults for what the operator left unset:
// GOGC and GOMEMLIMIT, Go's own variables, win when set.
func tuneGC(getenv func(string) string, log *slog.Logger) {
	percent, limit := -1, int64(-1) // -1: the operator's
	if getenv("GOGC") == "" {
		percent = serveGCPercent
		debug.SetGCPercent(percent)
	}
	if getenv("GOMEMLIMIT") == "" {
		limit = serveMemoryLimit
		debug.SetMemoryLimit(limit)
	}
	log.Debug("garbage collector", slog.Int("gogc", percent), slog.Int64("memory_limit", limit))
}
