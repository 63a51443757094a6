package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	crmclient "github.com/telcoops/crm/client"
	v4 "github.com/telcoops/crm/client/v4"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestClientRoundTrip builds the real binary and, on each engine, calls
// every operation of both documents through the Go client (client/):
// API keys on v4, OAuth2 client credentials on the products surface,
// Idempotency-Key replays and If-Match preconditions. The transport under
// the client validates every exchange against the documents and fails the
// test for any operation the walk did not answer with a 2xx.
func TestClientRoundTrip(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := crmdBinary(t)
	surfaces := loadSurfaces(t)
	if len(operations(surfaces)) == 0 {
		t.Fatal("no operation in the documents: the round trip would check nothing")
	}
	for _, e := range sqltest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			dsn := engineDSN(t, e, dir)
			rec := newRecorder(t, surfaces)
			rt := startRoundTrip(t, bin, dir, dsn, rec)
			rt.customers()
			rt.accounts()
			rt.credentials()
			rt.identification()
			rt.categories()
			rt.products()
			rt.webhooks()
			rt.privacy()
			rt.operational()
			for _, op := range rec.missing() {
				t.Errorf("not round-tripped with a 2xx answer: %s", op)
			}
		})
	}
}

// roundTrip is one running server and the clients that walk it.
type roundTrip struct {
	t          *testing.T
	ctx        context.Context
	base, org  string
	bin, dsn   string
	rec        *recorder
	http       *http.Client // through rec
	v4         *v4.ClientWithResponses
	gateway    *v4.ClientWithResponses // payments:gateway key
	hookFails  atomic.Int64            // deliveries the failing receiver refused
	hookURL    string
	customer   v4.CustomerIdParameter // the private customer of the examples
	digital    v4.CustomerIdParameter // the digital one
	externalID string                 // its external id
	account    v4.AccountIdParameter
}

// startRoundTrip starts the server from dir on dsn, with webhooks allowed
// to reach this machine and dead-lettered after a second, and makes the
// v4 clients.
func startRoundTrip(t *testing.T, bin, dir, dsn string, rec *recorder) *roundTrip {
	rt := &roundTrip{t: t, ctx: context.Background(), org: "telco", bin: bin, dsn: dsn, rec: rec, http: &http.Client{Transport: rec}}
	key := createKey(t, bin, dsn, "admin")
	gatewayKey := createKey(t, bin, dsn, "payments:gateway")
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		rt.hookFails.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(receiver.Close)
	rt.hookURL = receiver.URL + "/hook"

	addr := freeAddr(t)
	// The walk sends one request at a time: four connections are plenty,
	// and leave PostgreSQL's to the tests running beside it.
	srv := exec.Command(bin, "serve", "--addr", addr, "--database-url", dsn, "--db-max-conns", "4",
		"--webhook-allow-private", "--webhook-max-age", "1s")
	srv.Dir = dir
	logs := &syncBuffer{}
	srv.Stdout, srv.Stderr = logs, logs
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- srv.Wait() }()
	t.Cleanup(func() {
		srv.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("server exit: %v\n%s", err, logs.String())
			}
		case <-time.After(20 * time.Second):
			srv.Process.Kill()
			t.Errorf("server did not stop on SIGTERM\n%s", logs.String())
		}
	})
	rt.base = "http://" + addr
	waitReady(t, rt.base+"/readyz")

	var err error
	if rt.v4, err = crmclient.NewV4(rt.base, crmclient.APIKey(key), crmclient.WithHTTPClient(rt.http)); err != nil {
		t.Fatal(err)
	}
	if rt.gateway, err = crmclient.NewV4(rt.base, crmclient.APIKey(gatewayKey), crmclient.WithHTTPClient(rt.http)); err != nil {
		t.Fatal(err)
	}
	return rt
}

// answer is what every generated response has.
type answer interface {
	StatusCode() int
	Bytes() []byte
}

// result is a generated call's outcome, for want.
type result[R answer] struct {
	r   R
	err error
}

func got[R answer](r R, err error) result[R] { return result[R]{r, err} }

// want fails the test unless the call answered status, and returns the
// answer.
func (x result[R]) want(t *testing.T, status int) R {
	t.Helper()
	if x.err != nil {
		t.Fatalf("call failed: %v", x.err)
	}
	if x.r.StatusCode() != status {
		t.Fatalf("answered %d, want %d: %s", x.r.StatusCode(), status, x.r.Bytes())
	}
	return x.r
}

// body decodes JSON into a generated body type T: the documentation's
// examples and short literals go through the generated types.
func body[T any](t *testing.T, raw string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		t.Fatalf("%T from %s: %v", v, raw, err)
	}
	return v
}

// exampleBody reads one of httpapi/testdata/examples into T.
func exampleBody[T any](t *testing.T, name string) T {
	t.Helper()
	raw, err := os.ReadFile("../../httpapi/testdata/examples/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	return body[T](t, string(raw))
}

// ptr returns a pointer to v, for the generated optional fields.
func ptr[T any](v T) *T { return &v }

// replayed reports whether an answer is an Idempotency-Key replay.
func replayed(res *http.Response) bool {
	return strings.EqualFold(res.Header.Get("Idempotency-Replayed"), "true")
}
