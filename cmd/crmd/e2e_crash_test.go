package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/telcoops/crm/sqlstore/sqltest"
)

// instance is one running crmd process of the crash test.
type instance struct {
	addr string
	cmd  *exec.Cmd
	logs *syncBuffer
}

// TestCrashLosesNothing kills the real binary with SIGKILL at random points
// while clients write, restarts it, and checks that every acknowledged write
// exists and that every committed event reached JetStream and a webhook
// receiver, in order per aggregate, signed. On PostgreSQL two instances serve the same database and the one
// that holds the relay lease is the one killed, so the other must take over.
func TestCrashLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	natsURL := os.Getenv("CRM_TEST_NATS_URL")
	if natsURL == "" {
		natsURL = nats.DefaultURL
	}
	nc, err := nats.Connect(natsURL, nats.Timeout(2*time.Second))
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("NATS at %s is required when CI=true: %v", natsURL, err)
		}
		t.Skipf("no NATS at %s: %v", natsURL, err)
	}
	defer nc.Close()
	bin := crmdBinary(t)
	for _, e := range sqltest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			dsn := e.DSN(t)
			if e.Name == "sqlite" {
				dsn = "sqlite:" + filepath.Join(t.TempDir(), "crm.db")
			}
			instances := 1
			if e.Name == "postgres" {
				instances = 2
			}
			crashTest(t, bin, dsn, nc, natsURL, instances)
		})
	}
}

func crashTest(t *testing.T, bin, dsn string, nc *nats.Conn, natsURL string, n int) {
	stream := fmt.Sprintf("CRMCRASH_%x", rand.Uint64())
	prefix := strings.ToLower(stream)
	js, _ := jetstream.New(nc)
	defer js.DeleteStream(context.Background(), stream)
	key := createKey(t, bin, dsn, "admin")
	env := append(os.Environ(), "CRM_DATABASE_URL="+dsn, "CRM_NATS_URL="+natsURL, "CRM_NATS_STREAM="+stream,
		"CRM_NATS_SUBJECT_PREFIX="+prefix, "CRM_RELAY_LEASE=1s", "CRM_SHUTDOWN_TIMEOUT=2s", "CRM_WEBHOOK_TIMEOUT=1s", "CRM_WEBHOOK_ALLOW_PRIVATE=true")
	start := func(addr string) *instance {
		in := &instance{addr: addr, logs: &syncBuffer{}}
		in.cmd = exec.Command(bin, "serve", "--addr", addr)
		in.cmd.Env = env
		in.cmd.Stdout, in.cmd.Stderr = in.logs, in.logs
		if err := in.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitReady(t, "http://"+addr+"/readyz")
		return in
	}
	live := make([]*instance, n)
	for i := range live {
		live[i] = start(freeAddr(t))
	}
	defer func() {
		for _, in := range live {
			in.cmd.Process.Kill()
			in.cmd.Wait()
		}
	}()
	hooks := newReceiver(t)
	var sub struct {
		Secret string `json:"secret"`
	}
	admin := &client{t: t, base: "http://" + live[0].addr + "/v4/orgs/telco", key: key}
	admin.call("POST", "/webhooks", map[string]any{"url": hooks.srv.URL, "event_types": []string{"*"}}, 201, &sub)
	hooks.secret.Store(&sub.Secret)
	var mu sync.Mutex
	pick := func(i int) string {
		mu.Lock()
		defer mu.Unlock()
		return "http://" + live[i%n].addr + "/v4/orgs/telco"
	}

	// acked[id] is how many writes to customer id the service acknowledged.
	acked := map[string]int{}
	var ackMu sync.Mutex
	for round := range 3 {
		ctx, stop := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() { writer(ctx, pick, key, round*100+w*10, acked, &ackMu) })
		}
		time.Sleep(time.Duration(150+rand.IntN(350)) * time.Millisecond) // a random point to kill at
		victim := relayHolder(t, live)
		live[victim].cmd.Process.Kill() // SIGKILL: no shutdown, no lease release
		live[victim].cmd.Wait()
		stop()
		wg.Wait()
		mu.Lock()
		live[victim] = start(live[victim].addr)
		mu.Unlock()
	}

	// Every acknowledged write exists.
	c := &client{t: t, base: "http://" + live[0].addr + "/v4/orgs/telco", key: key}
	if len(acked) < 4 {
		t.Fatalf("only %d customers acknowledged: the writers did not get going", len(acked))
	}
	for id := range acked {
		c.call("GET", "/customers/"+id, nil, 200, nil)
	}
	// Every committed event reaches JetStream: compare with the feed.
	var feed []feedEvent
	for after := "0"; ; {
		var page struct {
			Events []feedEvent `json:"events"`
			Next   string      `json:"next_cursor"`
		}
		c.call("GET", "/events?limit=1000&after="+after, nil, 200, &page)
		feed = append(feed, page.Events...)
		if len(page.Events) == 0 {
			break
		}
		after = page.Next
	}
	perCustomer := map[string]int{}
	for _, e := range feed {
		perCustomer[e.AggregateID]++
	}
	for id, n := range acked {
		if perCustomer[id] < n {
			t.Errorf("customer %s: %d acknowledged writes, %d events in the feed", id, n, perCustomer[id])
		}
	}
	got := drain(t, js, stream, len(feed))
	ids := map[string]bool{}
	for _, e := range feed {
		ids[e.ID] = true
	}
	seqs := map[string][]int64{}
	for _, e := range got {
		if !ids[e.ID] {
			t.Errorf("stream holds event %s that the feed does not", e.ID)
		}
		delete(ids, e.ID)
		seqs[e.AggregateID] = append(seqs[e.AggregateID], e.Sequence)
	}
	if len(ids) > 0 {
		t.Errorf("%d committed events never reached JetStream", len(ids))
	}
	for id, s := range seqs {
		for i, v := range s {
			if v != int64(i+1) {
				t.Errorf("customer %s: JetStream order %v, want 1..%d", id, s, len(s))
				break
			}
		}
	}
	// The webhook receiver gets the same events, each at least once, in
	// order per aggregate once duplicates are dropped (a worker killed
	// between a delivery and its cursor commit delivers again from there).
	delivered := hooks.wait(t, feed)
	hookSeqs := map[string][]int64{}
	for _, e := range delivered {
		hookSeqs[e.AggregateID] = append(hookSeqs[e.AggregateID], e.Sequence)
	}
	for id, want := range seqs {
		if fmt.Sprint(hookSeqs[id]) != fmt.Sprint(want) {
			t.Errorf("customer %s: webhook order %v, JetStream order %v", id, hookSeqs[id], want)
		}
	}
	if bad := hooks.badSignatures.Load(); bad > 0 {
		t.Errorf("%d webhook deliveries failed signature verification", bad)
	}
	t.Logf("%d customers, %d events, %d on the stream, %d webhook deliveries (%d distinct), %d kills",
		len(acked), len(feed), len(got), hooks.count(), len(delivered), 3)
}

