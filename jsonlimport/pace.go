package jsonlimport

import (
	"context"
	"time"
)

// pacer holds an import to at most rate lines a second, so that a service
// running on the same database keeps most of it while an operator
// migrates without a maintenance window. A batch of n lines may start
// n/rate after the previous one did; a batch that took longer than that
// is not made up for by a burst after it. With no rate it never waits.
type pacer struct {
	rate  float64
	now   func() time.Time
	sleep func(context.Context, time.Duration) error
	next  time.Time // when the next batch may start
}

// newPacer paces at rate lines a second (0: not at all) on the wall clock.
func newPacer(rate float64) *pacer {
	return &pacer{rate: rate, now: time.Now, sleep: sleepCtx}
}

// wait returns when a batch of n lines may be written, or with ctx's
// error if it ends first.
func (p *pacer) wait(ctx context.Context, n int) error {
	if p.rate <= 0 {
		return nil
	}
	now := p.now()
	if d := p.next.Sub(now); d > 0 {
		if err := p.sleep(ctx, d); err != nil {
			return err
		}
		now = p.next
	}
	p.next = now.Add(time.Duration(float64(n) / p.rate * float64(time.Second)))
	return nil
}

// sleepCtx sleeps for d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
