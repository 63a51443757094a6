package httpapi_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/telcoops/crm"
)

func TestEventFeed(t *testing.T) {
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
				Position  int64  `json:"position"`
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
		if n, _ := strconv.Atoi(p.Next); strconv.Itoa(n) != p.Next || p.Next == first {
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
