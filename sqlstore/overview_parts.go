package sqlstore

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/sqlstore/internal/engine"
)

// overviewQuery is one overview's reads: its snapshot, whose customer,
// and the moment that decides what is active.
type overviewQuery struct {
	reads    []engine.Read
	dialect  *dialect
	org      string
	customer string
	now      time.Time
}

func (q *overviewQuery) ts(t time.Time) any { return q.dialect.ts(t) }

// each adds a read of the snapshot, fn called with each of its rows.
func (q *overviewQuery) each(query string, args []any, fn func(rowScanner) error) {
	q.reads = append(q.reads, engine.Read{Query: query, Args: args, Row: fn})
}

// findAccount returns the overview's account with this id, or nil: in one
// snapshot every promotion or contract read has its account among those
// read before it, but a nil costs less than a panic if that ever changed.
func findAccount(o *crm.CustomerOverview, id string) *crm.AccountOverview {
	for i := range o.Accounts {
		if o.Accounts[i].Account.ID == id {
			return &o.Accounts[i]
		}
	}
	return nil
}

// contractRequestRow is the request half of a contracts row: all NULL for
// a contract without requests (LEFT JOIN).
type contractRequestRow struct {
	externalID, reference, typ, originUser *string
	created                                *time.Time
}

// request is the row's request, if it has one.
func (r contractRequestRow) request() (crm.ContractRequest, bool) {
	if r.externalID == nil || r.created == nil {
		return crm.ContractRequest{}, false
	}
	deref := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	return crm.ContractRequest{RequestExternalID: *r.externalID, CreateDate: *r.created,
		ContractReferenceID: deref(r.reference), Type: deref(r.typ), OriginUser: deref(r.originUser)}, true
}

// overviewEventsSQL selects the latest events of a customer, of its
// accounts and of its products, newest first by outbox position, each
// branch through the events' (aggregate_type, aggregate_id, sequence)
// index; %s is where the dialect's objectKeys of the chosen events'
// changes go, so that only their keys leave the database. Its arguments:
// org, customer (the customer's events); org, customer, org (its
// accounts'); org, customer, org (its products'); the limit.
const overviewEventsSQL = `SELECT t.id, t.type, t.aggregate_type, t.aggregate_id, t.sequence, t.occurred_at, t.actor, %s
	FROM (SELECT e.position, e.id, e.type, e.aggregate_type, e.aggregate_id, e.sequence, e.occurred_at, e.actor, e.changes
	FROM events e WHERE e.org_id = ? AND e.aggregate_type = 'customer' AND e.aggregate_id = ?
	UNION ALL
	SELECT e.position, e.id, e.type, e.aggregate_type, e.aggregate_id, e.sequence, e.occurred_at, e.actor, e.changes
	FROM accounts a JOIN events e ON e.aggregate_type = 'account' AND e.aggregate_id = a.id
	WHERE a.org_id = ? AND a.customer_id = ? AND e.org_id = ?
	UNION ALL
	SELECT e.position, e.id, e.type, e.aggregate_type, e.aggregate_id, e.sequence, e.occurred_at, e.actor, e.changes
	FROM customer_products p JOIN events e ON e.aggregate_type = 'customer_product' AND e.aggregate_id = p.id
	WHERE p.org_id = ? AND p.customer_id = ? AND e.org_id = ?
	ORDER BY 1 DESC LIMIT ?) t ORDER BY t.position DESC`

// events reads the latest crm.OverviewEvents events, summarized: the
// paths of the changed fields, never their values.
func (q *overviewQuery) events(o *crm.CustomerOverview) {
	o.Events = []crm.EventSummary{}
	q.each(fmt.Sprintf(overviewEventsSQL, fmt.Sprintf(q.dialect.objectKeys, "t.changes")), []any{q.org, q.customer, q.org, q.customer, q.org, q.org, q.customer, q.org, crm.OverviewEvents},
		func(row rowScanner) error {
			var e crm.EventSummary
			var changed []byte
			if err := row.Scan(&e.ID, &e.Type, &e.AggregateType, &e.AggregateID, &e.Sequence,
				timeScan{&e.OccurredAt}, &e.Actor, &changed); err != nil {
				return err
			}
			if err := json.Unmarshal(changed, &e.Changed); err != nil {
				return crm.Internal(fmt.Errorf("event %s changes: %w", e.ID, err))
			}
			if e.Changed == nil {
				e.Changed = []string{}
			}
			// In byte order, as no database collation would promise.
			slices.Sort(e.Changed)
			o.Events = append(o.Events, e)
			return nil
		})
}
