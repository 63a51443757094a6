package httpapi

import (
	"net/http"
	"net/url"

	"github.com/telcoops/crm"
)

// registerCustomerEvents registers a customer's history, open to the
// feed's role only: its events carry personal values before and after
// each change, which a masked reader (customers:read:masked) may not see
// and which no mask of the changes could tell apart field by field.
func (s *Server) registerCustomerEvents() {
	s.v4("GET", "/customers/{customer_id}/events", crm.RoleEventsRead, s.listCustomerEvents)
}

// customerEventPage is a page of a customer's history, newest first, and
// the cursor of the next, older page (null when there is none).
type customerEventPage struct {
	Events     []crm.Event `json:"events"`
	NextCursor *string     `json:"next_cursor"`
}

// listCustomerEvents answers a page of the history of a customer: its
// events, its accounts' and its products'. The read is recorded in the
// access log, for the changes hold the customer's personal data.
func (s *Server) listCustomerEvents(w http.ResponseWriter, r *http.Request, org string) {
	if s.cfg.Overviews == nil {
		s.writeError(w, r, crm.Errorf(crm.EUNAVAILABLE, "the customer's history is not configured"))
		return
	}
	id, ok := s.uuidParam(w, r, "customer_id")
	if !ok {
		return
	}
	q, err := queryParams(r, "cursor", "limit")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// Scoped to the customer: a cursor of another customer's history, or
	// of the feed, does not open.
	scope := "customer-events:" + org + "/" + id
	before, ok := s.cursors.decode(scope, url.Values(q).Get("cursor"))
	if !ok {
		s.writeError(w, r, paramError("cursor", "must be a next_cursor of this customer's events"))
		return
	}
	limit, err := eventPageLimit(q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	page, err := s.cfg.Overviews.CustomerEvents(r.Context(), org, id, before, limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.accessed(w, r, org, id) {
		return
	}
	out := customerEventPage{Events: page.Events}
	if page.Before != 0 {
		next := s.cursors.encode(scope, page.Before)
		out.NextCursor = &next
	}
	writeJSON(w, http.StatusOK, out)
}
