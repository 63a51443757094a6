// Package natsrelay publishes the outbox to NATS JetStream: every committed
// event, once, in feed order, on subject <prefix>.<org>.<event type>, with
// the event id as the JetStream message id so the server drops the
// duplicates a crash between publish and cursor commit can cause.
//
// Several service instances may run a relay on one database; a lease in
// the database lets one publish at a time, and another takes over within
// a lease period when it dies.
package natsrelay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/telcoops/crm"
)

// LeaseName names the relay's lease and cursor in the outbox.
const LeaseName = "nats"

// Config tunes a Relay. Zero values take the defaults.
type Config struct {
	Stream        string        // JetStream stream, created if missing (default CRM_EVENTS)
	SubjectPrefix string        // default "crm"
	Replicas      int           // copies of the stream in a JetStream cluster (default 1; 3 survives a node's loss)
	Holder        string        // this process's lease holder id (default a random one)
	LeaseTTL      time.Duration // default 5s: how soon another instance takes over a dead one
	Poll          time.Duration // idle wait between reads of the feed (default 200ms)
	Batch         int           // events per read (default 256)
	Logger        *slog.Logger
	Metrics       *Metrics // nil: no metrics
}

// Relay copies the outbox to JetStream.
type Relay struct {
	outbox crm.Outbox
	js     jetstream.JetStream
	cfg    Config
	log    *slog.Logger
}

// New returns a relay publishing through nc, after making sure the stream
// exists and keeps message ids long enough to de-duplicate a takeover.
func New(ctx context.Context, outbox crm.Outbox, nc *nats.Conn, cfg Config) (*Relay, error) {
	if cfg.Stream == "" {
		cfg.Stream = "CRM_EVENTS"
	}
	if cfg.SubjectPrefix == "" {
		cfg.SubjectPrefix = "crm"
	}
	if cfg.Holder == "" {
		cfg.Holder = fmt.Sprintf("relay-%016x", rand.Uint64())
	}
	if cfg.LeaseTTL <= 0 {
		cfg.LeaseTTL = 5 * time.Second
	}
	if cfg.Replicas <= 0 {
		cfg.Replicas = 1
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 200 * time.Millisecond
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 256
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("natsrelay: %w", err)
	}
	_, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:     cfg.Stream,
		Subjects: []string{cfg.SubjectPrefix + ".>"},
		Storage:  jetstream.FileStorage,
		Replicas: cfg.Replicas,
		// Long enough that a relay taking over after a crash re-publishes
		// within the window, so JetStream drops what was already stored.
		Duplicates: 10 * time.Minute,
	})
	if err != nil {
		return nil, fmt.Errorf("natsrelay: stream %s: %w", cfg.Stream, err)
	}
	return &Relay{outbox: outbox, js: js, cfg: cfg, log: cfg.Logger.With("component", "natsrelay", "holder", cfg.Holder)}, nil
}

// Subject is the subject an event is published on.
func (r *Relay) Subject(e crm.Event) string {
	return r.cfg.SubjectPrefix + "." + e.OrgID + "." + e.Type
}

// Run relays until ctx ends, then gives up the lease so another instance
// can take over at once. Errors are logged and retried with backoff; Run
// returns only when ctx ends.
func (r *Relay) Run(ctx context.Context) error {
	backoff := r.cfg.Poll
	leader := false
	defer func() {
		if leader {
			r.outbox.ReleaseLease(context.WithoutCancel(ctx), LeaseName, r.cfg.Holder)
		}
		r.cfg.Metrics.setLeader(false)
	}()
	for ctx.Err() == nil {
		n, isLeader, err := r.step(ctx)
		if isLeader != leader {
			leader = isLeader
			r.cfg.Metrics.setLeader(leader)
			r.log.Info("relay lease", "held", leader)
		}
		wait := r.cfg.Poll
		switch {
		case err != nil && ctx.Err() == nil:
			r.log.Warn("relay step failed", "err", err, "retry_in", backoff)
			wait, backoff = backoff, min(backoff*2, 10*time.Second)
		case err == nil:
			backoff = r.cfg.Poll
			if n > 0 {
				wait = 0 // more may be waiting
			} else if !leader {
				wait = r.cfg.LeaseTTL / 5
			}
		}
		if wait > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(wait):
			}
		}
	}
	return nil
}

// step publishes one batch if this process holds the lease; it reports how
// many events it published and whether it holds the lease.
func (r *Relay) step(ctx context.Context) (int, bool, error) {
	// Lease calls run to completion even when ctx ends: a statement
	// abandoned at shutdown may still reach the database after the lease
	// was released, renew it for this dead holder and keep the other
	// instances waiting a whole lease period.
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	cursor, ok, err := r.outbox.AcquireLease(lctx, LeaseName, r.cfg.Holder, r.cfg.LeaseTTL)
	if err != nil || !ok {
		return 0, false, err
	}
	if _, err := r.outbox.Sequence(ctx); err != nil {
		return 0, true, err
	}
	evs, err := r.outbox.FeedAfter(ctx, cursor, r.cfg.Batch)
	if err != nil {
		return 0, true, err
	}
	if backlog, err := r.outbox.Backlog(ctx, LeaseName); err == nil {
		r.cfg.Metrics.setBacklog(backlog)
	}
	if len(evs) == 0 {
		return 0, true, nil
	}
	published := 0
	var pubErr error
	for _, e := range evs {
		// One at a time, each acknowledged before the next: a pipelined
		// batch whose middle publish fails would be stored out of order
		// when it is retried.
		if pubErr = r.publish(ctx, e); pubErr != nil {
			break
		}
		published++
	}
	if published > 0 {
		err := r.outbox.CommitCursor(lctx, LeaseName, r.cfg.Holder, evs[published-1].Position, r.cfg.LeaseTTL)
		if errors.Is(err, crm.ErrLeaseLost) {
			return published, false, nil
		}
		if err != nil {
			return published, true, err
		}
	}
	return published, true, pubErr
}

func (r *Relay) publish(ctx context.Context, e crm.Event) error {
	if e.Type == crm.EventCustomerErased {
		if err := r.purgeErased(ctx, e); err != nil {
			return err
		}
	}
	body, err := json.Marshal(e)
	if err != nil {
		return err
	}
	msg := nats.NewMsg(r.Subject(e))
	msg.Data = body
	msg.Header.Set("Crm-Event-Type", e.Type)
	msg.Header.Set("Crm-Aggregate", e.AggregateType+"/"+e.AggregateID)
	msg.Header.Set("Crm-Sequence", strconv.FormatInt(e.Sequence, 10))
	start := time.Now()
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err = r.js.PublishMsg(pctx, msg, jetstream.WithMsgID(e.ID))
	r.cfg.Metrics.observe(time.Since(start), err)
	if err != nil {
		return fmt.Errorf("publish %s (%s): %w", e.ID, msg.Subject, err)
	}
	return nil
}
