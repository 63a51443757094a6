package webhook

import (
	"context"
	"time"

	"github.com/telcoops/crm"
)

// storeTimeout bounds each store call of a worker.
const storeTimeout = 30 * time.Second

// detached runs a worker's store calls to completion even when the worker
// is being stopped. A statement abandoned when its context is cancelled may
// still run on the server after the worker has released its lease, renew
// the lease for the dead worker and keep every other process out for a
// lease period. Each call is bounded by storeTimeout instead.
type detached struct{ s crm.WebhookDeliveryStore }

func detach(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
}

func (d detached) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (int64, bool, error) {
	ctx, cancel := detach(ctx)
	defer cancel()
	return d.s.AcquireLease(ctx, name, holder, ttl)
}

func (d detached) CommitCursor(ctx context.Context, name, holder string, cursor int64, ttl time.Duration) error {
	ctx, cancel := detach(ctx)
	defer cancel()
	return d.s.CommitCursor(ctx, name, holder, cursor, ttl)
}

func (d detached) ReleaseLease(ctx context.Context, name, holder string) error {
	ctx, cancel := detach(ctx)
	defer cancel()
	return d.s.ReleaseLease(ctx, name, holder)
}

func (d detached) OrgFeedAfter(ctx context.Context, org string, after int64, limit int) ([]crm.Event, error) {
	ctx, cancel := detach(ctx)
	defer cancel()
	return d.s.OrgFeedAfter(ctx, org, after, limit)
}

func (d detached) PendingWebhookReplays(ctx context.Context, webhookID string, limit int) ([]crm.WebhookDeadLetter, error) {
	ctx, cancel := detach(ctx)
	defer cancel()
	return d.s.PendingWebhookReplays(ctx, webhookID, limit)
}

func (d detached) WebhookAttempt(ctx context.Context, webhookID string) (*crm.WebhookAttempt, error) {
	ctx, cancel := detach(ctx)
	defer cancel()
	return d.s.WebhookAttempt(ctx, webhookID)
}

func (d detached) RecordWebhookAttempt(ctx context.Context, l crm.WebhookLease, a crm.WebhookAttempt) error {
	ctx, cancel := detach(ctx)
	defer cancel()
	return d.s.RecordWebhookAttempt(ctx, l, a)
}

func (d detached) DeadLetterWebhookEvent(ctx context.Context, l crm.WebhookLease, dl crm.WebhookDeadLetter) error {
	ctx, cancel := detach(ctx)
	defer cancel()
	return d.s.DeadLetterWebhookEvent(ctx, l, dl)
}

func (d detached) FinishWebhookReplay(ctx context.Context, l crm.WebhookLease, dl crm.WebhookDeadLetter) error {
	ctx, cancel := detach(ctx)
	defer cancel()
	return d.s.FinishWebhookReplay(ctx, l, dl)
}
