package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/telcoops/crm"
)

// CreateCustomer validates and stores a new customer with its
// customer.created event. Duplicates are refused by the database's unique
// indexes, so two concurrent creates cannot both win.
func (s *Customers) CreateCustomer(ctx context.Context, org string, n crm.NewCustomer, opts crm.WriteOptions) (*crm.Customer, error) {
	cc, err := s.createCustomer(ctx, org, n, opts, false)
	if err != nil {
		return nil, err
	}
	return cc.c, nil
}

// createCustomer is CreateCustomer; with find, the create also looks up
// its duplicate candidates in its own write, its transaction or its
// grouped statement (Duplicates.CreateCustomerFindingDuplicates).
func (s *Customers) createCustomer(ctx context.Context, org string, n crm.NewCustomer, opts crm.WriteOptions, find bool) (*customerCreate, error) {
	now := s.now()
	n.Normalize()
	if err := n.Validate(now); err != nil {
		return nil, err
	}
	c := &crm.Customer{ID: newID(), OrgID: org, ExternalID: n.ExternalID, CustomerData: n.CustomerData,
		CreatedAt: now, UpdatedAt: now, Version: 1}
	body, err := json.Marshal(c.CustomerData)
	if err != nil {
		return nil, crm.Internal(err)
	}
	cc := &customerCreate{org: org, now: now, c: c, body: string(body), drawn: c.ExternalID == nil, find: find}
	cc.docType, cc.docNumber = docColumns(&c.CustomerData)
	cc.dupName = dupName(&c.CustomerData)
	var row func(scan func(dest ...any) error) error
	if find {
		row = cc.candidate
	}
	if err := s.writeOneReading(ctx, org, opts, cc.one, row, cc.do); err != nil {
		return nil, err
	}
	if cc.looked {
		cc.candidates = pickCandidates(cc.candidates)
	}
	return cc, nil
}

// customerCreate is one create customer on its way to the database: the
// customer, and its body, encoded before the write.
type customerCreate struct {
	org                string
	now                time.Time
	c                  *crm.Customer
	body               string
	docType, docNumber any
	dupName            any
	drawn              bool // the service assigns the external id
	find               bool // look up the duplicate candidates in the write
	candidates         []string
	looked             bool // the write found the candidates
}

// row is the customer's row, in insertCustomerSQL's order.
func (cc *customerCreate) row(t *tx) []any {
	c := cc.c
	return []any{c.ID, cc.org, *c.ExternalID, string(c.Type), cc.docType, cc.docNumber, nullString(c.SearchEmail()),
		digitalEmail(&c.CustomerData), cc.body, t.db.dialect.ts(cc.now), t.db.dialect.ts(cc.now), c.Version, cc.dupName, 1}
}

// do writes the customer in a transaction whose key is claimed: its row
// under its external id, drawn until one is free when the service assigns
// it, its event, and its result kept under the key.
func (cc *customerCreate) do(t *tx) error {
	c := cc.c
	if cc.drawn {
		c.ExternalID = nil // one, if it ran, drew an id that was not written
	}
	insert := insertCustomerSQL
	if cc.drawn {
		insert += skipTakenExternalID
	}
	err := t.insertDrawn(cc.org, "customers", &c.ExternalID, func() (bool, error) {
		return written(t.exec(insert, cc.row(t)...))
	})
	if err != nil {
		return err
	}
	if err := t.putSearchKeys(cc.org, c.ID, c.ID, nil, crm.CustomerSearchKeys(&c.CustomerData)); err != nil {
		return err
	}
	data, changed, err := createdEvent(c)
	if err != nil {
		return err
	}
	if err := t.appendEventJSON(cc.org, crm.EventCustomerCreated, crm.AggregateCustomer, c.ID, c.Version, data, changed); err != nil {
		return err
	}
	if cc.find {
		// A failed lookup loses the candidates, never the create (the
		// caller asks again after the commit).
		err := t.mayFail("dup", func() error {
			var err error
			cc.candidates, err = t.duplicateCandidates(cc.org, c)
			return err
		})
		cc.looked = err == nil
		if err != nil && !errors.Is(err, errStatementFailed) {
			return err
		}
	}
	return t.keep(cc.org, c)
}

