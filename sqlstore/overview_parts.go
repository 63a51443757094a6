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
	snap     *engine.Snapshot
	dialect  *dialect
	org      string
	customer string
	now      time.Time
}

func (q *overviewQuery) ts(t time.Time) any { return q.dialect.ts(t) }

// each runs a query in the snapshot and calls fn with each of its rows.
func (q *overviewQuery) each(query string, args []any, fn func(rowScanner) error) error {
	rows, err := q.snap.Query(query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// findAccount returns the overview's account with this id, nil when it
// has none (a row of an account read after the accounts cannot be in one
// snapshot, but a nil is safer than a panic).
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
// index. Its arguments: org, customer (the customer's events); org,
// customer, org (its accounts'); org, customer, org (its products').
const overviewEventsSQL = `SELECT e.position, e.id, e.type, e.aggregate_type, e.aggregate_id, e.sequence, e.occurred_at, e.actor, e.changes
	FROM events e WHERE e.org_id = ? AND e.aggregate_type = 'customer' AND e.aggregate_id = ?
	UNION ALL
	SELECT e.position, e.id, e.type, e.aggregate_type, e.aggregate_id, e.sequence, e.occurred_at, e.actor, e.changes
	FROM accounts a JOIN events e ON e.aggregate_type = 'account' AND e.aggregate_id = a.id
	WHERE a.org_id = ? AND a.customer_id = ? AND e.org_id = ?
	UNION ALL
	SELECT e.position, e.id, e.type, e.aggregate_type, e.aggregate_id, e.sequence, e.occurred_at, e.actor, e.changes
	FROM customer_products p JOIN events e ON e.aggregate_type = 'customer_product' AND e.aggregate_id = p.id
	WHERE p.org_id = ? AND p.customer_id = ? AND e.org_id = ?
	ORDER BY 1 DESC LIMIT ?`

// events reads the latest crm.OverviewEvents events, summarized: the
// paths of the changed fields, never their values.
func (q *overviewQuery) events(o *crm.CustomerOverview) error {
	o.Events = []crm.EventSummary{}
	return q.each(overviewEventsSQL, []any{q.org, q.customer, q.org, q.customer, q.org, q.org, q.customer, q.org, crm.OverviewEvents},
		func(row rowScanner) error {
			var e crm.EventSummary
			var position int64
			var changes []byte
			if err := row.Scan(&position, &e.ID, &e.Type, &e.AggregateType, &e.AggregateID, &e.Sequence,
				timeScan{&e.OccurredAt}, &e.Actor, &changes); err != nil {
				return err
			}
			var m map[string]json.RawMessage
			if err := json.Unmarshal(changes, &m); err != nil {
				return crm.Internal(fmt.Errorf("event %s changes: %w", e.ID, err))
			}
			e.Changed = make([]string, 0, len(m))
			for k := range m {
				e.Changed = append(e.Changed, k)
			}
			slices.Sort(e.Changed)
			o.Events = append(o.Events, e)
			return nil
		})
}
