package console

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"time"
)

// The customer page shows the overview's latest crm.OverviewEvents events
// (changed paths only). The full timeline page shows the changes before
// and after, which the customer's history carries (v4 GET
// /customers/{id}/events): timelineShown events a page, newest first, and
// a link to the older ones through the page's cursor.
const timelineShown = 50

// timelineEvent is one event as the timeline shows it: when, who, what,
// and each changed field before and after when the event carries them.
type timelineEvent struct {
	When, Who, What, Aggregate string
	Changes                    []change // before and after, from the history
	Changed                    []string // the changed paths only, from the overview
}

type change struct {
	Field, Before, After string
}

// feedEvent is the part of an event (of the feed, of a history) the
// timeline reads.
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

// timelinePage is a page of the customer's history with its changes,
// older than the cursor in the URL (none: the newest).
func (c *Console) timelinePage(w http.ResponseWriter, r *http.Request, s *session, a api) {
	ctx, id := r.Context(), r.PathValue("id")
	// The customer, for its name (and the 404 of one the key cannot read).
	res := a.customer(ctx, id)
	var cd customerDoc
	if !res.ok() || res.decode(&cd) != nil {
		c.notFound(w, s, res)
		return
	}
	cursor := r.URL.Query().Get("cursor")
	name := displayName(cd)
	data := c.pageData(s, "Timeline of "+name)
	data["ID"], data["Name"], data["Shown"], data["Continued"] = id, name, timelineShown, cursor != ""
	events, older, problem := timeline(ctx, a, id, cursor)
	data["Timeline"], data["TimelineProblem"] = events, problem
	if older != "" {
		data["Older"] = Prefix + "/customers/" + url.PathEscape(id) + "/timeline?" + url.Values{"cursor": {older}}.Encode()
	}
	c.render(w, http.StatusOK, "timeline", data)
}

// timeline is one page of the customer's history, newest first, and the
// cursor of the older page ("" when none is left), or why there is none
// to show (a key without events:read, say).
func timeline(ctx context.Context, a api, id, cursor string) ([]timelineEvent, string, string) {
	res := a.customerEvents(ctx, id, cursor, timelineShown)
	if res.Status == http.StatusForbidden {
		return nil, "", "Your key cannot read the customer's history (it needs the role events:read): " + res.message()
	}
	var page struct {
		Events     []feedEvent `json:"events"`
		NextCursor *string     `json:"next_cursor"`
	}
	if !res.ok() || res.decode(&page) != nil {
		return nil, "", res.message()
	}
	out := make([]timelineEvent, len(page.Events))
	for i, e := range page.Events {
		out[i] = view(e)
	}
	older := ""
	if page.NextCursor != nil {
		older = *page.NextCursor
	}
	return out, older, ""
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
