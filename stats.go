package crm

import "time"

// PoolStats is a snapshot of one database connection pool, for the
// operators' metrics: how many connections work, wait and idle.
type PoolStats struct {
	Pool         string // "read" or "write" on SQLite; "main" where one pool does both
	MaxOpen      int    // the bound; 0: none
	Open         int    // connections open, in use or idle
	InUse        int
	Idle         int
	WaitCount    int64         // requests that waited for a connection, since the start
	WaitDuration time.Duration // the time they waited in all
}

// OutboxStatus is how far the outbox is behind its feed: the events
// committed but not yet numbered (so not yet readable on the feed nor
// publishable), and when the oldest of them occurred.
type OutboxStatus struct {
	Pending       int64
	OldestPending time.Time // zero when none is pending
}
