package sqlstore

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/sqlstore/internal/engine"
)

// AccessLogOptions tune NewAccessLog; the zero value is usable.
type AccessLogOptions struct {
	// QueueSize bounds the entries waiting to be stored (default 16384).
	QueueSize int
	// MaxBatch bounds the entries of one transaction (default 16384).
	// QueueSize plus MaxBatch entries is what a SIGKILL may lose at most.
	MaxBatch int
	// Linger is how long the writer waits for a batch to fill before it
	// stores it (default 500 ms): fewer transactions, and more reads that
	// share a row (the reads of one customer by one credential).
	Linger time.Duration
	// FullWait is how long RecordAccess waits for room in a full queue
	// before it answers EUNAVAILABLE (default 250 ms).
	FullWait time.Duration
	// MergeEvery is how long stored rows wait before their customers are
	// merged into the index, one entry per customer (default 5 s); fewer
	// index entries, and rows pending meanwhile, which listings read too.
	MergeEvery time.Duration
	// MaxStaged merges sooner once this many customers of rows wait
	// (default 65536): the writer's memory is bounded.
	MaxStaged int
	// OrphanAge is how long a row may stay pending before another writer
	// merges it, its own having died (default 1 minute).
	OrphanAge time.Duration
	// Clock tells the time for OrphanAge (default crm.SystemClock).
	Clock crm.Clock
}

// AccessLog is the access log (crm.AccessLog): RecordAccess queues entries
// in a bounded buffer, and one goroutine stores them in batches, one
// transaction of multi-row INSERTs each, apart from the requests.
type AccessLog struct {
	db       *database
	log      *slog.Logger
	queue    chan crm.AccessLogEntry
	flushes  chan chan struct{}
	closing  chan struct{}
	done     chan struct{}
	close    sync.Once
	maxBatch int
	linger   time.Duration
	fullWait time.Duration
	opt      AccessLogOptions
	staged   stagedIndex
	merging  *time.Timer // runs while rows are staged
	reasons  sync.Map    // org -> reasonRoles, the cached setting
}

var _ crm.AccessLog = (*AccessLog)(nil)

// NewAccessLog starts the access log's writer on db. Close it after the
// HTTP server has drained, before db.
func NewAccessLog(db *DB, opt AccessLogOptions) *AccessLog {
	if opt.QueueSize <= 0 {
		opt.QueueSize = 16384
	}
	if opt.MaxBatch <= 0 {
		opt.MaxBatch = 16384
	}
	if opt.Linger <= 0 {
		opt.Linger = 500 * time.Millisecond
	}
	if opt.FullWait <= 0 {
		opt.FullWait = 250 * time.Millisecond
	}
	if opt.MergeEvery <= 0 {
		opt.MergeEvery = 5 * time.Second
	}
	if opt.MaxStaged <= 0 {
		opt.MaxStaged = 1 << 16
	}
	if opt.OrphanAge <= 0 {
		opt.OrphanAge = time.Minute
	}
	if opt.Clock == nil {
		opt.Clock = crm.SystemClock
	}
	l := &AccessLog{db: db.database, log: db.log, queue: make(chan crm.AccessLogEntry, opt.QueueSize),
		flushes: make(chan chan struct{}), closing: make(chan struct{}), done: make(chan struct{}),
		maxBatch: opt.MaxBatch, linger: opt.Linger, fullWait: opt.FullWait, opt: opt}
	go l.run()
	return l
}

// RecordAccess queues entries; it waits FullWait at most for room.
func (l *AccessLog) RecordAccess(ctx context.Context, entries ...crm.AccessLogEntry) error {
	select {
	case <-l.closing:
		return crm.Errorf(crm.EUNAVAILABLE, "the access log is closed")
	default:
	}
	for i := range entries {
		select {
		case l.queue <- entries[i]:
			continue
		default:
		}
		t := time.NewTimer(l.fullWait)
		select {
		case l.queue <- entries[i]:
			t.Stop()
		case <-t.C:
			l.log.Warn("access log queue full: read refused", "org", entries[i].OrgID)
			return crm.Errorf(crm.EUNAVAILABLE, "the access log is busy, retry")
		case <-ctx.Done():
			t.Stop()
			return crm.Errorf(crm.EUNAVAILABLE, "the access log is busy, retry")
		}
	}
	return nil
}

// Flush returns once every entry queued before the call is stored, or
// the log closed.
func (l *AccessLog) Flush(ctx context.Context) error {
	ack := make(chan struct{})
	select {
	case l.flushes <- ack:
	case <-l.done:
		return nil
	case <-ctx.Done():
		return crm.Errorf(crm.EUNAVAILABLE, "the access log did not flush in time")
	}
	select {
	case <-ack:
		return nil
	case <-ctx.Done():
		return crm.Errorf(crm.EUNAVAILABLE, "the access log did not flush in time")
	}
}

