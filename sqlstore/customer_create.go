package sqlstore

import (
	"time"

	"github.com/telcoops/crm"
)

// customerCreate is one create customer on its way to the database: the
// customer, and what CreateCustomer encoded of it before the write.
type customerCreate struct {
	org                string
	now                time.Time
	c                  *crm.Customer
	body               string
	ev                 *preparedEvent
	docType, docNumber any
	drawn              bool // the service assigns the external id
}

// row is the customer's row, in insertCustomerSQL's order.
func (cc *customerCreate) row(t *tx) []any {
	c := cc.c
	return []any{c.ID, cc.org, *c.ExternalID, string(c.Type), cc.docType, cc.docNumber, nullString(c.SearchEmail()),
		digitalEmail(&c.CustomerData), cc.body, t.db.dialect.ts(cc.now), t.db.dialect.ts(cc.now), c.Version}
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
	data, changed, err := cc.ev.withExternalID(*c.ExternalID)
	if err != nil {
		return err
	}
	if err := t.appendEventJSON(cc.org, crm.EventCustomerCreated, crm.AggregateCustomer, c.ID, c.Version, data, changed); err != nil {
		return err
	}
	return t.keep(cc.org, c)
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
	data, changed, err := cc.ev.withExternalID(*c.ExternalID)
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
	args = append(append(args, cc.row(t)...),
		t.db.eventArgs(t.info, cc.org, crm.EventCustomerCreated, crm.AggregateCustomer, c.ID, c.Version, data, changed)...)
	return "WITH " + with + "created AS (" + insert + " RETURNING 1) " + insertEventSQL +
		" SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, " + t.db.dialect.feedAtInsert + " FROM created", args, nil
}

// skipAnyConflict ends a grouped INSERT: any unique conflict writes nothing
// instead of failing the group's transaction.
const skipAnyConflict = " ON CONFLICT DO NOTHING"
