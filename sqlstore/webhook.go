package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/telcoops/crm"
)

var _ crm.WebhookService = (*Webhooks)(nil)

const webhookColumns = "id, org_id, url, event_types, secret, created_at, deleted_at, version"

// deletedHolder holds a deleted subscription's lease for ever: no worker
// can take it again, and one still delivering is refused its next write.
const deletedHolder = "(deleted)"

// foreverStamp is the expiry of a deleted subscription's lease.
var foreverStamp = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// webhookView is a subscription as events show it: never with its secret.
type webhookView struct {
	ID         string    `json:"id"`
	URL        string    `json:"url"`
	EventTypes []string  `json:"event_types"`
	CreatedAt  time.Time `json:"created_at"`
}

func viewOf(w *crm.Webhook) webhookView {
	return webhookView{ID: w.ID, URL: w.URL, EventTypes: w.EventTypes, CreatedAt: w.CreatedAt}
}

// CreateWebhook stores a subscription with a new secret. Its cursor starts
// at the end of the feed as numbered now, so it receives the events
// committed from its creation on (its own webhook.created included).
func (s *Webhooks) CreateWebhook(ctx context.Context, org string, n crm.NewWebhook, opts crm.WriteOptions) (*crm.Webhook, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	if _, err := s.sequence(ctx); err != nil {
		return nil, err
	}
	w := &crm.Webhook{ID: newID(), OrgID: org, URL: n.URL, EventTypes: n.EventTypes, Secret: crm.NewWebhookSecret(),
		CreatedAt: s.now(), Version: 1}
	sealed, err := s.seal([]byte(w.Secret), webhookSecrets, w.ID)
	if err != nil {
		return nil, crm.Internal(err)
	}
	err = s.writeKeeping(ctx, org, opts, func() any { return w }, func(t *tx) error {
		types, err := jsonString(w.EventTypes)
		if err != nil {
			return err
		}
		if _, err := t.exec("INSERT INTO webhooks ("+webhookColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			w.ID, org, w.URL, types, sealed, s.dialect.ts(w.CreatedAt), nil, w.Version); err != nil {
			return err
		}
		if _, err := t.exec(`INSERT INTO relay_leases (name, holder, expires_at, cursor)
			VALUES (?, '', ?, (SELECT COALESCE(MAX(feed_seq), 0) FROM events))`,
			crm.WebhookLeaseName(w.ID), s.dialect.ts(time.Unix(0, 0))); err != nil {
			return err
		}
		changes, err := crm.Diff(nil, viewOf(w))
		if err != nil {
			return err
		}
		return t.appendEvent(org, crm.EventWebhookCreated, crm.AggregateWebhook, w.ID, w.Version, viewOf(w), changes)
	})
	if err != nil {
		return nil, err
	}
	return w, nil
}

// ListWebhooks lists the org's subscriptions that are not deleted, oldest
// first, without their secrets.
func (s *Webhooks) ListWebhooks(ctx context.Context, org string) ([]crm.Webhook, error) {
	return s.queryWebhooks(ctx, false, "SELECT "+webhookColumns+" FROM webhooks WHERE org_id = ? AND deleted_at IS NULL ORDER BY created_at, id", org)
}

// GetWebhook returns a subscription of the org that is not deleted,
// without its secret.
func (s *Webhooks) GetWebhook(ctx context.Context, org, id string) (*crm.Webhook, error) {
	return scanWebhook(s.read.QueryRowContext(ctx, s.dialect.q("SELECT "+webhookColumns+
		" FROM webhooks WHERE id = ? AND org_id = ? AND deleted_at IS NULL"), id, org))
}

// DeleteWebhook marks the subscription deleted and takes its lease away
// from any worker, in one transaction.
func (s *Webhooks) DeleteWebhook(ctx context.Context, org, id string, opts crm.WriteOptions) error {
	return s.write(ctx, org, opts, func(t *tx) error {
		w, err := t.lockWebhook(org, id)
		if err != nil {
			return err
		}
		if err := t.checkVersion(w.Version); err != nil {
			return err
		}
		now := s.now()
		w.DeletedAt, w.Version = &now, w.Version+1
		if _, err := t.exec("UPDATE webhooks SET deleted_at = ?, version = ? WHERE id = ?", s.dialect.ts(now), w.Version, id); err != nil {
			return err
		}
		if _, err := t.exec("UPDATE relay_leases SET holder = ?, expires_at = ? WHERE name = ?",
			deletedHolder, s.dialect.ts(foreverStamp), crm.WebhookLeaseName(id)); err != nil {
			return err
		}
		changes, err := crm.Diff(map[string]any{"deleted_at": nil}, map[string]any{"deleted_at": now})
		if err != nil {
			return err
		}
		return t.appendEvent(org, crm.EventWebhookDeleted, crm.AggregateWebhook, id, w.Version,
			map[string]any{"id": id, "url": w.URL, "deleted_at": now}, changes)
	})
}

// lockWebhook reads a live subscription of the org, locking its row.
func (t *tx) lockWebhook(org, id string) (*crm.Webhook, error) {
	return scanWebhook(t.queryRow("SELECT "+webhookColumns+" FROM webhooks WHERE id = ? AND org_id = ? AND deleted_at IS NULL"+
		t.db.dialect.forUpdate, id, org))
}

// bumpWebhook moves the subscription's version for a change to what it
// owns, so that its events stay in sequence.
func (t *tx) bumpWebhook(w *crm.Webhook, eventType string, data any, changes map[string]crm.Change) error {
	w.Version++
	if _, err := t.exec("UPDATE webhooks SET version = ? WHERE id = ?", w.Version, w.ID); err != nil {
		return err
	}
	return t.appendEvent(w.OrgID, eventType, crm.AggregateWebhook, w.ID, w.Version, data, changes)
}

// queryWebhooks reads subscriptions; their secrets, unsealed, only when
// withSecrets.
func (db *database) queryWebhooks(ctx context.Context, withSecrets bool, query string, args ...any) ([]crm.Webhook, error) {
	rows, err := db.read.QueryContext(ctx, db.dialect.q(query), args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []crm.Webhook{}
	for rows.Next() {
		w, stored, err := scanWebhookSecret(rows)
		if err != nil {
			return nil, err
		}
		if withSecrets {
			secret, err := db.unseal(stored, webhookSecrets, w.ID)
			if err != nil {
				return nil, crm.Internal(err)
			}
			w.Secret = string(secret)
		}
		out = append(out, *w)
	}
	return out, translate(rows.Err())
}

// scanWebhook reads a subscription without its secret.
func scanWebhook(row rowScanner) (*crm.Webhook, error) {
	w, _, err := scanWebhookSecret(row)
	return w, err
}

// scanWebhookSecret reads a subscription and its secret as stored.
func scanWebhookSecret(row rowScanner) (*crm.Webhook, string, error) {
	var w crm.Webhook
	var types, secret string
	err := row.Scan(&w.ID, &w.OrgID, &w.URL, &types, &secret, timeScan{&w.CreatedAt}, nullTimeScan{&w.DeletedAt}, &w.Version)
	if err == sql.ErrNoRows {
		return nil, "", crm.Errorf(crm.ENOTFOUND, "webhook not found")
	}
	if err != nil {
		return nil, "", translate(err)
	}
	if err := json.Unmarshal([]byte(types), &w.EventTypes); err != nil {
		return nil, "", crm.Internal(err)
	}
	return &w, secret, nil
}
