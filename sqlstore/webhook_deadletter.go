package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/telcoops/crm"
)

const deadLetterColumns = `id, org_id, webhook_id, event, event_position, status, attempts, first_attempt_at, last_attempt_at,
	last_error, dead_at, replay_requested_at, redelivered_at`

// deadLetterView is a dead letter as the replay event shows it: without
// the event body, which is already in the feed.
type deadLetterView struct {
	ID                string     `json:"id"`
	WebhookID         string     `json:"webhook_id"`
	EventID           string     `json:"event_id"`
	EventType         string     `json:"event_type"`
	Status            string     `json:"status"`
	Attempts          int        `json:"attempts"`
	DeadAt            time.Time  `json:"dead_at"`
	ReplayRequestedAt *time.Time `json:"replay_requested_at"`
}

// ListWebhookDeadLetters pages through a live subscription's dead letters
// in feed order.
func (s *Webhooks) ListWebhookDeadLetters(ctx context.Context, org, id string, f crm.WebhookDeadLetterFilter) ([]crm.WebhookDeadLetter, error) {
	if _, err := s.GetWebhook(ctx, org, id); err != nil {
		return nil, err
	}
	query := "SELECT " + deadLetterColumns + " FROM webhook_dead_letters WHERE webhook_id = ? AND event_position > ?"
	args := []any{id, f.After}
	if f.Status != "" {
		query += " AND status = ?"
		args = append(args, f.Status)
	}
	return s.queryDeadLetters(ctx, query+" ORDER BY event_position LIMIT ?", append(args, pageSize(f.Limit))...)
}

// ReplayWebhookDeadLetter queues a DEAD letter for redelivery; the
// subscription's worker sends it before going on with the feed.
func (s *Webhooks) ReplayWebhookDeadLetter(ctx context.Context, org, id, deadLetterID string, opts crm.WriteOptions) (*crm.WebhookDeadLetter, error) {
	var dl *crm.WebhookDeadLetter
	err := s.writeKeeping(ctx, org, opts, func() any { return dl }, func(t *tx) error {
		w, err := t.lockWebhook(org, id)
		if err != nil {
			return err
		}
		dl, err = scanDeadLetter(t.queryRow("SELECT "+deadLetterColumns+" FROM webhook_dead_letters WHERE id = ? AND webhook_id = ?", deadLetterID, id))
		if err != nil {
			return err
		}
		if dl.Status != crm.DeadLetterDead {
			return crm.Errorf(crm.ESTATE, "the dead letter is %s; only a DEAD one can be replayed", dl.Status)
		}
		now := s.now()
		dl.Status, dl.ReplayRequestedAt = crm.DeadLetterReplayPending, &now
		if _, err := t.exec("UPDATE webhook_dead_letters SET status = ?, replay_requested_at = ? WHERE id = ?",
			dl.Status, s.dialect.ts(now), dl.ID); err != nil {
			return err
		}
		path := "dead_letters." + dl.ID + ".status"
		changes := map[string]crm.Change{path: {Before: json.RawMessage(`"` + crm.DeadLetterDead + `"`),
			After: json.RawMessage(`"` + crm.DeadLetterReplayPending + `"`)}}
		view := deadLetterView{ID: dl.ID, WebhookID: id, EventID: dl.Event.ID, EventType: dl.Event.Type, Status: dl.Status,
			Attempts: dl.Attempts, DeadAt: dl.DeadAt, ReplayRequestedAt: dl.ReplayRequestedAt}
		return t.bumpWebhook(w, crm.EventWebhookDeadLetterReplayed, view, changes)
	})
	if err != nil {
		return nil, err
	}
	return dl, nil
}

func (db *database) queryDeadLetters(ctx context.Context, query string, args ...any) ([]crm.WebhookDeadLetter, error) {
	rows, err := db.read.QueryContext(ctx, db.dialect.q(query), args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []crm.WebhookDeadLetter{}
	for rows.Next() {
		dl, err := scanDeadLetter(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *dl)
	}
	return out, translate(rows.Err())
}

func scanDeadLetter(row rowScanner) (*crm.WebhookDeadLetter, error) {
	var dl crm.WebhookDeadLetter
	var event string
	var position int64
	err := row.Scan(&dl.ID, &dl.OrgID, &dl.WebhookID, &event, &position, &dl.Status, &dl.Attempts, timeScan{&dl.FirstAttemptAt},
		timeScan{&dl.LastAttemptAt}, &dl.LastError, timeScan{&dl.DeadAt}, nullTimeScan{&dl.ReplayRequestedAt}, nullTimeScan{&dl.RedeliveredAt})
	if err == sql.ErrNoRows {
		return nil, crm.Errorf(crm.ENOTFOUND, "dead letter not found")
	}
	if err != nil {
		return nil, translate(err)
	}
	if err := json.Unmarshal([]byte(event), &dl.Event); err != nil {
		return nil, crm.Internal(err)
	}
	dl.Event.Position = position // not in the event's JSON
	return &dl, nil
}
