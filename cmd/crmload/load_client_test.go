package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// testLoadServer is an httptest server with the handlers the load client
// must cope with, counting the connections it accepts.
type testLoadServer struct {
	*httptest.Server
	conns atomic.Int32
}

// newTestLoadServer starts the server; it stops with the test.
func newTestLoadServer(t *testing.T) *testLoadServer {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /length", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "5")
		io.WriteString(w, "hello")
	})
	mux.HandleFunc("GET /chunked", func(w http.ResponseWriter, r *http.Request) {
		for i := range 4 {
			fmt.Fprintf(w, "part %d;", i)
			w.(http.Flusher).Flush() // each Flush sends a chunk
		}
	})
	mux.HandleFunc("GET /big", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("x", 100_000)) // over the server's buffer: chunked
	})
	mux.HandleFunc("DELETE /empty", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /close", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		io.WriteString(w, "bye")
	})
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, "%s %s %s|%s|%s|%d|%s%s", r.Method, r.URL.RequestURI(), r.Host,
			r.Header.Get("Authorization"), r.Header.Get("Content-Type"), r.ContentLength, body, r.Header.Get("Idempotency-Key"))
	})
	mux.HandleFunc("GET /hang", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // until the client goes away
	})
	s := &testLoadServer{Server: httptest.NewUnstartedServer(mux)}
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// get sends a request and returns the status and a copy of the body.
func get(t *testing.T, ctx context.Context, c *loadClient, method, path string, body []byte) (int, string, error) {
	t.Helper()
	var status int
	var got string
	err := c.do(ctx, method, path, body, func(st int, b []byte) error {
		status, got = st, string(b)
		return nil
	})
	return status, got, err
}

// TestLoadClientKeepAlive reads Content-Length, chunked and 204 answers on
// one connection, and checks what the request carries.
func TestLoadClientKeepAlive(t *testing.T) {
	srv := newTestLoadServer(t)
	c, err := newLoadClient(srv.URL, "", "k1", 1)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	host := strings.TrimPrefix(srv.URL, "http://")
	for _, tc := range []struct {
		method, path, body string
		status             int
		want               string
	}{
		{"GET", "/length", "", 200, "hello"},
		{"GET", "/chunked", "", 200, "part 0;part 1;part 2;part 3;"},
		{"DELETE", "/empty", "", 204, ""},
		{"GET", "/big", "", 200, strings.Repeat("x", 100_000)},
		{"POST", "/echo?a=1", `{"x":1}`, 201, "POST /echo?a=1 " + host + `|Bearer k1|application/json|7|{"x":1}`},
		{"GET", "/missing", "", 404, "404 page not found\n"},
		{"GET", "/length", "", 200, "hello"},
	} {
		var body []byte
		if tc.body != "" {
			body = []byte(tc.body)
		}
		status, got, err := get(t, ctx, c, tc.method, tc.path, body)
		if err != nil || status != tc.status || got != tc.want {
			t.Errorf("%s %s: %d %.80q %v, want %d %.80q", tc.method, tc.path, status, got, err, tc.status, tc.want)
		}
	}
	if n := srv.conns.Load(); n != 1 {
		t.Errorf("%d connections for 7 requests on one keep-alive connection", n)
	}
}

// TestLoadClientIdempotencyKeys: with --idempotency-keys, every POST
// carries an Idempotency-Key of its own.
func TestLoadClientIdempotencyKeys(t *testing.T) {
	srv := newTestLoadServer(t)
	c, err := newLoadClient(srv.URL, "", "k", 1)
	if err != nil {
		t.Fatal(err)
	}
	c.idemPrefix = "run-"
	host := strings.TrimPrefix(srv.URL, "http://")
	for _, key := range []string{"run-1", "run-2"} {
		status, got, err := get(t, context.Background(), c, "POST", "/echo", []byte("{}"))
		if want := "POST /echo " + host + "|Bearer k|application/json|2|{}" + key; err != nil || status != 201 || got != want {
			t.Errorf("POST: %d %q %v, want %q", status, got, err, want)
		}
	}
}

// TestLoadClientRedials checks that the client dials again after the server
// answers Connection: close, after the server dropped the idle connection,
// and after a request cut off by its context.
func TestLoadClientRedials(t *testing.T) {
	srv := newTestLoadServer(t)
	c, err := newLoadClient(srv.URL, "", "k", 1)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	want := func(path, body string, conns int32) {
		t.Helper()
		if status, got, err := get(t, ctx, c, "GET", path, nil); err != nil || status != 200 || got != body {
			t.Fatalf("GET %s: %d %q %v", path, status, got, err)
		}
		if n := srv.conns.Load(); n != conns {
			t.Fatalf("after GET %s: %d connections, want %d", path, n, conns)
		}
	}
	want("/close", "bye", 1)
	// A POST is never sent twice, so it fails unless the client had
	// already dropped the connection the server closed.
	if status, _, err := get(t, ctx, c, "POST", "/echo", []byte("{}")); err != nil || status != 201 {
		t.Fatalf("POST after Connection: close: %d %v", status, err)
	}
	want("/length", "hello", 2) // the connection of the POST, kept

	// The server drops the idle connection: the GET is sent again on a new one.
	srv.CloseClientConnections()
	want("/length", "hello", 3)

	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err = get(t, short, c, "GET", "/hang", nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("GET /hang past the deadline: %v, want context.DeadlineExceeded", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("GET /hang returned after %s, want about 100ms", el)
	}
	want("/length", "hello", 4)

	// A cancel without a deadline interrupts the request too.
	cctx, cancel2 := context.WithCancel(ctx)
	time.AfterFunc(100*time.Millisecond, cancel2)
	start = time.Now()
	if _, _, err = get(t, cctx, c, "GET", "/hang", nil); !errors.Is(err, context.Canceled) || time.Since(start) > 2*time.Second {
		t.Errorf("GET /hang cancelled: %v after %s", err, time.Since(start))
	}
	want("/length", "hello", 5)
}

// TestLoadClientURL checks the URL rules: http only, default port 80, and
// the URL's path before the base and every request path.
func TestLoadClientURL(t *testing.T) {
	var path atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path.Store(r.URL.RequestURI())
	}))
	defer srv.Close()
	c, err := newLoadClient(srv.URL+"/pre/", "/v4/orgs/telco", "k", 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := get(t, context.Background(), c, "GET", "/customers?x=1", nil); err != nil {
		t.Fatal(err)
	}
	if got := path.Load(); got != "/pre/v4/orgs/telco/customers?x=1" {
		t.Errorf("request path %q", got)
	}
	if c, err := newLoadClient("http://example.com", "", "k", 1); err != nil || c.addr != "example.com:80" || c.host != "example.com" {
		t.Errorf("default port: %+v %v", c, err)
	}
	if c, err := newLoadClient("http://[::1]:9/", "", "k", 1); err != nil || c.addr != "[::1]:9" || c.prefix != "" {
		t.Errorf("IPv6: %+v %v", c, err)
	}
	for _, bad := range []string{"https://example.com", "example.com:80", "http://", "http://h/?q=1", "ftp://h"} {
		if _, err := newLoadClient(bad, "", "k", 1); err == nil {
			t.Errorf("%s accepted", bad)
		} else if strings.HasPrefix(bad, "https") && !strings.Contains(err.Error(), "https is not supported") {
			t.Errorf("%s: %v", bad, err)
		}
	}
}
