package httpapi_test

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
)

const hooks = base + "/webhooks"

type webhookBody struct {
	ID         string   `json:"id"`
	URL        string   `json:"url"`
	EventTypes []string `json:"event_types"`
	CreatedAt  string   `json:"created_at"`
	Secret     *string  `json:"secret"`
}

func (e *env) webhook(t *testing.T, types ...string) webhookBody {
	t.Helper()
	r := e.do("POST", hooks, e.admin, map[string]any{"url": "https://hooks.example.com/crm", "event_types": types})
	wantStatus(t, r, http.StatusCreated)
	var w webhookBody
	r.json(t, &w)
	return w
}

func TestWebhookSubscriptions(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		body := map[string]any{"url": "https://hooks.example.com/crm", "event_types": []string{"customer.created", "account.created"}}
		r := e.do("POST", hooks, e.admin, body, "Idempotency-Key", "hook-1")
		wantStatus(t, r, http.StatusCreated)
		var w webhookBody
		r.json(t, &w)
		if w.Secret == nil || !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(*w.Secret) || r.Header.Get("Location") != hooks+"/"+w.ID {
			t.Fatalf("created %s (Location %q)", r.Body, r.Header.Get("Location"))
		}
		again := e.do("POST", hooks, e.admin, body, "Idempotency-Key", "hook-1")
		if again.Header.Get("Idempotency-Replayed") != "true" || string(again.Body) != string(r.Body) {
			t.Errorf("idempotent replay %d %s", again.Status, again.Body)
		}

		// Listed and read without the secret.
		r = e.do("GET", hooks, e.admin, nil)
		wantStatus(t, r, http.StatusOK)
		if strings.Contains(string(r.Body), *w.Secret) || strings.Contains(string(r.Body), `"secret"`) {
			t.Errorf("the list shows the secret: %s", r.Body)
		}
		var list struct{ Webhooks []webhookBody }
		r.json(t, &list)
		want := w
		want.Secret = nil
		if diff := cmp.Diff([]webhookBody{want}, list.Webhooks); diff != "" {
			t.Errorf("list (-want +got):\n%s", diff)
		}
		r = e.do("GET", hooks+"/"+w.ID, e.admin, nil)
		wantStatus(t, r, http.StatusOK)
		var got webhookBody
		r.json(t, &got)
		if diff := cmp.Diff(want, got); diff != "" || r.Header.Get("ETag") != `"1"` {
			t.Errorf("get (-want +got):\n%s\nETag %s", diff, r.Header.Get("ETag"))
		}

		// Admin only, per org, UUIDs.
		wantStatus(t, e.do("GET", hooks, e.reader, nil), http.StatusForbidden)
		wantStatus(t, e.do("POST", hooks, e.key("telco", crm.RoleCustomersWrite, crm.RoleEventsRead), body), http.StatusForbidden)
		wantStatus(t, e.do("GET", hooks, e.otherOrg, nil), http.StatusForbidden)
		wantStatus(t, e.do("GET", "/v4/orgs/other/webhooks/"+w.ID, e.otherOrg, nil), http.StatusNotFound)
		wantStatus(t, e.do("GET", hooks+"/nope", e.admin, nil), http.StatusBadRequest)
		wantStatus(t, e.do("GET", hooks+"/0198a0f1-4567-7d43-ab00-000000000001", e.admin, nil), http.StatusNotFound)
		wantStatus(t, e.do("PATCH", hooks+"/"+w.ID, e.admin, `{}`), http.StatusMethodNotAllowed)

		// Delete: If-Match, then gone; its events never carry the secret.
		wantStatus(t, e.do("DELETE", hooks+"/"+w.ID, e.admin, nil, "If-Match", `"9"`), http.StatusPreconditionFailed)
		wantStatus(t, e.do("DELETE", hooks+"/"+w.ID, e.admin, nil, "If-Match", `"1"`), http.StatusNoContent)
		wantStatus(t, e.do("GET", hooks+"/"+w.ID, e.admin, nil), http.StatusNotFound)
		wantStatus(t, e.do("DELETE", hooks+"/"+w.ID, e.admin, nil), http.StatusNotFound)
		r = e.do("GET", base+"/events", e.admin, nil)
		var feed struct{ Events []crm.Event }
		r.json(t, &feed)
		var types []string
		for _, ev := range feed.Events {
			types = append(types, ev.Type)
		}
		if diff := cmp.Diff([]string{crm.EventWebhookCreated, crm.EventWebhookDeleted}, types); diff != "" || strings.Contains(string(r.Body), *w.Secret) {
			t.Errorf("events (-want +got):\n%s\n%s", diff, r.Body)
		}
	})
}

