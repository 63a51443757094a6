package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/telcoops/crm"
)

// worker delivers one subscription's events while it holds its lease.
type worker struct {
	store workerStore
	cfg   Config
	sub   crm.Webhook
	lease crm.WebhookLease
	// cursor is the committed feed position, valid while the lease is held.
	cursor int64
	// held and renewedAt say whether and when this worker last took or
	// renewed the lease.
	held      bool
	renewedAt time.Time
	log       *slog.Logger
}

// workerStore is the part of the store a worker uses.
type workerStore interface {
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (int64, bool, error)
	CommitCursor(ctx context.Context, name, holder string, cursor int64, ttl time.Duration) error
	ReleaseLease(ctx context.Context, name, holder string) error
	OrgFeedAfter(ctx context.Context, org string, after int64, limit int) ([]crm.Event, error)
	PendingWebhookReplays(ctx context.Context, webhookID string, limit int) ([]crm.WebhookDeadLetter, error)
	WebhookAttempt(ctx context.Context, webhookID string) (*crm.WebhookAttempt, error)
	RecordWebhookAttempt(ctx context.Context, l crm.WebhookLease, a crm.WebhookAttempt) error
	DeadLetterWebhookEvent(ctx context.Context, l crm.WebhookLease, dl crm.WebhookDeadLetter) error
	FinishWebhookReplay(ctx context.Context, l crm.WebhookLease, dl crm.WebhookDeadLetter) error
}

func newWorker(d *Dispatcher, sub crm.Webhook) *worker {
	return &worker{store: detached{d.store}, cfg: d.cfg, sub: sub,
		lease: crm.WebhookLease{Name: crm.WebhookLeaseName(sub.ID), Holder: d.cfg.Holder, TTL: d.cfg.LeaseTTL},
		log:   d.log.With("webhook_id", sub.ID, "org_id", sub.OrgID)}
}

// run delivers until ctx ends, then gives the lease up so another process
// can take over at once.
func (w *worker) run(ctx context.Context) {
	held := false
	defer func() {
		// Unconditionally: a step cut short by ctx may not have said that
		// it holds the lease, and releasing is a no-op for a non-holder.
		w.store.ReleaseLease(ctx, w.lease.Name, w.lease.Holder)
		if held {
			w.cfg.Metrics.leaseHeld(-1)
		}
	}()
	retry := w.cfg.Poll
	for ctx.Err() == nil {
		n, isHeld, err := w.step(ctx)
		if isHeld != held {
			held = isHeld
			if held {
				w.cfg.Metrics.leaseHeld(1)
			} else {
				w.cfg.Metrics.leaseHeld(-1)
			}
			w.log.Info("webhook lease", "held", held)
		}
		pause := w.cfg.Poll
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			w.log.Warn("webhook delivery step failed", "err", err, "retry_in", retry)
			pause, retry = retry, min(retry*2, time.Minute)
		case n > 0:
			pause, retry = 0, w.cfg.Poll // more may be waiting
		default:
			retry = w.cfg.Poll
		}
		if pause > 0 && !wait(ctx, pause) {
			return
		}
	}
}

// step takes or renews the lease, redelivers the replayed dead letters,
// then delivers one batch of the feed. It reports how many items it went
// through and whether it still holds the lease.
func (w *worker) step(ctx context.Context) (int, bool, error) {
	// Renewing on every poll would make each idle subscription a write per
	// poll; a third of the lease period is often enough, since every batch
	// is fenced before it is sent (see deliverBatch).
	if !w.held || !w.cfg.Clock().Before(w.renewedAt.Add(w.lease.TTL/3)) {
		cursor, ok, err := w.store.AcquireLease(ctx, w.lease.Name, w.lease.Holder, w.lease.TTL)
		if err != nil || !ok {
			w.held = false
			return 0, false, err
		}
		w.cursor, w.held, w.renewedAt = cursor, true, w.cfg.Clock()
	}
	n, err := w.deliverBatch(ctx)
	if errors.Is(err, crm.ErrLeaseLost) {
		w.held = false
		w.log.Warn("webhook lease lost to another holder, or the subscription was deleted")
		return n, false, nil
	}
	return n, true, err
}

func (w *worker) deliverBatch(ctx context.Context) (int, error) {
	replays, err := w.store.PendingWebhookReplays(ctx, w.sub.ID, w.cfg.Batch)
	if err != nil {
		return 0, err
	}
	if len(replays) > 0 {
		if err := w.commit(ctx, w.cursor); err != nil {
			return 0, err
		}
	}
	for i, dl := range replays {
		if err := w.replay(ctx, dl); err != nil {
			return i, err
		}
	}
	evs, err := w.store.OrgFeedAfter(ctx, w.sub.OrgID, w.cursor, w.cfg.Batch)
	if err != nil {
		return len(replays), err
	}
	// Renewing after the read fences the batch: had the subscription been
	// deleted (or the lease taken) before, nothing of it is sent, so no
	// event committed after a delete is ever delivered.
	if slices.ContainsFunc(evs, func(e crm.Event) bool { return w.sub.Wants(e.Type) }) {
		if err := w.commit(ctx, w.cursor); err != nil {
			return len(replays), err
		}
	}
	for i, e := range evs {
		// Events of other types are passed over; the next commit moves the
		// cursor past them.
		if !w.sub.Wants(e.Type) {
			continue
		}
		if err := w.send(ctx, e); err != nil {
			return len(replays) + i, err
		}
	}
	if n := len(evs); n > 0 && evs[n-1].Position > w.cursor {
		if err := w.commit(ctx, evs[n-1].Position); err != nil {
			return len(replays) + n, err
		}
	}
	return len(replays) + len(evs), nil
}

