package httpapi

import (
	"net/http"
	"strconv"

	"github.com/telcoops/crm"
)

func (s *Server) registerEvents() {
	s.v4("GET", "/events", crm.RoleEventsRead, s.listEvents)
}

// defaultEventPage is the page size when the client gives no limit.
const defaultEventPage = 100

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
	var after int64
	if v := q["after"]; len(v) > 0 && v[0] != "" {
		after, err = strconv.ParseInt(v[0], 10, 64)
		if err != nil || after < 0 {
			s.writeError(w, r, paramError("after", "must be a cursor returned as next_cursor (digits)"))
			return
		}
	}
	limit := defaultEventPage
	if v := q["limit"]; len(v) > 0 && v[0] != "" {
		limit, err = strconv.Atoi(v[0])
		if err != nil || limit < 1 || limit > crm.MaxFeedPage {
			s.writeError(w, r, paramError("limit", "must be an integer from 1 to %d", crm.MaxFeedPage))
			return
		}
	}
	evs, err := s.cfg.Events.Events(r.Context(), org, after, limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	page := eventPage{Events: evs, NextCursor: strconv.FormatInt(after, 10)}
	if page.Events == nil {
		page.Events = []crm.Event{}
	}
	if n := len(evs); n > 0 {
		page.NextCursor = strconv.FormatInt(evs[n-1].Position, 10)
	}
	writeJSON(w, http.StatusOK, page)
}
