package engine

import (
	"context"
	"sync"
)

// coalescer runs jobs that arrive together as one batch: at most limit
// batches run at a time; jobs arriving meanwhile queue, and the next batch
// takes every queued job (up to maxBatch). A job that finds fewer than
// limit batches running goes at once, alone, so an idle server works as
// before and a busy one makes fewer, larger round trips.
//
// No goroutine of its own: the caller whose job starts a batch runs it,
// then hands the turn to a job still queued, whose caller runs the next.
type coalescer[J any] struct {
	limit, maxBatch int
	// same, if set, keeps a second job equal to one already in the batch
	// queued for the next batch.
	same func(a, b *J) bool
	// run does a batch, setting each job's outcome; its context carries
	// no cancellation, since the batch is shared.
	run func(ctx context.Context, batch []*J)

	mu      sync.Mutex
	pending []*turn[J]
	running int // batches running, or turns handed and not yet taken
}

// turn is one queued job.
type turn[J any] struct {
	job    *J
	handed bool      // has a turn to lead coming; under coalescer.mu
	wake   chan bool // true: lead a batch; false: done
}

// do runs job in a batch and returns once the batch is done. It waits even
// if ctx ends meanwhile: a batch holds no caller's cancellation.
func (c *coalescer[J]) do(ctx context.Context, job *J) {
	t := &turn[J]{job: job, wake: make(chan bool, 2)}
	c.mu.Lock()
	c.pending = append(c.pending, t)
	lead := c.running < c.limit
	if lead {
		c.running++
	}
	c.mu.Unlock()
	// The job may be done by another caller's batch before its turn to
	// lead comes; it then leads one batch for the others. A turn is only
	// handed to a queued job, so it always comes before "done" and is
	// never left unread.
	for {
		if lead {
			c.lead(ctx, t)
		}
		if lead = <-t.wake; !lead {
			return
		}
	}
}

// lead runs one batch of the queued jobs and hands the turn to a job still
// queued, or gives it up.
func (c *coalescer[J]) lead(ctx context.Context, self *turn[J]) {
	c.mu.Lock()
	self.handed = false // the turn it was handed is being taken now
	batch := make([]*turn[J], 0, min(len(c.pending), c.maxBatch))
	rest := c.pending[:0]
	for _, t := range c.pending {
		if len(batch) < c.maxBatch && !c.holds(batch, t) {
			batch = append(batch, t)
		} else {
			rest = append(rest, t)
		}
	}
	clear(c.pending[len(rest):])
	c.pending = rest
	c.mu.Unlock()
	if len(batch) > 0 {
		jobs := make([]*J, len(batch))
		for i, t := range batch {
			jobs[i] = t.job
		}
		c.run(context.WithoutCancel(ctx), jobs)
		for _, t := range batch {
			t.wake <- false // a turn handed to t was sent while it was queued, so before this
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, t := range c.pending {
		if !t.handed {
			t.handed = true
			t.wake <- true // buffered: a job gets one turn at a time and one "done"
			return
		}
	}
	// Every queued job, if any, already has a turn coming.
	c.running--
}

func (c *coalescer[J]) holds(batch []*turn[J], t *turn[J]) bool {
	if c.same == nil {
		return false
	}
	for _, b := range batch {
		if c.same(b.job, t.job) {
			return true
		}
	}
	return false
}