// send delivers a feed event, or dead-letters it once it is too old, and
// moves the cursor past it.
func (w *worker) send(ctx context.Context, e crm.Event) error {
	r, err := w.deliver(ctx, e.ID, e, "feed")
	if err != nil {
		return err
	}
	if r.delivered {
		return w.commit(ctx, e.Position)
	}
	dl := crm.WebhookDeadLetter{WebhookID: w.sub.ID, OrgID: w.sub.OrgID, Event: e, Attempts: r.Attempts,
		FirstAttemptAt: r.FirstAttemptAt, LastAttemptAt: r.LastAttemptAt, LastError: r.LastError}
	if err := w.store.DeadLetterWebhookEvent(ctx, w.lease, dl); err != nil {
		return err
	}
	w.cursor = e.Position
	w.cfg.Metrics.deadLetter()
	w.log.Warn("webhook event dead-lettered", "event_id", e.ID, "event_type", e.Type, "attempts", r.Attempts, "last_error", r.LastError)
	return nil
}

// replay redelivers a replayed dead letter and records the outcome.
func (w *worker) replay(ctx context.Context, dl crm.WebhookDeadLetter) error {
	r, err := w.deliver(ctx, dl.ID, dl.Event, "replay")
	if err != nil {
		return err
	}
	dl.Attempts += r.Attempts
	dl.LastAttemptAt = r.LastAttemptAt
	if r.LastError != "" {
		dl.LastError = r.LastError
	}
	dl.Status = crm.DeadLetterRedelivered
	if !r.delivered {
		dl.Status = crm.DeadLetterDead
		w.cfg.Metrics.deadLetter()
		w.log.Warn("webhook replay dead-lettered again", "dead_letter_id", dl.ID, "event_id", dl.Event.ID, "last_error", r.LastError)
	}
	return w.store.FinishWebhookReplay(ctx, w.lease, dl)
}

// outcome is how a delivery ended: delivered, or past the maximum age.
type outcome struct {
	delivered bool
	crm.WebhookAttempt
}

// deliver POSTs e until the endpoint accepts it or the maximum age since
// the first attempt has passed, waiting with backoff between attempts. The
// retry state is stored, so a process taking over goes on counting from
// the same first attempt. Errors are the lease's, the store's or ctx's.
func (w *worker) deliver(ctx context.Context, itemID string, e crm.Event, kind string) (outcome, error) {
	body, err := json.Marshal(e)
	if err != nil {
		return outcome{}, crm.Internal(err)
	}
	a := crm.WebhookAttempt{WebhookID: w.sub.ID, ItemID: itemID}
	if prev, err := w.store.WebhookAttempt(ctx, w.sub.ID); err != nil {
		return outcome{}, err
	} else if prev != nil && prev.ItemID == itemID {
		a = *prev
	}
	for {
		start := w.cfg.Clock()
		a.Attempts++
		err, leaseErr := w.postLeased(ctx, e, body)
		if leaseErr != nil {
			return outcome{}, leaseErr
		}
		w.cfg.Metrics.attempt(w.cfg.Clock().Sub(start), kind, err)
		a.LastAttemptAt = start
		if err == nil {
			// Even when stopping: recording it spares the next holder a
			// duplicate.
			return outcome{true, a}, nil
		}
		if ctx.Err() != nil {
			return outcome{}, ctx.Err()
		}
		if a.FirstAttemptAt.IsZero() {
			a.FirstAttemptAt = start
		}
		a.LastError = err.Error()
		deadline := a.FirstAttemptAt.Add(w.cfg.MaxAge)
		now := w.cfg.Clock()
		if !now.Before(deadline) {
			return outcome{false, a}, nil
		}
		if err := w.store.RecordWebhookAttempt(ctx, w.lease, a); err != nil {
			return outcome{}, err
		}
		// The last retry happens at the deadline, not a backoff after it.
		pause := min(w.backoff(a.Attempts), deadline.Sub(now))
		w.log.Info("webhook delivery failed", "event_id", e.ID, "attempt", a.Attempts, "err", a.LastError,
			"reason", failureReason(err), "retry_in", pause)
		if err := w.pause(ctx, pause); err != nil {
			return outcome{}, err
		}
	}
}

// backoff is the wait after the n-th failed attempt: full jitter, uniform
// in [0, min(cap, base·2^(n-1))].
func (w *worker) backoff(n int) time.Duration {
	ceiling := w.cfg.BackoffBase
	for i := 1; i < n && ceiling < w.cfg.BackoffCap; i++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, w.cfg.BackoffCap)
	return rand.N(ceiling + 1)
}

// pause waits d through Config.Sleep, renewing the lease at least three
// times per lease period so that no other process takes over meanwhile.
func (w *worker) pause(ctx context.Context, d time.Duration) error {
	for d > 0 {
		chunk := min(d, w.lease.TTL/3)
		if err := w.cfg.Sleep(ctx, chunk); err != nil {
			return err
		}
		d -= chunk
		if err := w.commit(ctx, w.cursor); err != nil {
			return err
		}
	}
	return nil
}

// commit records progress up to position and renews the lease.
func (w *worker) commit(ctx context.Context, position int64) error {
	if err := w.store.CommitCursor(ctx, w.lease.Name, w.lease.Holder, position, w.lease.TTL); err != nil {
		return err
	}
	w.cursor, w.renewedAt = position, w.cfg.Clock()
	return nil
}
