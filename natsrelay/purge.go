package natsrelay

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/telcoops/crm"
)

// purgeErased deletes from the stream, before the relay publishes a
// customer.erased event, every message about the erased customer, its
// accounts and its products (by their Crm-Aggregate header), so that a
// replay never shows the person again. It reads the org's subjects from
// the customer's creation on, and deletes securely (the server overwrites
// the stored bytes). Run again after a crash, it finds what is left.
func (r *Relay) purgeErased(ctx context.Context, e crm.Event) error {
	var d crm.ErasedEventData
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return fmt.Errorf("purge %s: %w", e.ID, err)
	}
	gone := map[string]bool{crm.AggregateCustomer + "/" + d.ID: true}
	for _, id := range d.Accounts {
		gone[crm.AggregateAccount+"/"+id] = true
	}
	for _, id := range d.Products {
		gone[crm.AggregateCustomerProduct+"/"+id] = true
	}
	stream, err := r.js.Stream(ctx, r.cfg.Stream)
	if err != nil {
		return fmt.Errorf("purge %s: %w", e.ID, err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		return fmt.Errorf("purge %s: %w", e.ID, err)
	}
	last := info.State.LastSeq
	if last == 0 {
		return nil
	}
	// A minute's margin: the stream's clock and the database's may differ.
	start := d.CustomerCreatedAt.Add(-time.Minute)
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{r.cfg.SubjectPrefix + "." + e.OrgID + ".>"},
		DeliverPolicy:  jetstream.DeliverByStartTimePolicy, OptStartTime: &start,
	})
	if err != nil {
		return fmt.Errorf("purge %s: %w", e.ID, err)
	}
	deleted := 0
	for {
		batch, err := cons.Fetch(256, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			return fmt.Errorf("purge %s: %w", e.ID, err)
		}
		n, done := 0, false
		for m := range batch.Messages() {
			n++
			meta, err := m.Metadata()
			if err != nil {
				return fmt.Errorf("purge %s: %w", e.ID, err)
			}
			if meta.Sequence.Stream > last {
				done = true
				continue
			}
			if gone[m.Headers().Get("Crm-Aggregate")] {
				if err := stream.SecureDeleteMsg(ctx, meta.Sequence.Stream); err != nil {
					return fmt.Errorf("purge %s: delete %d: %w", e.ID, meta.Sequence.Stream, err)
				}
				deleted++
			}
			if meta.Sequence.Stream == last || meta.NumPending == 0 {
				done = true
			}
		}
		if err := batch.Error(); err != nil {
			return fmt.Errorf("purge %s: %w", e.ID, err)
		}
		if done || n == 0 {
			break
		}
	}
	r.log.Info("erased customer purged from the stream", "event_id", e.ID, "messages", deleted)
	return nil
}
