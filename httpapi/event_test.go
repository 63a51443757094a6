package httpapi_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/telcoops/crm"
)

func TestEventFeed(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		cid := e.customer(t)
		patch := map[string]any{"preferred_language": "ca"}
		wantStatus(t, e.do("PATCH", base+"/customers/"+cid, e.admin, patch), http.StatusNoContent)
		e.do("POST", base+"/customers", e.otherOrg, example(t, "NewPrivateCustomer")) // another org's event

		type page struct {
			Events []struct {
				Type      string `json:"type"`
				Aggregate string `json:"aggregate_id"`
				Sequence  int64  `json:"sequence"`
				Changes   map[string]struct {
					Before, After any
				} `json:"changes"`
			} `json:"events"`
			Next string `json:"next_cursor"`
		}
		var p page
		r := e.do("GET", base+"/events?limit=1", e.admin, nil)
		wantStatus(t, r, http.StatusOK)
		r.json(t, &p)
		if len(p.Events) != 1 || p.Events[0].Type != crm.EventCustomerCreated || p.Events[0].Sequence != 1 {
			t.Fatalf("first page: %s", r.Body)
		}
		first := p.Next
		p = page{}
		e.do("GET", base+"/events?after="+first, e.admin, nil).json(t, &p)
		if len(p.Events) != 1 || p.Events[0].Type != crm.EventCustomerUpdated || p.Events[0].Aggregate != cid || p.Events[0].Sequence != 2 {
			t.Fatalf("second page: %+v", p)
		}
		if c := p.Events[0].Changes["preferred_language"]; c.Before != "es" || c.After != "ca" {
			t.Errorf("changes: %+v", p.Events[0].Changes)
		}
		if p.Next == first || p.Next == "0" {
			t.Errorf("next cursor %q after %q", p.Next, first)
		}
		last := p.Next
		p = page{}
		e.do("GET", base+"/events?after="+last, e.admin, nil).json(t, &p)
		if len(p.Events) != 0 || p.Next != last {
			t.Errorf("end of feed: %+v, want no events and the same cursor", p)
		}

		// Roles and parameters.
		wantStatus(t, e.do("GET", base+"/events", e.reader, nil), http.StatusForbidden)
		events := e.key("telco", crm.RoleEventsRead)
		wantStatus(t, e.do("GET", base+"/events", events, nil), http.StatusOK)
		for _, q := range []string{"after=-1", "after=x", "limit=0", "limit=1001", "cursor=1"} {
			wantStatus(t, e.do("GET", base+"/events?"+q, e.admin, nil), http.StatusBadRequest)
		}
	})
}

// TestEventCursorsAreOpaquePerOrg: positions are global across orgs, so
// neither the events nor the cursors may show them, and no cursor but the
// feed's own may open it: a position chosen by the client (to probe where
// its events fall among the others') or another org's cursor is 400.
func TestEventCursorsAreOpaquePerOrg(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		for range 3 {
			e.do("POST", "/v4/orgs/other/customers", e.otherOrg, example(t, "NewPrivateCustomer"))
		}
		e.customer(t)
		r := e.do("GET", base+"/events", e.admin, nil)
		wantStatus(t, r, http.StatusOK)
		if strings.Contains(string(r.Body), `"position"`) {
			t.Errorf("events show their global position: %s", r.Body)
		}
		var p struct {
			Next string `json:"next_cursor"`
		}
		r.json(t, &p)
		if !regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`).MatchString(p.Next) {
			t.Errorf("next_cursor %q is not opaque", p.Next)
		}
		wantStatus(t, e.do("GET", base+"/events?after="+p.Next, e.admin, nil), http.StatusOK)
		flipped := "A"
		if p.Next[0] == 'A' {
			flipped = "B"
		}
		for _, after := range []string{"1", "3", "4", "1000", flipped + p.Next[1:], p.Next + "A"} {
			wantStatus(t, e.do("GET", base+"/events?after="+after, e.admin, nil), http.StatusBadRequest)
		}
		var o struct {
			Next string `json:"next_cursor"`
		}
		r = e.do("GET", "/v4/orgs/other/events", e.otherOrg, nil)
		wantStatus(t, r, http.StatusOK)
		r.json(t, &o)
		wantStatus(t, e.do("GET", base+"/events?after="+o.Next, e.admin, nil), http.StatusBadRequest)
		wantStatus(t, e.do("GET", "/v4/orgs/other/events?after="+p.Next, e.otherOrg, nil), http.StatusBadRequest)
	})
}
