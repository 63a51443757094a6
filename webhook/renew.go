package webhook

import (
	"context"
	"time"

	"github.com/telcoops/crm"
)

// postLeased posts while renewing the lease every third of its period, so
// that the lease need not outlast the delivery timeout and another process
// takes over a dead one's subscriptions one lease period after, however
// long deliveries may take. A renewal that fails (crm.ErrLeaseLost, say)
// cuts the delivery short and is returned as leaseErr: the worker must not
// go on delivering without the lease.
func (w *worker) postLeased(ctx context.Context, e crm.Event, body []byte) (postErr, leaseErr error) {
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		renewals int
		err      error
	}
	done := make(chan result, 1)
	// The worker's fields are not written while post runs, so the renewer
	// may read the cursor.
	cursor := w.cursor
	go func() {
		var r result
		for wait(pctx, max(w.lease.TTL/3, time.Millisecond)) {
			if err := w.store.CommitCursor(ctx, w.lease.Name, w.lease.Holder, cursor, w.lease.TTL); err != nil {
				r.err = err
				cancel()
				break
			}
			r.renewals++
		}
		done <- r
	}()
	postErr = w.post(pctx, e, body)
	cancel()
	r := <-done
	if r.renewals > 0 {
		w.renewedAt = w.cfg.Clock()
	}
	return postErr, r.err
}

// failureReason is the metrics label of a failed attempt, for the logs.
func failureReason(err error) string {
	if de, ok := err.(*deliveryError); ok {
		return de.reason
	}
	return reasonNetwork
}
