// Package jsonlimport bulk-loads customers and their accounts from JSON
// Lines (crm.ImportLine, one per line) into a store's import session
// (crm.Importer): it reads the lines, decodes and validates them on worker
// goroutines as the API does its creates, hands the valid ones to the store
// batch by batch while it prepares the next, and reports every rejected
// line in line order.
package jsonlimport

import (
	"bufio"
	"context"
	"errors"
	"io"
	"runtime"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/jsonstrict"
)

// DefaultBatch is how many lines one batch (one transaction) carries.
const DefaultBatch = 2000

// Options tune Run; the zero value is usable.
type Options struct {
	// Actor is the imported events' actor, e.g. "import:customers.jsonl".
	Actor string
	// BatchSize is the number of lines per transaction (DefaultBatch).
	BatchSize int
	// Workers decode, validate and encode lines beside the writer
	// (default GOMAXPROCS).
	Workers int
	// Clock is the time lines are validated at (default crm.SystemClock).
	Clock crm.Clock
	// Reject receives every rejected line, in line order, once the batch
	// it belongs to has committed; an error from it stops the import.
	Reject func(crm.ImportRejection) error
	// Progress is called after each batch commits.
	Progress func(Stats)
	// Rate is the most lines a second the import writes on average (0:
	// as fast as the store takes them): a share of the database left to
	// a service running on it during the import.
	Rate float64
}

// Stats counts what an import did so far.
type Stats struct {
	Lines    int   // non-blank lines done: imported, skipped or rejected
	Bytes    int64 // bytes of the input done
	Imported int   // customers written
	Accounts int   // accounts written
	Skipped  int   // lines whose customer external_id was already in the org
	Rejected int   // lines refused, each in the report
}

// Run imports r into org through store. Each line is validated as the
// API validates its creates; a rejected line is reported and the import
// goes on. A line whose customer external_id is already in the org (from
// before this import) is skipped, which makes a re-run safe. What was
// written before an error stays written.
func Run(ctx context.Context, store crm.Importer, org string, r io.Reader, opt Options) (Stats, error) {
	if opt.BatchSize <= 0 {
		opt.BatchSize = DefaultBatch
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	if opt.Actor == "" {
		opt.Actor = "import"
	}
	if opt.Clock == nil {
		opt.Clock = crm.SystemClock
	}
	session, err := store.BeginImport(ctx, org, opt.Actor, opt.Workers)
	if err != nil {
		return Stats{}, err
	}
	run := &run{session: session, opt: opt}
	outer := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Unbuffered: the writer holds one batch, the reader prepares the
	// next and waits with it, so that the import holds two batches at any
	// size of the input (with a buffer of two it held four, the most of
	// its memory).
	batches := make(chan *batch)
	var readErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(batches)
		readErr = run.read(ctx, r, batches)
	}()
	pace := newPacer(opt.Rate)
	for b := range batches {
		if err = ctx.Err(); err == nil {
			err = pace.wait(ctx, len(b.items))
		}
		if err == nil {
			err = run.write(ctx, b)
		}
		if err != nil {
			cancel()
			break
		}
	}
	for range batches {
	}
	<-done
	switch {
	case outer.Err() != nil:
		err = outer.Err() // interrupted: anything else that failed, failed of it
	case err == nil:
		err = readErr
	}
	return run.stats, errors.Join(err, session.End(context.WithoutCancel(ctx)))
}

// run is the state of one Run.
type run struct {
	session crm.ImportSession
	opt     Options
	stats   Stats
}

// item is one line on its way through the import.
type item struct {
	line int
	end  int64 // input offset after the line
	raw  []byte
	own  *string // the customer external_id the line gave
	l    *crm.ImportLine
	errs []string // set: rejected
}

// batch is a chunk of lines and what the store prepared of its valid ones.
type batch struct {
	items    []*item
	valid    []*item // in line order
	prepared crm.PreparedImport
}

// read reads the input in chunks of a batch, decodes each chunk and has
// the store prepare it, and hands it to the writer.
func (ru *run) read(ctx context.Context, r io.Reader, out chan<- *batch) error {
	lr := lineReader{br: bufio.NewReaderSize(r, 1<<16)}
	for {
		items, err := lr.chunk(ru.opt.BatchSize)
		if len(items) > 0 {
			b, perr := ru.prepare(ctx, items)
			if perr != nil {
				return perr
			}
			select {
			case out <- b:
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

// prepare decodes and validates the lines on the workers, then has the
// store prepare the valid ones.
func (ru *run) prepare(ctx context.Context, items []*item) (*batch, error) {
	now := ru.opt.Clock()
	var g errgroup.Group
	g.SetLimit(ru.opt.Workers)
	for _, it := range items {
		g.Go(func() error { decode(it, now); return nil })
	}
	g.Wait()
	b := &batch{items: items}
	lines := make([]*crm.ImportLine, 0, len(items))
	for _, it := range items {
		if it.errs == nil {
			b.valid = append(b.valid, it)
			lines = append(lines, it.l)
		}
	}
	var err error
	b.prepared, err = ru.session.Prepare(ctx, lines)
	return b, err
}

// decode turns a line into a valid crm.ImportLine, or rejects it.
func decode(it *item, now time.Time) {
	if it.errs != nil {
		return
	}
	raw := it.raw
	it.raw = nil // decoded, the line's bytes are not needed again
	l, err := jsonstrict.DecodeImportLine(raw)
	if err != nil {
		it.own = crm.ImportLineExternalID(raw)
		it.errs = crm.ErrorStrings(err)
		return
	}
	l.Normalize()
	it.own = l.ExternalID
	if err := l.Validate(now); err != nil {
		it.errs = crm.ErrorStrings(err)
		return
	}
	it.l = l
}

// write has the store write a batch, then counts and reports its lines.
func (ru *run) write(ctx context.Context, b *batch) error {
	outcomes, err := ru.session.Write(ctx, b.prepared)
	if err != nil {
		return err
	}
	for i, o := range outcomes {
		it := b.valid[i]
		switch {
		case o.Errors != nil:
			it.errs = o.Errors
		case o.Skipped:
			ru.stats.Skipped++
		default:
			ru.stats.Imported++
			ru.stats.Accounts += len(it.l.Accounts)
		}
	}
	for _, it := range b.items {
		if it.errs == nil {
			continue
		}
		ru.stats.Rejected++
		if ru.opt.Reject != nil {
			if err := ru.opt.Reject(crm.ImportRejection{Line: it.line, ExternalID: it.own, Errors: it.errs}); err != nil {
				return err
			}
		}
	}
	ru.stats.Lines += len(b.items)
	ru.stats.Bytes = b.items[len(b.items)-1].end
	if ru.opt.Progress != nil {
		ru.opt.Progress(ru.stats)
	}
	return nil
}
