package console

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"time"

	"github.com/telcoops/crm"
)

// The customer page shows the overview's latest crm.OverviewEvents events
// (changed paths only). The full timeline page shows the changes before
// and after, which only the feed carries; the feed has no filter by
// customer, so the page reads it from the start, at most timelinePages
// pages of crm.MaxFeedPage events, and keeps the customer's aggregates'
// events, the latest timelineShown. The page states the bound.
const (
	timelinePages = 20
	timelineShown = 50
)

// timelineEvent is one event as the timeline shows it: when, who, what,
// and each changed field before and after when the event carries them.
type timelineEvent struct {
	When, Who, What, Aggregate string
	Changes                    []change // before and after, from the feed
	Changed                    []string // the changed paths only, from the overview
}

type change struct {
	Field, Before, After string
}

// feedEvent is the part of a feed event the timeline reads.
type feedEvent struct {
	Type          string    `json:"type"`
	AggregateType string    `json:"aggregate_type"`
	AggregateID   string    `json:"aggregate_id"`
	OccurredAt    time.Time `json:"occurred_at"`
	Actor         string    `json:"actor"`
	RequestorID   string    `json:"requestor_id"`
	Changes       map[string]struct {
		Before json.RawMessage `json:"before"`
		After  json.RawMessage `json:"after"`
	} `json:"changes"`
}

// timelinePage is the customer's events with their changes, from a
// bounded scan of the feed.
func (c *Console) timelinePage(w http.ResponseWriter, r *http.Request, s *session, a api) {
	ctx, id := r.Context(), r.PathValue("id")
	res := a.overview(ctx, id)
	var o overviewDoc
	if !res.ok() || res.decode(&o) != nil {
		c.notFound(w, s, res)
		return
	}
	aggregates := map[string]bool{id: true}
	for _, x := range o.Accounts {
		aggregates[x.Account.ID] = true
	}
	for _, p := range o.Products {
		aggregates[p.ID] = true
	}
	name := displayName(o.Customer)
	data := c.pageData(s, "Timeline of "+name)
	data["ID"], data["Name"] = id, name
	data["Scanned"], data["Shown"] = timelinePages*crm.MaxFeedPage, timelineShown
	data["Timeline"], data["TimelineProblem"] = timeline(ctx, a, aggregates)
	c.render(w, http.StatusOK, "timeline", data)
}

// timeline is the events of aggregates, newest first, or why there are
// none to show (a key without events:read, say).
func timeline(ctx context.Context, a api, aggregates map[string]bool) ([]timelineEvent, string) {
	var out []timelineEvent
	cursor := ""
	for range timelinePages {
		res := a.events(ctx, cursor, crm.MaxFeedPage)
		if res.Status == http.StatusForbidden {
			return nil, "Your key cannot read the event feed (it needs the role events:read): " + res.message()
		}
		var page struct {
			Events     []feedEvent `json:"events"`
			NextCursor string      `json:"next_cursor"`
		}
		if !res.ok() || res.decode(&page) != nil {
			return nil, res.message()
		}
		for _, e := range page.Events {
			if aggregates[e.AggregateID] {
				out = append(out, view(e))
			}
		}
		if len(page.Events) < crm.MaxFeedPage {
			break
		}
		cursor = page.NextCursor
	}
	// The feed is in commit order: the newest are last.
	reversed := make([]timelineEvent, 0, min(len(out), timelineShown))
	for i := len(out) - 1; i >= 0 && len(reversed) < timelineShown; i-- {
		reversed = append(reversed, out[i])
	}
	return reversed, ""
}

// view is e as the timeline shows it.
func view(e feedEvent) timelineEvent {
	who := e.Actor
	if e.RequestorID != "" {
		who += " (requestor " + e.RequestorID + ")"
	}
	v := timelineEvent{When: e.OccurredAt.UTC().Format("2006-01-02 15:04:05 UTC"), Who: who, What: e.Type,
		Aggregate: e.AggregateType + " " + e.AggregateID}
	names := make([]string, 0, len(e.Changes))
	for k := range e.Changes {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		ch := e.Changes[k]
		v.Changes = append(v.Changes, change{Field: k, Before: compact(ch.Before), After: compact(ch.After)})
	}
	return v
}

// compact is a JSON value as short text: strings unquoted, absent as —.
func compact(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return "—"
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}