// Close stores every queued entry and stops the writer. Call it once no
// request can record any more (after the HTTP server's Shutdown).
func (l *AccessLog) Close() {
	l.close.Do(func() { close(l.closing) })
	<-l.done
}

// run is the writer: it takes what is queued, up to MaxBatch, and stores
// it; a flush or close stores everything queued.
func (l *AccessLog) run() {
	defer close(l.done)
	l.merging = time.NewTimer(time.Hour)
	l.merging.Stop()
	batch := make([]crm.AccessLogEntry, 0, l.maxBatch)
	for {
		select {
		case e := <-l.queue:
			var acks []chan struct{}
			batch, acks = l.collect(append(batch[:0], e))
			l.store(batch, false)
			if acks != nil {
				l.storeAll(batch, false)
				for _, ack := range acks {
					close(ack)
				}
			}
		case ack := <-l.flushes:
			l.storeAll(batch, false)
			close(ack)
		case <-l.merging.C:
			l.mergeStaged()
		case <-l.closing:
			l.storeAll(batch, true)
			l.mergeStaged()
			return
		}
	}
}

// mergeStaged merges the staged rows' customers into the index. On failure
// they stay staged for the next try, and their rows pending in the
// database, so that a writer that gives up (or dies) loses none.
func (l *AccessLog) mergeStaged() {
	if l.staged.pairs == 0 && l.staged.rows == nil {
		return
	}
	orphanedBefore := l.opt.Clock().Add(-l.opt.OrphanAge).UnixMicro()
	err := l.db.eng.Write(context.Background(), engine.Work{Do: func(t *engine.Tx) error {
		return l.merge(t, l.staged.rows, orphanedBefore)
	}})
	if err == nil || l.staged.pairs > 4*l.opt.MaxStaged {
		if err != nil {
			l.log.Warn("access log index merge failed; rows left pending for a later merge", "error", err.Error())
		}
		l.staged.reset()
		l.merging.Stop()
		return
	}
	l.log.Warn("access log index merge failed, retrying", "error", err.Error())
	l.merging.Reset(l.opt.MergeEvery)
}

// collect adds entries to batch until it holds MaxBatch or Linger has
// passed, and ends early for a flush (returned) or a close.
func (l *AccessLog) collect(batch []crm.AccessLogEntry) ([]crm.AccessLogEntry, []chan struct{}) {
	if batch = l.drain(batch); len(batch) >= l.maxBatch {
		return batch, nil
	}
	t := time.NewTimer(l.linger)
	defer t.Stop()
	for len(batch) < l.maxBatch {
		select {
		case e := <-l.queue:
			batch = append(batch, e)
		case ack := <-l.flushes:
			return l.drain(batch), []chan struct{}{ack}
		case <-l.closing:
			return batch, nil
		case <-t.C:
			return batch, nil
		}
	}
	return batch, nil
}

// drain adds what is queued to batch, up to MaxBatch entries.
func (l *AccessLog) drain(batch []crm.AccessLogEntry) []crm.AccessLogEntry {
	for len(batch) < l.maxBatch {
		select {
		case e := <-l.queue:
			batch = append(batch, e)
		default:
			return batch
		}
	}
	return batch
}

// storeAll stores batches until the queue is empty.
func (l *AccessLog) storeAll(batch []crm.AccessLogEntry, closing bool) {
	for {
		batch = l.drain(batch[:0])
		if len(batch) == 0 {
			return
		}
		l.store(batch, closing)
	}
}

// store writes batch, retrying while the database fails; meanwhile the
// queue fills and RecordAccess refuses reads. Closing, it gives up after
// a few tries and says how many entries were lost.
func (l *AccessLog) store(batch []crm.AccessLogEntry, closing bool) {
	wait := 50 * time.Millisecond
	for try := 1; ; try++ {
		var staged stagedIndex
		err := l.db.eng.Write(context.Background(), engine.Work{Do: func(t *engine.Tx) error {
			staged.reset()
			return l.insert(t, batch, &staged)
		}})
		if err == nil {
			l.stage(staged)
			return
		}
		if closing && try >= 3 || errors.Is(err, engine.ErrClosed) {
			l.log.Error("access log entries lost", "entries", len(batch), "error", err.Error())
			return
		}
		l.log.Warn("access log write failed, retrying", "entries", len(batch), "error", err.Error())
		time.Sleep(wait)
		wait = min(2*wait, 5*time.Second)
	}
}

// stage adds stored rows' customers to those waiting for the index, and
// merges once MaxStaged wait; the first rows staged start MergeEvery.
func (l *AccessLog) stage(s stagedIndex) {
	if len(s.rows) == 0 {
		return
	}
	if l.staged.rows == nil {
		l.merging.Reset(l.opt.MergeEvery)
	}
	for id, hashes := range s.rows {
		l.staged.add(id, hashes)
	}
	if l.staged.pairs >= l.opt.MaxStaged {
		l.mergeStaged()
	}
}
