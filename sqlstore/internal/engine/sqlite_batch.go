package engine

import (
	"context"
	"fmt"
	"sync"
)

// maxBatch bounds the writes one SQLite group commit carries.
const maxBatch = 256

// writeJob is one caller's write waiting for the SQLite group commit.
type writeJob struct {
	ctx  context.Context
	do   func(t *Tx) error
	err  error
	done chan error
}

// batcher is SQLite's group commit. SQLite has one writer and a durable
// commit costs an fsync, so committing each write alone caps throughput
// at the disk's fsync rate. The batcher runs the writes that queued up
// while the previous commit was syncing in one transaction, each inside a
// savepoint so a failing write rolls back alone, and answers every caller
// only after that commit is durable. Each write keeps its own semantics:
// it sees the writes before it, its checks, its event and its idempotency
// claim are its own.
type batcher struct {
	e    *sqlite
	jobs chan *writeJob
	stop chan struct{}
	wg   sync.WaitGroup
	once sync.Once
	ws   writeStmts // touched by loop only
	seqs writerSeqs // touched by loop only
}

func newBatcher(e *sqlite) *batcher {
	b := &batcher{e: e, jobs: make(chan *writeJob), stop: make(chan struct{})}
	b.wg.Go(b.loop)
	return b
}

// submit queues a write and waits for its outcome. It waits even when ctx
// ends meanwhile: once queued, the write may commit, and the caller must
// learn whether it did.
func (b *batcher) submit(ctx context.Context, do func(t *Tx) error) error {
	j := &writeJob{ctx: ctx, do: do, done: make(chan error, 1)}
	select {
	case b.jobs <- j:
	case <-ctx.Done():
		return ctx.Err()
	case <-b.stop:
		return ErrClosed
	}
	return <-j.done
}

func (b *batcher) close() {
	b.once.Do(func() { close(b.stop) })
	b.wg.Wait()
	b.ws.close()
}

func (b *batcher) loop() {
	batch := make([]*writeJob, 0, maxBatch)
	for {
		select {
		case j := <-b.jobs:
			batch = append(batch[:0], j)
		case <-b.stop:
			return
		}
	collect:
		for len(batch) < maxBatch {
			select {
			case j := <-b.jobs:
				batch = append(batch, j)
			default:
				break collect
			}
		}
		b.run(batch)
	}
}

// run commits one batch and answers its callers.
func (b *batcher) run(batch []*writeJob) {
	err := b.runTx(batch)
	for _, j := range batch {
		if j.err == nil && err != nil {
			j.err = err // nothing of the batch committed
		}
		j.done <- j.err
	}
	// The writer connection is free again: the time to prepare what the
	// batch met for the first time.
	b.ws.prepareQueued(b.e.wr)
}

func (b *batcher) runTx(batch []*writeJob) (err error) {
	defer func() { b.seqs.endBatch(err == nil) }()
	sqlTx, err := b.e.wr.BeginTx(context.Background(), nil)
	if err != nil {
		return err
	}
	stmts := b.ws.begin(sqlTx)
	for _, j := range batch {
		if err := j.ctx.Err(); err != nil {
			j.err = err // gave up before its turn: never ran
			continue
		}
		if _, err := stmts.exec(context.Background(), "SAVEPOINT w"); err != nil {
			sqlTx.Rollback()
			return err
		}
		// The statements run on the batch's context: cancelling one
		// caller's request must not interrupt the shared transaction.
		t := &Tx{tx: sqlTx, ctx: context.WithoutCancel(j.ctx), e: b.e, stmts: stmts, next: b.seqs.draw}
		j.err = runJob(t, j.do)
		b.seqs.endJob(j.err == nil)
		var err error
		if j.err != nil {
			_, err = stmts.exec(context.Background(), "ROLLBACK TO w")
		}
		if err == nil {
			_, err = stmts.exec(context.Background(), "RELEASE w")
		}
		if err != nil {
			sqlTx.Rollback()
			return err
		}
	}
	return sqlTx.Commit()
}

// runJob runs one write inside its savepoint; a panic fails that write
// only, as it would have failed its own transaction.
func runJob(t *Tx, do func(t *Tx) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic in write: %v", p)
		}
	}()
	return do(t)
}
