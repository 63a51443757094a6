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

// customerEventsSQL selects a page of a customer's history, as
// overviewEvents does the overview's latest events: one branch per kind of
// aggregate, each through the events' (aggregate_type, aggregate_id,
// sequence) index, sought once per id, never the org's events. The cursor
// is compared as +e.position, which no index serves: compared bare,
// PostgreSQL read the primary key's range of every org's events below the
// cursor beside the aggregate index (TestCustomerEventsPlanUsesAggregateIndex).
// Its arguments: org, customer, before
// (the customer's events); org, before, org, customer (its accounts');
// org, before, org, customer (its products'); the limit.
const customerEventsSQL = `SELECT ` + customerEventColumns + `
	FROM events e WHERE e.org_id = ? AND e.aggregate_type = 'customer' AND e.aggregate_id = ? AND +e.position < ?
	UNION ALL
	SELECT ` + customerEventColumns + `
	FROM events e WHERE e.org_id = ? AND e.aggregate_type = 'account' AND +e.position < ?
	AND e.aggregate_id IN (SELECT id FROM accounts WHERE org_id = ? AND customer_id = ?)
	UNION ALL
	SELECT ` + customerEventColumns + `
	FROM events e WHERE e.org_id = ? AND e.aggregate_type = 'customer_product' AND +e.position < ?
	AND e.aggregate_id IN (SELECT id FROM customer_products WHERE org_id = ? AND customer_id = ?)
	ORDER BY 1 DESC LIMIT ?`

// customerEventsArgs are customerEventsSQL's arguments for a page of limit
// events older than before (0: from the newest), one more than the page
// to tell whether an older page is left.
func customerEventsArgs(org, customer string, before int64, limit int) []any {
	if before == 0 {
		before = math.MaxInt64
	}
	return []any{org, customer, before, org, before, org, customer, org, before, org, customer, limit + 1}
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
