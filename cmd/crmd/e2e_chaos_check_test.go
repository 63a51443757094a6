package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// checkChaos checks what the chaos test promises once the load has
// stopped and the cluster is whole again, and logs the figures.
func checkChaos(t *testing.T, cl *chaosCluster, load *chaosLoad, hooks *chaosHooks, js jetstream.JetStream, f *chaosFigures) {
	ctx := context.Background()
	began := time.Now()
	phase := func(what string) { t.Logf("%s checked after %.1fs", what, time.Since(began).Seconds()) }
	// The load is over: no lock needed from here on.
	if load.acked < 200 {
		t.Errorf("only %d writes acknowledged: the load did not get going (refused: %v)", load.acked, load.refused)
	}
	for _, r := range load.refused {
		t.Errorf("refused: %s", r)
	}
	if load.timeouts > 0 || load.slowest >= chaosTimeout {
		t.Errorf("%d requests timed out; the slowest took %v (client timeout %v)", load.timeouts, load.slowest, chaosTimeout)
	}

	if len(f.relay) == 0 || len(f.webhooks) == 0 {
		t.Errorf("the kills took over %d relay leases and webhook leases %d times: want both exercised", len(f.relay), len(f.webhooks))
	}

	// Every acknowledged write is there.
	missing := 0
	get := func(path, auth string, out any) {
		if st, _ := load.do(ctx, false, "GET", path, auth, nil, nil, out); st != 200 {
			missing++
			if missing <= 10 {
				t.Errorf("acknowledged, then GET %s: %d", path, st)
			}
		}
	}
	for id, c := range load.customers {
		var got struct {
			Lang string `json:"preferred_language"`
		}
		get("/v4/orgs/telco/customers/"+id, load.key, &got)
		if !c.uncertain && got.Lang != c.lang {
			t.Errorf("customer %s: preferred_language %q, the last acknowledged patch set %q", id, got.Lang, c.lang)
		}
	}
	for _, id := range load.accounts {
		get("/v4/orgs/telco/accounts/"+id, load.key, nil)
	}
	for _, id := range load.products {
		get("/products/"+id, load.token, nil)
	}
	for _, id := range load.webhooks {
		get("/v4/orgs/telco/webhooks/"+id, load.key, nil)
	}

	phase("acknowledged writes")

	// The feed numbers each aggregate's events 1, 2, 3...
	time.Sleep(2 * time.Second) // the last commits get their feed numbers
	feed := readFeed(t, load)
	order := perAggregate(feed)
	for agg, seqs := range order {
		for i, s := range seqs {
			if s != int64(i+1) {
				t.Errorf("aggregate %s: feed sequences %v, want 1..%d", agg, seqs, len(seqs))
				break
			}
		}
	}

	phase("feed")

	// The stream holds each event of the feed once, in order per aggregate.
	stream := readStream(t, js, len(feed))
	inFeed := map[string]bool{}
	for _, e := range feed {
		inFeed[e.ID] = true
	}
	count := map[string]int{}
	var distinct []feedEvent
	for _, e := range stream {
		if count[e.ID]++; count[e.ID] == 1 {
			distinct = append(distinct, e)
		}
	}
	dup, lost := 0, 0
	for id, n := range count {
		if n > 1 {
			dup++
		}
		if !inFeed[id] {
			t.Errorf("the stream holds event %s that the feed does not", id)
		}
	}
	for id := range inFeed {
		if count[id] == 0 {
			lost++
		}
	}
	if dup > 0 || lost > 0 {
		t.Errorf("stream: %d events stored more than once, %d events of the feed missing (of %d)", dup, lost, len(feed))
	}
	compareOrder(t, "stream", order, perAggregate(distinct))

	phase("stream")

	// Each subscription made before the load receives every event after
	// its creation that it wants, in order per aggregate.
	deliveries, unique := map[string]int{}, map[string]int{}
	for i, name := range []string{"all", "customers"} {
		var want []feedEvent
		after := false
		for _, e := range feed {
			if after && (name == "all" || e.Type == "customer.created" || e.Type == "customer.updated") {
				want = append(want, e)
			}
			after = after || e.AggregateID == load.webhooks[i]
		}
		hooks.waitAll(name, want)
		got, n := hooks.distinct(name)
		deliveries[name], unique[name] = n, len(got)
		have := map[string]bool{}
		for _, e := range got {
			have[e.ID] = true
		}
		lost := 0
		for _, e := range want {
			if !have[e.ID] {
				lost++
			}
		}
		if lost > 0 {
			t.Errorf("webhook %s: %d of %d events never delivered", name, lost, len(want))
		}
		wanted := map[string]bool{}
		for _, e := range want {
			wanted[e.ID] = true
		}
		got = slices.DeleteFunc(got, func(e feedEvent) bool { return !wanted[e.ID] })
		compareOrder(t, "webhook "+name, perAggregate(want), perAggregate(got))
	}
	hooks.mu.Lock()
	f.catchUp = hooks.last.Sub(f.loadEnd)
	hooks.mu.Unlock()
	phase("webhooks")
	hooks.mu.Lock()
	overlapSub, overlapSame, bad := hooks.overlapSub, hooks.overlapSame, hooks.bad
	hooks.mu.Unlock()
	if overlapSub > 0 || overlapSame > 0 || bad > 0 {
		t.Errorf("webhooks: %d deliveries overlapped another of the same subscription (%d of the same event), %d failed verification",
			overlapSub, overlapSame, bad)
	}

	fig := fmt.Sprintf("chaos figures: %.0fs of load, %d requests, %d writes acknowledged (%.0f/s), %d with unknown outcome, "+
		"slowest request %v, %d timeouts; %d customers, %d accounts, %d products, %d webhooks; "+
		"%d events in the feed, %d stream messages (%d duplicates, %d missing); webhook deliveries all=%d (%d distinct) customers=%d (%d distinct), the last %.1fs after the load ended; "+
		"takeovers: webhooks %v, relay %v, stream leader %v (node %s killed); "+
		"overlapping deliveries %d",
		f.load.Seconds(), load.requests, load.acked, float64(load.acked)/f.load.Seconds(), load.unknown,
		load.slowest.Round(time.Millisecond), load.timeouts, len(load.customers), len(load.accounts), len(load.products), len(load.webhooks),
		len(feed), len(stream), dup, lost, deliveries["all"], unique["all"], deliveries["customers"], unique["customers"], f.catchUp.Seconds(),
		rounded(f.webhooks), rounded(f.relay),
		f.natsLeader.Round(10*time.Millisecond), f.natsNode, overlapSub)
	t.Log(fig)
	fmt.Println(fig)
}