func TestWebhookBadInputIs400NamingTheField(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		for body, field := range map[string]string{
			`{"url":"ftp://h.example/x","event_types":["*"]}`:                       "url: must be an absolute URL with scheme http or https",
			`{"url":"https://u:p@h.example","event_types":["*"]}`:                   "url: must not carry credentials",
			`{"event_types":["*"]}`:                                                 "url: is required",
			`{"url":"https://h.example"}`:                                           "event_types: is required",
			`{"url":"https://h.example","event_types":[]}`:                          "event_types: must list at least one",
			`{"url":"https://h.example","event_types":["customer.exploded"]}`:       `event_types[0]: "customer.exploded" is not a known event type`,
			`{"url":"https://h.example","event_types":["*","customer.created"]}`:    `event_types[0]: "*" already subscribes`,
			`{"url":"https://h.example","event_types":"*"}`:                         "event_types: must be an array",
			`{"url":"https://h.example","event_types":["*"],"secret":"mine"}`:       "secret: unknown field",
			`{"url":42,"event_types":["*"]}`:                                        "url: must be a string",
			`{"url":"https://h.example","event_types":["customer.created",null,1]}`: "event_types[2]: must be a string",
		} {
			r := e.do("POST", hooks, e.admin, body)
			wantStatus(t, r, http.StatusBadRequest)
			if !strings.Contains(r.details(t), field) {
				t.Errorf("%s: %s, want %q", body, r.details(t), field)
			}
		}
		var list struct{ Webhooks []webhookBody }
		e.do("GET", hooks, e.admin, nil).json(t, &list)
		if len(list.Webhooks) != 0 {
			t.Errorf("rejected requests created %v", list.Webhooks)
		}
	})
}

func TestWebhookDeadLettersAPI(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		w := e.webhook(t, "customer.created")
		other := e.webhook(t, "*")
		cid := e.customer(t)
		ctx := context.Background()
		evs, _ := e.db.Outbox.Events(ctx, "telco", 0, 0)
		ev := evs[len(evs)-1]
		lease := crm.WebhookLease{Name: crm.WebhookLeaseName(w.ID), Holder: "test", TTL: time.Minute}
		if _, ok, err := e.db.Outbox.AcquireLease(ctx, lease.Name, lease.Holder, lease.TTL); !ok || err != nil {
			t.Fatal(ok, err)
		}
		if err := e.db.WebhookDeliveries.DeadLetterWebhookEvent(ctx, lease, crm.WebhookDeadLetter{WebhookID: w.ID, Event: ev, Attempts: 3,
			FirstAttemptAt: e.clock.Now(), LastAttemptAt: e.clock.Now(), LastError: "answered HTTP 503"}); err != nil {
			t.Fatal(err)
		}

		dlPath := hooks + "/" + w.ID + "/dead-letters"
		r := e.do("GET", dlPath, e.admin, nil)
		wantStatus(t, r, http.StatusOK)
		var page struct {
			DeadLetters []struct {
				ID     string    `json:"id"`
				Status string    `json:"status"`
				Event  crm.Event `json:"event"`
			} `json:"dead_letters"`
			NextCursor string `json:"next_cursor"`
		}
		r.json(t, &page)
		if len(page.DeadLetters) != 1 || page.DeadLetters[0].Event.AggregateID != cid || page.DeadLetters[0].Event.ID != ev.ID {
			t.Fatalf("dead letters %s", r.Body)
		}
		dl := page.DeadLetters[0].ID
		e.do("GET", dlPath+"?after="+page.NextCursor, e.admin, nil).json(t, &page)
		if len(page.DeadLetters) != 0 {
			t.Errorf("page after the last: %+v", page)
		}
		for _, q := range []string{"status=GONE", "after=x", "after=1", "limit=0", "limit=1001", "cursor=1"} {
			wantStatus(t, e.do("GET", dlPath+"?"+q, e.admin, nil), http.StatusBadRequest)
		}
		wantStatus(t, e.do("GET", hooks+"/"+other.ID+"/dead-letters?status=DEAD&limit=5", e.admin, nil), http.StatusOK)
		wantStatus(t, e.do("GET", dlPath, e.reader, nil), http.StatusForbidden)

		// Replay: 202 once, then 409; only through its own subscription.
		wantStatus(t, e.do("POST", hooks+"/"+other.ID+"/dead-letters/"+dl+"/replay", e.admin, nil), http.StatusNotFound)
		wantStatus(t, e.do("POST", dlPath+"/nope/replay", e.admin, nil), http.StatusBadRequest)
		r = e.do("POST", dlPath+"/"+dl+"/replay", e.admin, nil)
		wantStatus(t, r, http.StatusAccepted)
		var replayed map[string]any
		r.json(t, &replayed)
		if replayed["status"] != crm.DeadLetterReplayPending || replayed["replay_requested_at"] == nil {
			t.Errorf("replay answer %s", r.Body)
		}
		wantStatus(t, e.do("POST", dlPath+"/"+dl+"/replay", e.admin, nil), http.StatusConflict)
		r = e.do("GET", dlPath+"?status=REPLAY_PENDING", e.admin, nil)
		r.json(t, &page)
		if len(page.DeadLetters) != 1 {
			t.Errorf("pending replays %s", r.Body)
		}
		wantStatus(t, e.do("DELETE", hooks+"/"+w.ID, e.admin, nil), http.StatusNoContent)
		wantStatus(t, e.do("GET", dlPath, e.admin, nil), http.StatusNotFound)
	})
}

// TestWebhookEventTypesDocumented keeps the OpenAPI enum of subscribable
// event types equal to the domain's list.
func TestWebhookEventTypesDocumented(t *testing.T) {
	t.Parallel()
	c := loadContract(t)
	s := c.doc.Components.Schemas["WebhookEventType"]
	if s == nil {
		t.Fatal("no WebhookEventType schema")
	}
	var got []string
	for _, v := range s.Value.Enum {
		got = append(got, v.(string))
	}
	want := append([]string{crm.WebhookAllEvents}, crm.KnownEventTypes()...)
	slices.Sort(got)
	slices.Sort(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("WebhookEventType enum (-crm.KnownEventTypes +v4.yaml):\n%s", diff)
	}
}