type feedEvent struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	AggregateID string `json:"aggregate_id"`
	Sequence    int64  `json:"sequence"`
}

// writer creates customers and patches them until ctx ends, recording
// what the service acknowledged. Errors (the process was killed under it)
// are expected and leave the outcome unknown, which the test allows.
func writer(ctx context.Context, base func(int) string, key string, seed int, acked map[string]int, mu *sync.Mutex) {
	for i := 0; ctx.Err() == nil; i++ {
		body := map[string]any{"type": "DIGITAL_CUSTOMER", "preferred_language": "es",
			"digital_personal_info": map[string]any{"email": fmt.Sprintf("c%d-%d-%x@example.com", seed, i, rand.Uint32())}}
		var created struct{ ID string }
		if status := send(ctx, "POST", base(i)+"/customers", key, body, &created); status != 201 {
			continue
		}
		mu.Lock()
		acked[created.ID]++
		mu.Unlock()
		for j := range 3 {
			patch := map[string]any{"preferred_language": []string{"ca", "es"}[j%2]}
			if send(ctx, "PATCH", base(i+j)+"/customers/"+created.ID, key, patch, nil) != 204 {
				break // keep the acknowledged writes of a customer a prefix of its events
			}
			mu.Lock()
			acked[created.ID]++
			mu.Unlock()
		}
	}
}

func send(ctx context.Context, method, url, key string, body, out any) int {
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(raw))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if out != nil {
		json.Unmarshal(data, out)
	}
	return res.StatusCode
}

// relayHolder returns the index of the instance holding the relay lease,
// read from its metrics; with one instance it is that one.
func relayHolder(t *testing.T, live []*instance) int {
	if len(live) == 1 {
		return 0
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for i, in := range live {
			res, err := http.Get("http://" + in.addr + "/metrics")
			if err != nil {
				continue
			}
			raw, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if strings.Contains(string(raw), `crm_relay_leader{relay="nats"} 1`) {
				return i
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("no instance holds the relay lease")
	return 0
}

// drain reads the stream until it holds want distinct events or stops
// growing for long enough, and returns its messages in stream order with
// duplicates removed (at-least-once allows them; JetStream's de-duplication
// window should already have dropped them).
func drain(t *testing.T, js jetstream.JetStream, stream string, want int) []feedEvent {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cons, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var out []feedEvent
	seen := map[string]bool{}
	for len(seen) < want {
		msg, err := cons.Next(jetstream.FetchMaxWait(15 * time.Second))
		if err != nil {
			t.Errorf("stream gave %d of %d events: %v", len(seen), want, err)
			break
		}
		var e feedEvent
		json.Unmarshal(msg.Data(), &e)
		if seen[e.ID] {
			continue
		}
		seen[e.ID] = true
		out = append(out, e)
	}
	return out
}
