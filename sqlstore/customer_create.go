package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/telcoops/crm"
)

// customerCreate is one create customer on its way to the database: the
// customer, and what CreateCustomer encoded of it before the write.
type customerCreate struct {
	db                 *DB
	org                string
	opts               crm.WriteOptions
	now                time.Time
	c                  *crm.Customer
	body               string
	ev                 *preparedEvent
	docType, docNumber any
	drawn              bool // the service assigns the external id
}

// execFunc runs one statement: on a transaction, alone, or in a group.
type execFunc func(query string, args ...any) (sql.Result, error)

// insert is the statement that writes the row in a transaction of its own
// (or alone): one that skips the external ids clients took, when drawn.
func (cc *customerCreate) insert() string {
	if cc.drawn {
		return insertCustomerSQL + skipTakenExternalID
	}
	return insertCustomerSQL
}

// write inserts the customer, with insert, under its external id, drawn
// when the service assigns it, with its event, through exec. claim, on
// PostgreSQL, makes the statement claim the request's key (claimWith).
func (cc *customerCreate) write(t *tx, claim bool, insert string, exec execFunc) error {
	db, c, org := cc.db, cc.c, cc.org
	return t.insertDrawn(org, "customers", &c.ExternalID, func() (bool, error) {
		data, changed, err := cc.ev.withExternalID(*c.ExternalID)
		if err != nil {
			return false, err
		}
		var with string
		var withArgs []any
		if claim {
			if with, withArgs, err = t.claimWith(org, c); err != nil {
				return false, err
			}
		}
		row := []any{c.ID, org, *c.ExternalID, string(c.Type), cc.docType, cc.docNumber, nullString(c.SearchEmail()),
			digitalEmail(&c.CustomerData), cc.body, db.dialect.ts(cc.now), db.dialect.ts(cc.now), c.Version}
		if db.dialect.dmlInWith {
			// The row and its event in one statement: the event is
			// written exactly when the row is.
			evArgs := db.eventArgs(t.info, org, crm.EventCustomerCreated, crm.AggregateCustomer, c.ID, c.Version, data, changed)
			args := append(append(withArgs, row...), evArgs...)
			return written(exec("WITH "+with+"created AS ("+insert+" RETURNING 1) "+insertEventSQL+
				" SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "+db.dialect.feedAtInsert+" FROM created", args...))
		}
		if ok, err := written(exec(insert, row...)); !ok || err != nil {
			return ok, err
		}
		return true, t.appendEventJSON(org, crm.EventCustomerCreated, crm.AggregateCustomer, c.ID, c.Version, data, changed)
	})
}

// inTx writes the customer in a write transaction of its own (SQLite's
// group commit, or BEGIN ... COMMIT), which claims the request's key first
// and keeps its result last.
func (cc *customerCreate) inTx(ctx context.Context) error {
	return cc.db.write(ctx, cc.org, cc.opts, func(t *tx) error {
		if err := cc.write(t, false, cc.insert(), t.exec); err != nil {
			return err
		}
		return t.keep(cc.org, cc.c)
	})
}

// grouped writes the customer on PostgreSQL: first in a group commit,
// once. Its row skips any conflict, so that no client's conflict fails the
// others; with a key, though, the row is written only FROM the key's claim
// and must not skip (a claim committed without its row would refuse the
// retry), so a conflict fails the group. A create that did not commit runs
// again outside it, which tells its conflict apart and draws anew.
func (cc *customerCreate) grouped(ctx context.Context, alone *tx) error {
	keyed := alone.opts.Idempotency != nil
	first := insertCustomerSQL + skipAnyConflict
	if keyed {
		first = insertCustomerFromClaimSQL
	}
	err := cc.write(alone, keyed, first, func(query string, args ...any) (sql.Result, error) {
		return cc.db.group.exec(ctx, query, args...)
	})
	if errors.Is(err, errRunAlone) {
		if cc.drawn {
			cc.c.ExternalID = nil
		}
		// Run alone, it may be the one PostgreSQL rolls back to break a
		// deadlock with a group (each waiting on a row the other wrote
		// first); nothing of it committed, so it runs again.
		for range 3 {
			if keyed {
				err = cc.inTx(ctx)
			} else {
				err = cc.write(alone, false, cc.insert(), alone.execAlone)
			}
			if !deadlocked(err) {
				break
			}
		}
	}
	return translate(err)
}
