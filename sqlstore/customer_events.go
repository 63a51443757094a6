package sqlstore

import (
	"context"
	"errors"
	"math"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/sqlstore/internal/engine"
)

// customerEventColumns are eventColumns with the outbox position, the
// history's order and cursor, in place of the feed's.
const customerEventColumns = `e.position, e.id, e.org_id, e.type, e.aggregate_type, e.aggregate_id,
	e.sequence, e.occurred_at, e.actor, e.requestor_id, e.request_id, e.data, e.changes`

// customerEventsSQL selects a page of a customer's history through the
// overview's branches (customerAggregateEvents). The cursor is compared as
// +e.position, which no index serves: compared bare, PostgreSQL read the
// primary key's range of every org's events below the cursor beside the
// aggregate index (TestCustomerEventsPlanUsesAggregateIndex). Its
// arguments: customerAggregateEvents', each branch's followed by the
// cursor; then the limit.
var customerEventsSQL = customerAggregateEvents(customerEventColumns, " AND +e.position < ?") + " ORDER BY 1 DESC LIMIT ?"

// customerEventsArgs are customerEventsSQL's arguments for a page of limit
// events older than before (0: from the newest), one more than the page
// to tell whether an older page is left.
func customerEventsArgs(org, customer string, before int64, limit int) []any {
	if before == 0 {
		before = math.MaxInt64
	}
	return []any{org, customer, before, org, org, customer, before, org, org, customer, before, limit + 1}
}

// CustomerEvents reads a page of a customer's history in one snapshot:
// the customer (ENOTFOUND when the org has none by that id, or erased it)
// and its page of events.
func (s *Overviews) CustomerEvents(ctx context.Context, org, customerID string, before int64, limit int) (*crm.CustomerEventPage, error) {
	if before < 0 {
		return nil, crm.Errorf(crm.EINVALID, "the cursor must not be negative")
	}
	if limit < 1 || limit > crm.MaxFeedPage {
		return nil, crm.Errorf(crm.EINVALID, "the limit must be from 1 to %d", crm.MaxFeedPage)
	}
	var found bool
	page := &crm.CustomerEventPage{Events: []crm.Event{}}
	reads := []engine.Read{{
		Query: "SELECT " + customerColumns + " FROM customers WHERE org_id = ? AND id = ?",
		Args:  []any{org, customerID},
		Row: func(row rowScanner) error {
			_, err := s.scanCustomer(row)
			if crm.ErrorCodeOf(err) == crm.ENOTFOUND {
				return nil // erased: its row keeps only its ids
			}
			found = err == nil
			return err
		},
	}, {
		Query: customerEventsSQL,
		Args:  customerEventsArgs(org, customerID, before, limit),
		Row: func(row rowScanner) error {
			e, err := scanEvent(row)
			if err != nil {
				return err
			}
			page.Events = append(page.Events, e)
			return nil
		},
	}}
	if err := engine.ReadSnapshot(ctx, s.eng, reads); err != nil {
		var e *crm.Error
		if errors.As(err, &e) {
			return nil, err
		}
		return nil, translate(err)
	}
	if !found {
		return nil, crm.Errorf(crm.ENOTFOUND, "customer not found")
	}
	if len(page.Events) > limit {
		page.Events = page.Events[:limit]
		page.Before = page.Events[limit-1].Position
	}
	for i := range page.Events {
		page.Events[i].Position = 0 // an outbox position, not the feed's
	}
	return page, nil
}
