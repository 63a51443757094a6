package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/telcoops/crm"
)

var _ crm.WebhookDeliveryStore = (*WebhookDeliveries)(nil)

// ActiveWebhooks lists every org's subscriptions that are not deleted,
// secrets included, for the dispatcher.
func (s *WebhookDeliveries) ActiveWebhooks(ctx context.Context) ([]crm.Webhook, error) {
	return s.queryWebhooks(ctx, true, "SELECT "+webhookColumns+" FROM webhooks WHERE deleted_at IS NULL ORDER BY created_at, id")
}

// OrgFeedAfter returns up to limit of org's numbered events after the
// cursor, in feed order, without numbering new ones.
func (s *WebhookDeliveries) OrgFeedAfter(ctx context.Context, org string, after int64, limit int) ([]crm.Event, error) {
	return s.queryEvents(ctx, `SELECT `+eventColumns+` FROM events
		WHERE org_id = ? AND feed_seq IS NOT NULL AND feed_seq > ? ORDER BY feed_seq LIMIT ?`, org, after, pageSize(limit))
}

// PendingWebhookReplays lists a subscription's dead letters waiting to be
// redelivered, in feed order.
func (s *WebhookDeliveries) PendingWebhookReplays(ctx context.Context, webhookID string, limit int) ([]crm.WebhookDeadLetter, error) {
	return s.queryDeadLetters(ctx, "SELECT "+deadLetterColumns+` FROM webhook_dead_letters
		WHERE webhook_id = ? AND status = ? ORDER BY event_position LIMIT ?`, webhookID, crm.DeadLetterReplayPending, pageSize(limit))
}

// WebhookAttempt returns the retry state of the subscription's current
// delivery, or nil.
func (s *WebhookDeliveries) WebhookAttempt(ctx context.Context, webhookID string) (*crm.WebhookAttempt, error) {
	a := crm.WebhookAttempt{WebhookID: webhookID}
	err := s.read.QueryRowContext(ctx, s.dialect.q(`SELECT item_id, attempts, first_attempt_at, last_attempt_at, last_error
		FROM webhook_attempts WHERE webhook_id = ?`), webhookID).
		Scan(&a.ItemID, &a.Attempts, timeScan{&a.FirstAttemptAt}, timeScan{&a.LastAttemptAt}, &a.LastError)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, translate(err)
	}
	return &a, nil
}

// RecordWebhookAttempt stores a failed attempt, renewing the lease.
func (s *WebhookDeliveries) RecordWebhookAttempt(ctx context.Context, l crm.WebhookLease, a crm.WebhookAttempt) error {
	return s.fenced(ctx, l, nil, func(t *tx) error {
		_, err := t.exec(`INSERT INTO webhook_attempts (webhook_id, item_id, attempts, first_attempt_at, last_attempt_at, last_error)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (webhook_id) DO UPDATE SET item_id = excluded.item_id, attempts = excluded.attempts,
				first_attempt_at = excluded.first_attempt_at, last_attempt_at = excluded.last_attempt_at,
				last_error = excluded.last_error`,
			a.WebhookID, a.ItemID, a.Attempts, s.dialect.ts(a.FirstAttemptAt), s.dialect.ts(a.LastAttemptAt), a.LastError)
		return err
	})
}

// DeadLetterWebhookEvent stores the dead letter and moves the cursor past
// its event in one transaction, so a takeover neither loses the event nor
// dead-letters it twice.
func (s *WebhookDeliveries) DeadLetterWebhookEvent(ctx context.Context, l crm.WebhookLease, dl crm.WebhookDeadLetter) error {
	body, err := json.Marshal(dl.Event)
	if err != nil {
		return crm.Internal(err)
	}
	cursor := dl.Event.Position
	return s.fenced(ctx, l, &cursor, func(t *tx) error {
		_, err := t.exec(`INSERT INTO webhook_dead_letters (id, org_id, webhook_id, event_id, event_position, event, status,
				attempts, first_attempt_at, last_attempt_at, last_error, dead_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (webhook_id, event_id) DO NOTHING`,
			newID(), dl.Event.OrgID, dl.WebhookID, dl.Event.ID, dl.Event.Position, string(body), crm.DeadLetterDead,
			dl.Attempts, s.dialect.ts(dl.FirstAttemptAt), s.dialect.ts(dl.LastAttemptAt), dl.LastError, s.dialect.ts(s.now()))
		if err != nil {
			return err
		}
		_, err = t.exec("DELETE FROM webhook_attempts WHERE webhook_id = ?", dl.WebhookID)
		return err
	})
}

// FinishWebhookReplay records the outcome of a replay: REDELIVERED, or
// DEAD again with the attempts added up.
func (s *WebhookDeliveries) FinishWebhookReplay(ctx context.Context, l crm.WebhookLease, dl crm.WebhookDeadLetter) error {
	return s.fenced(ctx, l, nil, func(t *tx) error {
		now := s.now()
		var redelivered any
		deadAt := dl.DeadAt
		if dl.Status == crm.DeadLetterRedelivered {
			redelivered = s.dialect.ts(now)
		} else {
			deadAt = now
		}
		_, err := t.exec(`UPDATE webhook_dead_letters SET status = ?, attempts = ?, last_attempt_at = ?, last_error = ?,
				dead_at = ?, redelivered_at = ?
			WHERE id = ? AND status = ?`,
			dl.Status, dl.Attempts, s.dialect.ts(dl.LastAttemptAt), dl.LastError, s.dialect.ts(deadAt), redelivered,
			dl.ID, crm.DeadLetterReplayPending)
		if err != nil {
			return err
		}
		_, err = t.exec("DELETE FROM webhook_attempts WHERE webhook_id = ?", dl.WebhookID)
		return err
	})
}

// fenced runs fn in a transaction that first renews the lease (and moves
// the cursor, if given), only while l.Holder still holds it.
func (db *database) fenced(ctx context.Context, l crm.WebhookLease, cursor *int64, fn func(t *tx) error) error {
	lost := false
	err := db.write(ctx, "", crm.WriteOptions{}, func(t *tx) error {
		now := db.now()
		set, args := "expires_at = ?", []any{db.dialect.ts(now.Add(l.TTL))}
		if cursor != nil {
			set, args = set+", cursor = ?", append(args, *cursor)
		}
		res, err := t.exec("UPDATE relay_leases SET "+set+" WHERE name = ? AND holder = ? AND expires_at >= ?",
			append(args, l.Name, l.Holder, db.dialect.ts(now))...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			lost = true
			return crm.ErrLeaseLost
		}
		return fn(t)
	})
	if lost {
		return crm.ErrLeaseLost
	}
	return err
}
