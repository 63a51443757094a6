package httpapi

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/telcoops/crm"
)

func (s *Server) registerEvents() {
	s.v4("GET", "/events", crm.RoleEventsRead, s.listEvents)
}

// defaultEventPage is the page size when the client gives no limit.
const defaultEventPage = 100

// eventPageLimit is the limit a page of events asks for (the feed's, a
// customer's history): defaultEventPage when none, else 1 to
// crm.MaxFeedPage.
func eventPageLimit(q map[string][]string) (int, error) {
	v := q["limit"]
	if len(v) == 0 || v[0] == "" {
		return defaultEventPage, nil
	}
	limit, err := strconv.Atoi(v[0])
	if err != nil || limit < 1 || limit > crm.MaxFeedPage {
		return 0, paramError("limit", "must be an integer from 1 to %d", crm.MaxFeedPage)
	}
	return limit, nil
}

// eventPage is the feed's response: the events after the cursor and the
// cursor to resume from (the same one when there was nothing new).
type eventPage struct {
	Events     []crm.Event `json:"events"`
	NextCursor string      `json:"next_cursor"`
}

func (s *Server) listEvents(w http.ResponseWriter, r *http.Request, org string) {
	if s.cfg.Events == nil {
		s.writeError(w, r, crm.Errorf(crm.EUNAVAILABLE, "the event feed is not configured"))
		return
	}
	q, err := queryParams(r, "after", "limit")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	scope := "events:" + org
	after, ok := s.cursors.decode(scope, url.Values(q).Get("after"))
	if !ok {
		s.writeError(w, r, paramError("after", "must be a next_cursor of this feed"))
		return
	}
	limit, err := eventPageLimit(q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	evs, err := s.cfg.Events.Events(r.Context(), org, after, limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	page := eventPage{Events: evs, NextCursor: s.cursors.encode(scope, after)}
	if page.Events == nil {
		page.Events = []crm.Event{}
	}
	if n := len(evs); n > 0 {
		page.NextCursor = s.cursors.encode(scope, evs[n-1].Position)
	}
	writeJSON(w, http.StatusOK, page)
}
