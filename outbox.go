package crm

import (
	"context"
	"errors"
	"time"
)

// MaxFeedPage bounds one page of the event feed.
const MaxFeedPage = 1000

// ErrLeaseLost reports that another process took over a publisher's lease:
// the caller must stop publishing and must not advance the cursor.
var ErrLeaseLost = errors.New("lease lost to another holder")

// EventFeed reads the outbox in commit order. Event.Position is the feed
// cursor: every event committed after a read gets a higher position than
// any event that read returned, so a consumer that resumes after its last
// position never skips one. Events names no codes of its own: it may
// return EUNAVAILABLE (database down or busy) or EINTERNAL.
type EventFeed interface {
	// Events numbers committed events (Sequence) and returns up to limit
	// events of org after the cursor after.
	Events(ctx context.Context, org string, after int64, limit int) ([]Event, error)
}

// Outbox is what a publisher (the NATS relay, the webhook dispatcher)
// needs: the feed of every org, and a lease that makes one process at a
// time the publisher of a named stream and records how far it got. Its
// methods name no codes of their own: any may return EUNAVAILABLE (database
// down or busy) or EINTERNAL, and CommitCursor ErrLeaseLost.
type Outbox interface {
	// Sequence gives committed events their feed positions. Publishers
	// call it before reading; it is cheap when there is nothing to do.
	Sequence(ctx context.Context) (int, error)
	// FeedAfter returns up to limit events of every org after the cursor.
	FeedAfter(ctx context.Context, after int64, limit int) ([]Event, error)
	// AcquireLease takes or renews the lease name for holder until now+ttl
	// and returns the stream's cursor; ok is false while another holder's
	// lease is still valid.
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (cursor int64, ok bool, err error)
	// CommitCursor records progress and renews the lease, only while
	// holder still holds it (else ErrLeaseLost).
	CommitCursor(ctx context.Context, name, holder string, cursor int64, ttl time.Duration) error
	// ReleaseLease gives the lease up so another process can take over at
	// once (graceful shutdown).
	ReleaseLease(ctx context.Context, name, holder string) error
	// Backlog counts the events not yet published on the stream name.
	Backlog(ctx context.Context, name string) (int64, error)
}

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