// readFeed reads the whole feed through the balancer.
func readFeed(t *testing.T, load *chaosLoad) []feedEvent {
	var feed []feedEvent
	path := "/v4/orgs/telco/events?limit=1000"
	for {
		var page struct {
			Events []feedEvent `json:"events"`
			Next   string      `json:"next_cursor"`
		}
		if st, _ := load.do(context.Background(), false, "GET", path, load.key, nil, nil, &page); st != 200 {
			t.Fatalf("GET %s: %d", path, st)
		}
		feed = append(feed, page.Events...)
		if len(page.Events) == 0 {
			return feed
		}
		path = "/v4/orgs/telco/events?limit=1000&after=" + page.Next
	}
}

// readStream waits (a minute at most) until the stream holds at least want
// messages, then returns all of them in stream order, repeats included.
func readStream(t *testing.T, js jetstream.JetStream, want int) []feedEvent {
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, "CRM_EVENTS")
	if err != nil {
		t.Fatalf("stream: %v", err)
	}
	var total uint64
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
		if info, err := s.Info(ctx); err == nil {
			total = info.State.Msgs
		}
		if total >= uint64(want) || time.Now().After(deadline) {
			break
		}
	}
	cons, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var out []feedEvent
	for uint64(len(out)) < total {
		batch, err := cons.Fetch(1000, jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			t.Fatalf("fetch after %d of %d: %v", len(out), total, err)
		}
		n := 0
		for msg := range batch.Messages() {
			var e feedEvent
			json.Unmarshal(msg.Data(), &e)
			out = append(out, e)
			n++
		}
		if n == 0 {
			t.Errorf("the stream gave %d of its %d messages", len(out), total)
			break
		}
	}
	return out
}

// perAggregate lists each aggregate's event sequences in the given order.
func perAggregate(evs []feedEvent) map[string][]int64 {
	out := map[string][]int64{}
	for _, e := range evs {
		out[e.AggregateID] = append(out[e.AggregateID], e.Sequence)
	}
	return out
}

func compareOrder(t *testing.T, where string, want, got map[string][]int64) {
	bad := 0
	for agg, seqs := range want {
		if !slices.Equal(seqs, got[agg]) {
			if bad++; bad <= 5 {
				t.Errorf("%s: aggregate %s in order %v, the feed's %v", where, agg, got[agg], seqs)
			}
		}
	}
	if bad > 5 {
		t.Errorf("%s: %d aggregates out of order or incomplete in all", where, bad)
	}
}

// rounded rounds takeover times to 10 ms for printing.
func rounded(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Round(10 * time.Millisecond)
	}
	return out
}
