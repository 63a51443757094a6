package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
)

// historyPage is a page of a customer's history, its events kept whole.
type historyPage struct {
	Events []json.RawMessage `json:"events"`
	Next   *string           `json:"next_cursor"`
}

// anotherCustomer creates a private customer of its own document n and
// returns its id.
func (e *env) anotherCustomer(t *testing.T, n int) string {
	var c created
	r := e.do("POST", base+"/customers", e.admin, privateWith(t, n, "Other"))
	wantStatus(t, r, http.StatusCreated)
	r.json(t, &c)
	return c.ID
}

// TestCustomerEvents: a customer's history is the feed's events of the
// customer, its accounts and its products, each as the feed gives it,
// newest first, and no other customer's: read in pages of 3 through their
// cursors, the last page's next_cursor null.
func TestCustomerEvents(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		cid, _ := overviewWorld(t, e)
		other := e.anotherCustomer(t, 1)
		for _, id := range []string{cid, other, cid} {
			wantStatus(t, e.do("PATCH", base+"/customers/"+id, e.admin, map[string]any{"preferred_language": "ca"}), http.StatusNoContent)
		}
		e.do("POST", "/v4/orgs/other/customers", e.otherOrg, example(t, "NewPrivateCustomer"))

		// The customer's aggregates, from its overview.
		var o struct {
			Accounts []struct {
				Account struct{ ID string } `json:"account"`
			} `json:"accounts"`
			Products []struct{ ID string } `json:"products"`
		}
		e.do("GET", base+"/customers/"+cid+"/overview", e.admin, nil).json(t, &o)
		mine := map[string]bool{cid: true}
		for _, a := range o.Accounts {
			mine[a.Account.ID] = true
		}
		for _, p := range o.Products {
			mine[p.ID] = true
		}
		var feed historyPage
		e.do("GET", base+"/events?limit=1000", e.admin, nil).json(t, &feed)
		var want []any
		for _, raw := range feed.Events {
			var ev struct {
				AggregateID string `json:"aggregate_id"`
			}
			var v any
			if json.Unmarshal(raw, &ev) != nil || json.Unmarshal(raw, &v) != nil {
				t.Fatalf("feed event %s", raw)
			}
			if mine[ev.AggregateID] {
				want = append(want, v)
			}
		}
		slices.Reverse(want)
		if len(want) < 10 {
			t.Fatalf("%d events of the customer in the feed", len(want))
		}

		reader := e.key("telco", crm.RoleEventsRead)
		var got []any
		cursor, pages := "0", 0
		for pages <= len(want) {
			var p historyPage
			r := e.do("GET", base+"/customers/"+cid+"/events?limit=3&cursor="+cursor, reader, nil)
			wantStatus(t, r, http.StatusOK)
			r.json(t, &p)
			pages++
			for _, raw := range p.Events {
				var v any
				json.Unmarshal(raw, &v)
				got = append(got, v)
			}
			if p.Next == nil {
				break
			}
			if len(p.Events) != 3 {
				t.Fatalf("page %d: %d events and a next_cursor", pages, len(p.Events))
			}
			cursor = *p.Next
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("history (-feed reversed +got):\n%s", diff)
		}
		if wantPages := (len(want) + 2) / 3; pages != wantPages {
			t.Errorf("%d pages, want %d", pages, wantPages)
		}
		// The newest is the last PATCH, before and after.
		var newest struct {
			Type    string `json:"type"`
			Changes map[string]struct{ Before, After any }
		}
		if b, _ := json.Marshal(got[0]); json.Unmarshal(b, &newest) != nil || newest.Type != crm.EventCustomerUpdated ||
			newest.Changes["preferred_language"].After != "ca" {
			t.Errorf("newest event %+v, want the customer's update to ca", got[0])
		}
	})
}

