package sqlstore

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/sync/errgroup"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/sqlstore/internal/engine"
)

var _ crm.Importer = (*DB)(nil)

// BeginImport starts a bulk load of customers and their accounts into org
// (crm.Importer). Its batches are written with the engine's bulk insert
// (COPY on PostgreSQL), one transaction each holding the rows and their
// customer.created and account.created events as the API writes them,
// already numbered in the feed (import_feed.go); the engine is tuned for
// the load until End.
func (db *DB) BeginImport(ctx context.Context, org, actor string, workers int) (crm.ImportSession, error) {
	settings, err := db.Accounts.AccountSettings(ctx, org)
	if err != nil {
		return nil, err
	}
	tuning, err := db.eng.Bulk(ctx)
	if err != nil {
		return nil, translate(err)
	}
	return &importer{db: db.database, org: org, actor: actor, workers: max(workers, 1), cycle: settings.InvoiceCycle,
		start: newID(), custIDs: idPool{name: "customers.external_id"},
		acctIDs: idPool{name: "accounts.external_id"}, tuning: tuning}, nil
}

// analyzeImported brings the planner's statistics up to date with what an
// import wrote; an import runs it after its first batch and whenever it
// has doubled what it had imported at the last run. (Between runs the
// planner scales the row counts by the tables' size; it is the share of
// each org that it cannot guess.)
//
// Without statistics PostgreSQL takes any org to hold half a percent of a
// table's rows. The import's check for external ids already taken then
// hashed every customer of the org, read from an (org_id, ...) index,
// rather than probe the index for each of its 500 ids: 18-38 ms a query at
// half a million customers and growing with the table; a generic plan
// cached on the empty table did the same at 111 ms a query by 300
// thousand, and took a million lines from 3 to 10 minutes where
// autovacuum, whose ANALYZE also replaces cached plans, was off. After an
// import, listing a customer's accounts likewise ANDed the customer's
// rows with all of the org's: milliseconds instead of microseconds.
func (db *database) analyzeImported(ctx context.Context) error {
	if db.dialect.analyzeImported == "" {
		return nil
	}
	if _, err := db.wr.ExecContext(ctx, db.dialect.analyzeImported); err != nil {
		return fmt.Errorf("update the planner's statistics: %w", err)
	}
	return nil
}

// importer is the state of one load (crm.ImportSession).
type importer struct {
	db      *database
	org     string
	actor   string
	workers int
	cycle   crm.InvoiceCycle
	// start is an id drawn as the load began. Ids are UUIDv7, increasing
	// in a process and with the clock: a customer whose id sorts after it
	// was created during this load, so finding its external id again is
	// a duplicate in the load, not a customer from before it to skip. The
	// database tells, where a set of the load's external ids grew with
	// the file (a tenth of the memory of a million lines).
	start            string
	custIDs, acctIDs idPool
	tuning           *engine.Bulk
	// block is how many external ids the load reserves at once: enough
	// for four of its batches.
	block int64
	// written and analyzed count the customers written, in all and when
	// the load last refreshed the planner's statistics (analyzeImported).
	written, analyzed int
}

// importItem is one line on its way to the database.
type importItem struct {
	own  *string // the customer external_id the line gave
	l    *crm.ImportLine
	errs []string // set: rejected
	skip bool
	c    crm.Customer
	as   []crm.Account
	rows importRows
}

// importBatch is a prepared batch (crm.PreparedImport).
type importBatch struct{ items []*importItem }

func (b *importBatch) Len() int { return len(b.items) }

// Prepare gives the lines the customer and accounts the API would create
// of them, draws the external ids they lack in line order, and encodes
// their rows on the load's workers.
func (im *importer) Prepare(ctx context.Context, lines []*crm.ImportLine) (crm.PreparedImport, error) {
	now := im.db.now()
	im.block = max(im.block, 4*int64(len(lines)))
	items := make([]*importItem, len(lines))
	for i, l := range lines {
		it := &importItem{own: l.ExternalID, l: l}
		it.c = crm.Customer{ID: newID(), OrgID: im.org, ExternalID: l.ExternalID, CustomerData: l.CustomerData,
			CreatedAt: now, UpdatedAt: now, Version: 1}
		if it.c.ExternalID == nil {
			id, err := im.draw(ctx, &im.custIDs)
			if err != nil {
				return nil, err
			}
			it.c.ExternalID = &id
		}
		it.as = make([]crm.Account, len(l.Accounts))
		for j, n := range l.Accounts {
			pm := crm.PaymentMethod{Type: n.PaymentMethod.Type}
			if d := n.PaymentMethod.Details; d != nil && d.IBAN != nil {
				pm.IBAN = *d.IBAN // BANK_TRANSFER or DIRECT_DEBIT: the only methods a new customer can have
			}
			it.as[j] = crm.Account{ID: newID(), OrgID: im.org, CustomerID: it.c.ID, ExternalID: n.ExternalID,
				Modality: n.Modality, BillingAddress: n.BillingAddress, PaymentMethod: pm, InvoiceCycle: im.cycle,
				CreatedAt: now, UpdatedAt: now, Version: 1}
			if n.ExternalID == nil {
				id, err := im.draw(ctx, &im.acctIDs)
				if err != nil {
					return nil, err
				}
				it.as[j].ExternalID = &id
			}
		}
		items[i] = it
	}
	var g errgroup.Group
	g.SetLimit(im.workers)
	for _, it := range items {
		g.Go(func() error { return im.build(it) })
	}
	if err := g.Wait(); err != nil {
		return nil, crm.Internal(err)
	}
	return &importBatch{items: items}, nil
}

// Write writes the batch in one transaction, or, when it breaks a
// uniqueness rule, line by line in another.
func (im *importer) Write(ctx context.Context, batch crm.PreparedImport) ([]crm.ImportOutcome, error) {
	items := batch.(*importBatch).items
	if len(items) > 0 {
		err := im.inTx(ctx, func(t *tx) error {
			if err := im.check(t, items); err != nil {
				return err
			}
			return im.copyRows(t, pending(items))
		})
		if crm.ErrorCodeOf(err) == crm.ECONFLICT {
			err = im.inTx(ctx, func(t *tx) error { return im.rowByRow(t, pending(items)) })
		}
		if err != nil {
			return nil, err
		}
		im.tuning.Committed()
	}
	out := make([]crm.ImportOutcome, len(items))
	for i, it := range items {
		out[i] = crm.ImportOutcome{Skipped: it.skip, Errors: it.errs}
		if it.errs == nil && !it.skip {
			im.written++
		}
	}
	if im.written > 0 && im.written >= 2*im.analyzed {
		if err := im.db.analyzeImported(ctx); err != nil {
			return nil, err
		}
		im.analyzed = im.written
	}
	return out, nil
}

// End gives back the external ids reserved and not drawn, and the
// engine's tuning.
func (im *importer) End(ctx context.Context) error {
	return errors.Join(im.releaseIDs(ctx), translate(im.tuning.Stop(ctx)))
}