// candidate takes one row of the grouped statement's answer (one with
// find): a candidate's id, or NULL on the row that says the create was
// written.
func (cc *customerCreate) candidate(scan func(dest ...any) error) error {
	var id sql.NullString
	if err := scan(&id); err != nil {
		return err
	}
	if cc.looked = true; id.Valid {
		cc.candidates = append(cc.candidates, id.String)
	}
	return nil
}

// one is the same write as one statement, for an engine that commits such
// statements in groups (PostgreSQL, whose WITH clause holds INSERTs): the
// key's claim with the result, the row and its event, each written only if
// the one before it was. Without a key, the row skips any conflict, so no
// client's conflict fails the others of its group; with a key, the row may
// not skip (a claim committed without its row would refuse the retry), so
// a conflict fails the group. Either way do then runs, and tells the
// conflict apart.
func (cc *customerCreate) one(t *tx) (string, []any, error) {
	c := cc.c
	if cc.drawn {
		id, err := t.drawExternalID(cc.org, "customers")
		if err != nil {
			return "", nil, err
		}
		c.ExternalID = &id
	}
	data, changed, err := createdEvent(c)
	if err != nil {
		return "", nil, err
	}
	with, args, err := t.claimWith(cc.org, c)
	if err != nil {
		return "", nil, err
	}
	insert := insertCustomerSQL + skipAnyConflict
	if with != "" {
		insert = insertCustomerFromClaimSQL
	}
	keyed, keyArgs := searchKeysWith(cc.org, c.ID, crm.CustomerSearchKeys(&c.CustomerData))
	args = append(append(append(args, cc.row(t)...), keyArgs...),
		t.db.eventArgs(t.info, cc.org, crm.EventCustomerCreated, crm.AggregateCustomer, c.ID, c.Version, data, changed)...)
	event := insertEventSQL + " SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, " + t.db.dialect.feedAtInsert + " FROM created"
	if !cc.find {
		return "WITH " + with + "created AS (" + insert + " RETURNING 1)" + keyed + " " + event, args, nil
	}
	// With find, the statement also answers the candidates: the probes
	// see the database as it was before the statement (the new row is
	// not there yet) and the writes of the statements grouped before it.
	// A row with a NULL id says the event, and so the customer, was
	// written; none, that nothing was.
	candidates, candidatesArgs := candidatesQuery(cc.org, c)
	return "WITH " + with + "created AS (" + insert + " RETURNING 1)" + keyed + ", event AS (" + event + " RETURNING 1) " +
			"SELECT c.id FROM event LEFT JOIN (" + candidates + ") c ON true",
		append(args, candidatesArgs...), nil
}

// skipAnyConflict ends a grouped INSERT: any unique conflict writes nothing
// instead of failing the group's transaction.
const skipAnyConflict = " ON CONFLICT DO NOTHING"

// createdEvent encodes c's customer.created event: its data, and as
// changes everything its creator set (createdView), as crm.Diff from nothing
// gives them. It runs once the external id is known, inside the write.
func createdEvent(c *crm.Customer) (data, changes []byte, err error) {
	if data, err = json.Marshal(c); err != nil {
		return nil, nil, err
	}
	view, err := json.Marshal(createdView(c))
	if err != nil {
		return nil, nil, err
	}
	ch, err := createdChanges(view)
	return data, []byte(ch), err
}

// errStatementFailed wraps the error of a statement mayFail let fail.
var errStatementFailed = errors.New("statement failed")

// mayFail runs fn, whose failure must not fail t: where a failed
// statement would (PostgreSQL), inside the savepoint name, rolled back to
// when fn fails. fn's error comes back wrapping errStatementFailed; an
// error of the savepoint itself, as it is.
func (t *tx) mayFail(name string, fn func() error) error {
	if !t.db.dialect.failedAborts {
		if err := fn(); err != nil {
			return fmt.Errorf("%w: %w", errStatementFailed, err)
		}
		return nil
	}
	if _, err := t.exec("SAVEPOINT " + name); err != nil {
		return err
	}
	if ferr := fn(); ferr != nil {
		if _, err := t.exec("ROLLBACK TO " + name); err != nil {
			return err
		}
		ferr = fmt.Errorf("%w: %w", errStatementFailed, ferr)
		if _, err := t.exec("RELEASE " + name); err != nil {
			return err
		}
		return ferr
	}
	_, err := t.exec("RELEASE " + name)
	return err
}