// TestCustomerEventsAccess: the feed's role only (a masked reader must not
// read values before and after), 404 across orgs and for unknown
// customers, cursors that open only their own customer's history, and the
// read recorded in the access log.
func TestCustomerEventsAccess(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		cid := e.customer(t)
		other := e.anotherCustomer(t, 1)
		for range 2 {
			wantStatus(t, e.do("PATCH", base+"/customers/"+cid, e.admin, map[string]any{"preferred_language": "ca"}), http.StatusNoContent)
			wantStatus(t, e.do("PATCH", base+"/customers/"+other, e.admin, map[string]any{"preferred_language": "ca"}), http.StatusNoContent)
		}
		path := base + "/customers/" + cid + "/events"
		events := e.key("telco", crm.RoleEventsRead)
		for _, tt := range []struct {
			name, path, key string
			want            int
		}{
			{"events:read", path, events, http.StatusOK},
			{"admin", path, e.admin, http.StatusOK},
			{"customers:read", path, e.reader, http.StatusForbidden},
			{"customers:read:masked", path, e.key("telco", crm.RoleCustomersReadMasked), http.StatusForbidden},
			{"other org's admin, its own org", "/v4/orgs/other/customers/" + cid + "/events", e.otherOrg, http.StatusNotFound},
			{"other org's admin, telco", path, e.otherOrg, http.StatusForbidden},
			{"unknown customer", base + "/customers/0198a0f1-4567-7d43-ab00-000000000001/events", events, http.StatusNotFound},
			{"not a UUID", base + "/customers/nope/events", events, http.StatusBadRequest},
			{"no credential", path, "", http.StatusUnauthorized},
			{"limit 0", path + "?limit=0", events, http.StatusBadRequest},
			{"limit 1001", path + "?limit=1001", events, http.StatusBadRequest},
			{"a position for a cursor", path + "?cursor=1", events, http.StatusBadRequest},
			{"the feed's parameter", path + "?after=0", events, http.StatusBadRequest},
		} {
			if r := e.do("GET", tt.path, tt.key, nil); r.Status != tt.want {
				t.Errorf("%s: %d, want %d: %s", tt.name, r.Status, tt.want, r.Body)
			}
		}

		// A cursor opens its own customer's history only, not another's
		// nor the feed, nor the other way round.
		next := func(path string) string {
			var p struct {
				Next *string `json:"next_cursor"`
			}
			r := e.do("GET", path, events, nil)
			wantStatus(t, r, http.StatusOK)
			r.json(t, &p)
			if p.Next == nil {
				t.Fatalf("%s: no next_cursor: %s", path, r.Body)
			}
			return *p.Next
		}
		mine := next(path + "?limit=1")
		theirs := next(base + "/customers/" + other + "/events?limit=1")
		var feed struct {
			Next string `json:"next_cursor"`
		}
		e.do("GET", base+"/events?limit=1", events, nil).json(t, &feed)
		wantStatus(t, e.do("GET", path+"?cursor="+mine, events, nil), http.StatusOK)
		for _, target := range []string{path + "?cursor=" + theirs, path + "?cursor=" + feed.Next, base + "/events?after=" + mine} {
			wantStatus(t, e.do("GET", target, events, nil), http.StatusBadRequest)
		}

		// Recorded as GET customer is, with its reason.
		officer := e.key("telco", crm.RolePrivacyOfficer)
		wantStatus(t, e.do("GET", path, events, nil, "X-Access-Reason", "call 42", "X-Request-Id", "req-history"), http.StatusOK)
		var p logPage
		e.do("GET", base+"/customers/"+cid+"/access-log?limit=1000", officer, nil).json(t, &p)
		var got []logged
		for _, l := range p.logged() {
			if l.Request == "req-history" {
				l.Credential = ""
				got = append(got, l)
			}
		}
		wantLog := []logged{{Customer: cid, Name: "test", Request: "req-history",
			Operation: "GET /v4/orgs/{org_id}/customers/{customer_id}/events", Reason: "call 42"}}
		if diff := cmp.Diff(wantLog, got); diff != "" {
			t.Errorf("access log (-want +got):\n%s", diff)
		}
		// Another customer's history does not show this one's.
		r := e.do("GET", base+"/customers/"+other+"/events", events, nil)
		if bytes.Contains(r.Body, []byte(cid)) {
			t.Errorf("another customer's history holds %s: %s", cid, r.Body)
		}
	})
}
