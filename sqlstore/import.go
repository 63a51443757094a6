package sqlstore

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/jsonstrict"
	"github.com/telcoops/crm/sqlstore/internal/engine"
)

// DefaultImportBatch is how many lines one import transaction carries.
const DefaultImportBatch = 2000

// ImportOptions tune Import; the zero value is usable.
type ImportOptions struct {
	// Actor is the imported events' actor, e.g. "import:customers.jsonl".
	Actor string
	// BatchSize is the number of lines per transaction (DefaultImportBatch).
	BatchSize int
	// Workers decode, validate and encode lines beside the writer
	// (default GOMAXPROCS).
	Workers int
	// Reject receives every rejected line, in line order, once the batch
	// it belongs to has committed; an error from it stops the import.
	Reject func(crm.ImportRejection) error
	// Progress is called after each batch commits.
	Progress func(ImportStats)
}

// ImportStats counts what an import did so far.
type ImportStats struct {
	Lines    int   // non-blank lines done: imported, skipped or rejected
	Bytes    int64 // bytes of the input done
	Imported int   // customers written
	Accounts int   // accounts written
	Skipped  int   // lines whose customer external_id was already in the org
	Rejected int   // lines refused, each in the report
}

// Import bulk-loads customers and their accounts into org from JSON Lines
// (crm.ImportLine, one per line). Each line is validated as the API
// validates its creates; a rejected line is reported and the import goes
// on. A line whose customer external_id is already in the org (from before
// this import) is skipped, which makes a re-run safe. Lines are written in
// batches, one transaction each with the rows and their customer.created
// and account.created events, written as the API writes them; a batch
// that breaks a uniqueness rule is redone line by line, each in a
// savepoint, so only the culprits are rejected. Decoding and encoding run
// on Workers goroutines while the previous batch is written.
func (db *DB) Import(ctx context.Context, org string, r io.Reader, opt ImportOptions) (ImportStats, error) {
	if opt.BatchSize <= 0 {
		opt.BatchSize = DefaultImportBatch
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	if opt.Actor == "" {
		opt.Actor = "import"
	}
	settings, err := db.Accounts.AccountSettings(ctx, org)
	if err != nil {
		return ImportStats{}, err
	}
	tuning, err := db.eng.Bulk(ctx)
	if err != nil {
		return ImportStats{}, translate(err)
	}
	im := &importer{db: db, org: org, opt: opt, cycle: settings.InvoiceCycle, imported: map[string]struct{}{},
		custIDs: idPool{name: "customers.external_id"}, acctIDs: idPool{name: "accounts.external_id"}, tuning: tuning}
	outer := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chunks := make(chan []*importItem, 2)
	var prepErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(chunks)
		prepErr = im.produce(ctx, r, chunks)
	})
	for items := range chunks {
		if err = ctx.Err(); err == nil {
			err = im.writeChunk(ctx, items)
		}
		if err != nil {
			cancel()
			break
		}
	}
	for range chunks {
	}
	wg.Wait()
	switch {
	case outer.Err() != nil:
		err = outer.Err() // interrupted: anything else that failed, failed of it
	case err == nil:
		err = prepErr
	}
	err = errors.Join(err, im.releaseIDs(context.WithoutCancel(ctx)), translate(tuning.Stop(context.WithoutCancel(ctx))))
	return im.stats, err
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

// importer is the state of one Import.
type importer struct {
	db    *DB
	org   string
	opt   ImportOptions
	cycle crm.InvoiceCycle
	stats ImportStats
	// imported holds the own external ids of the customers this import
	// wrote: finding one of them again is a duplicate in the file, not a
	// customer from an earlier run to skip.
	imported         map[string]struct{}
	custIDs, acctIDs idPool
	tuning           *engine.Bulk
	// analyzed is the count of lines imported when the import last
	// refreshed the planner's statistics (DB.analyzeImported).
	analyzed int
}

// importItem is one line on its way through the import.
type importItem struct {
	line int
	end  int64 // input offset after the line
	raw  []byte
	own  *string // the customer external_id the line gave
	l    *crm.ImportLine
	errs []string // set: rejected
	skip bool
	c    crm.Customer
	as   []crm.Account
	rows importRows
}

// produce reads the input in chunks of a batch, prepares each chunk and
// hands it to the writer.
func (im *importer) produce(ctx context.Context, r io.Reader, out chan<- []*importItem) error {
	lr := lineReader{br: bufio.NewReaderSize(r, 1<<16)}
	for {
		items, err := lr.chunk(im.opt.BatchSize)
		if len(items) > 0 {
			if perr := im.prepare(ctx, items); perr != nil {
				return perr
			}
			select {
			case out <- items:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// prepare decodes and validates the lines, assigns external ids in line
// order, and encodes the rows: all but the writing.
func (im *importer) prepare(ctx context.Context, items []*importItem) error {
	im.parallel(items, im.decode)
	for _, it := range items {
		if it.errs != nil {
			continue
		}
		if it.c.ExternalID == nil {
			id, err := im.draw(ctx, &im.custIDs)
			if err != nil {
				return err
			}
			it.c.ExternalID = &id
		}
		for i := range it.as {
			if it.as[i].ExternalID == nil {
				id, err := im.draw(ctx, &im.acctIDs)
				if err != nil {
					return err
				}
				it.as[i].ExternalID = &id
			}
		}
	}
	var failed atomic.Pointer[error]
	im.parallel(items, func(it *importItem) {
		if it.errs == nil {
			if err := im.build(it); err != nil {
				failed.CompareAndSwap(nil, &err)
			}
		}
	})
	if p := failed.Load(); p != nil {
		return *p
	}
	return nil
}

// parallel runs fn on every item on the workers.
func (im *importer) parallel(items []*importItem, fn func(*importItem)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(im.opt.Workers, len(items)) {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(len(items)); i = next.Add(1) - 1 {
				fn(items[i])
			}
		})
	}
	wg.Wait()
}

// decode turns a line into the customer and accounts the API would create.
func (im *importer) decode(it *importItem) {
	if it.errs != nil {
		return
	}
	l, err := jsonstrict.DecodeImportLine(it.raw)
	if err != nil {
		it.own = crm.ImportLineExternalID(it.raw)
		it.errs = crm.ErrorStrings(err)
		return
	}
	l.Normalize()
	now := im.db.now()
	it.own = l.ExternalID
	if err := l.Validate(now); err != nil {
		it.errs = crm.ErrorStrings(err)
		return
	}
	it.l = l
	it.c = crm.Customer{ID: newID(), OrgID: im.org, ExternalID: l.ExternalID, CustomerData: l.CustomerData,
		CreatedAt: now, UpdatedAt: now, Version: 1}
	it.as = make([]crm.Account, len(l.Accounts))
	for i, n := range l.Accounts {
		pm := crm.PaymentMethod{Type: n.PaymentMethod.Type}
		if d := n.PaymentMethod.Details; d != nil && d.IBAN != nil {
			pm.IBAN = *d.IBAN // BANK_TRANSFER or DIRECT_DEBIT: the only methods a new customer can have
		}
		it.as[i] = crm.Account{ID: newID(), OrgID: im.org, CustomerID: it.c.ID, ExternalID: n.ExternalID,
			Modality: n.Modality, BillingAddress: n.BillingAddress, PaymentMethod: pm, InvoiceCycle: im.cycle,
			CreatedAt: now, UpdatedAt: now, Version: 1}
	}
}
