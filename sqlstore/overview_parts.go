package sqlstore

import (
	"fmt"
	"strings"
	"time"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/sqlstore/internal/engine"
)

// overviewQuery is one overview's reads, whose customer, and the moment
// that decides what is active. Each part of the overview is a branch of one
// UNION ALL (overviewUnion): its plain rows, tagged with the part's number
// and their rank in the part's order, its columns in the slots of their
// kind. One statement is one snapshot on both engines (a statement sees
// the database as of its start) and, on PostgreSQL, one round trip without
// BEGIN or COMMIT; no part builds JSON in the database, and Go reads the
// rows once, in order, handing each to its part.
type overviewQuery struct {
	parts    []overviewPart
	dialect  *dialect
	org      string
	customer string
	now      time.Time
}

// overviewPart is one part's branch, its arguments, where its columns sit
// among the union's slots, and what to do with each of its rows.
type overviewPart struct {
	cols, keys      []string
	kinds, keyKinds string
	from            string
	args            []any
	row             func(rowScanner) error
}

func (q *overviewQuery) ts(t time.Time) any { return q.dialect.ts(t) }

// each adds a part: the values cols of the rows of from (a FROM clause
// with its WHERE, whose ? are args), in the order of the ascending keys
// order, fn called with each of them as the driver would have scanned it.
// kinds has a letter per column, its kind (slotKinds: s text, t timestamp,
// i integer, j JSON), then a slash and a letter per key of order.
func (q *overviewQuery) each(cols, kinds, from, order string, args []any, fn func(rowScanner) error) {
	colKinds, keyKinds, _ := strings.Cut(kinds, "/")
	q.parts = append(q.parts, overviewPart{cols: splitColumns(cols), kinds: colKinds, from: from,
		keys: splitColumns(order), keyKinds: keyKinds, args: args, row: fn})
}

// read is the one statement that selects every part, as a snapshot read.
func (q *overviewQuery) read() engine.Read {
	u := newOverviewUnion(q.dialect.name, q.parts)
	return engine.Read{Query: u.query, Args: u.args, Row: u.row}
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

// customerAggregateEvents selects the columns of the events of a
// customer, of its accounts and of its products, with the condition and
// added to each, one branch per kind of aggregate: each through the
// events' (aggregate_type, aggregate_id, sequence) index, sought once per
// id. As a join, SQLite (and PostgreSQL without statistics) scanned every
// account event of the org and filtered them. Its arguments: org,
// customer (the customer's events); org, org, customer (its accounts');
// org, org, customer (its products'); each followed by and's.
func customerAggregateEvents(columns, and string) string {
	branch := func(where string) string {
		return "SELECT " + columns + " FROM events e WHERE e.org_id = ? AND " + where + and
	}
	return branch("e.aggregate_type = 'customer' AND e.aggregate_id = ?") +
		" UNION ALL " + branch("e.aggregate_type = 'account' AND e.aggregate_id IN (SELECT id FROM accounts WHERE org_id = ? AND customer_id = ?)") +
		" UNION ALL " + branch("e.aggregate_type = 'customer_product' AND e.aggregate_id IN (SELECT id FROM customer_products WHERE org_id = ? AND customer_id = ?)")
}

// overviewEvents selects the latest events of a customer, its accounts
// and its products, newest first by outbox position: customerAggregateEvents'
// arguments, then the limit.
var overviewEvents = "(" + customerAggregateEvents("e.position, e.id, e.type, e.aggregate_type, e.aggregate_id, e.sequence, e.occurred_at, e.actor, e.changes", "") +
	" ORDER BY 1 DESC LIMIT ?) t"

// events reads the latest crm.OverviewEvents events, summarized: the
// paths of the changed fields, never their values. The changes are read
// whole, but only their keys are kept (changedPaths): the values never
// reach the overview, its logs or its errors.
func (q *overviewQuery) events(o *crm.CustomerOverview) {
	o.Events = []crm.EventSummary{}
	q.each("t.id, t.type, t.aggregate_type, t.aggregate_id, t.sequence, t.occurred_at, t.actor, t.changes",
		"ssssitsj/i", overviewEvents, "-t.position",
		[]any{q.org, q.customer, q.org, q.org, q.customer, q.org, q.org, q.customer, crm.OverviewEvents},
		func(row rowScanner) error {
			var e crm.EventSummary
			var changes []byte
			if err := row.Scan(&e.ID, &e.Type, &e.AggregateType, &e.AggregateID, &e.Sequence,
				timeScan{&e.OccurredAt}, &e.Actor, &changes); err != nil {
				return err
			}
			var err error
			if e.Changed, err = changedPaths(changes); err != nil {
				return crm.Internal(fmt.Errorf("event %s changes: %w", e.ID, err))
			}
			o.Events = append(o.Events, e)
			return nil
		})
}
