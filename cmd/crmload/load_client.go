package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// loadClient is a minimal HTTP/1.1 keep-alive client, in the way wrk drives
// a server: one persistent connection per worker, the request written in
// one write from a reused buffer, the response parsed straight off a
// bufio.Reader. net/http's Client costs about 130 µs of CPU per request
// (persistConn goroutines, channel handoffs, header maps), and the load
// generator shares the machine's cores with the server it measures, so
// every µs it spends is taken from the server.
type loadClient struct {
	addr   string // host:port dialled
	host   string // Host header, as the URL spells it
	prefix string // path before every request path: the URL's path and the caller's base
	auth   string // the Authorization header value
	pool   chan *loadConn
	dialer net.Dialer
	// idemPrefix, when set, starts the fresh Idempotency-Key every POST
	// carries, as a gateway that adds one to each request would; idemSeq
	// ends it.
	idemPrefix string
	idemSeq    atomic.Uint64
}

// loadConn is one connection of the pool with its buffers; it is used by
// one request at a time, so the buffers are reused without locking.
type loadConn struct {
	nc       net.Conn // nil until dialled, and again after any error
	br       *bufio.Reader
	wbuf     []byte    // the request being written
	body     []byte    // the last response body, valid until the next request
	deadline time.Time // the deadline last set on nc
}

// loadReadBuffer is each connection's read buffer; a header line must fit
// in it, which also bounds a malformed response's single line.
const loadReadBuffer = 16 << 10

// newLoadClient parses rawURL once (plain http only: the point is a cheap
// client, and TLS would measure the handshake and ciphers, not the
// service) and makes a pool of conns lazily dialled connections. base is
// appended to the URL's path before every request path.
func newLoadClient(rawURL, base, key string, conns int) (*loadClient, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("load: --url: %w", err)
	}
	switch {
	case u.Scheme == "https":
		return nil, fmt.Errorf("load: --url %s: https is not supported; the load client speaks plain HTTP/1.1, point it at the server's http listener", rawURL)
	case u.Scheme != "http":
		return nil, fmt.Errorf("load: --url %s: want http://host[:port][/path]", rawURL)
	case u.Host == "" || u.Hostname() == "":
		return nil, fmt.Errorf("load: --url %s: no host", rawURL)
	case u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		return nil, fmt.Errorf("load: --url %s: want no user, query or fragment", rawURL)
	}
	port := u.Port()
	if port == "" {
		port = "80"
	}
	c := &loadClient{
		addr:   net.JoinHostPort(u.Hostname(), port),
		host:   u.Host,
		prefix: strings.TrimSuffix(u.EscapedPath(), "/") + base,
		auth:   key,
		pool:   make(chan *loadConn, max(conns, 1)),
		dialer: net.Dialer{Timeout: loadTimeout},
	}
	for range cap(c.pool) {
		c.pool <- &loadConn{wbuf: make([]byte, 0, 1024)}
	}
	return c, nil
}

// do sends one request (body, when not nil, is JSON) and hands the status
// and body to handle. The body slice is the connection's buffer: handle
// must copy what it keeps, which fmt and encoding/json do.
func (c *loadClient) do(ctx context.Context, method, path string, body []byte, handle func(status int, body []byte) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var rc *loadConn
	select {
	case rc = <-c.pool:
	case <-ctx.Done():
		return ctx.Err()
	}
	status, resp, err := c.roundTrip(ctx, rc, method, path, body)
	if err == nil {
		err = handle(status, resp)
	}
	c.pool <- rc
	return err
}

// roundTrip sends the request on rc, dialling first if needed. A request
// that fails on a reused connection before any byte of the answer arrived
// is sent once more on a new one when it is idempotent: the server closed
// the idle connection under us, which says nothing about the server
// (net/http retries the same way).
func (c *loadClient) roundTrip(ctx context.Context, rc *loadConn, method, path string, body []byte) (int, []byte, error) {
	for attempt := 0; ; attempt++ {
		reused := rc.nc != nil
		if reused && rc.br.Buffered() > 0 {
			rc.close() // bytes nobody asked for: the stream is out of step
			reused = false
		}
		if !reused {
			nc, err := c.dialer.DialContext(ctx, "tcp", c.addr)
			if err != nil {
				return 0, nil, c.fail(ctx, method, path, err)
			}
			rc.nc, rc.deadline = nc, time.Time{}
			if rc.br == nil {
				rc.br = bufio.NewReaderSize(nc, loadReadBuffer)
			} else {
				rc.br.Reset(nc)
			}
		}
		stop := rc.setDeadline(ctx)
		status, resp, started, closeAfter, err := c.exchange(rc, method, path, body)
		if !stop() {
			// Cancelled mid-request: the connection's deadline was moved
			// to the past, so it cannot serve the next request as is.
			closeAfter = true
		}
		if err == nil {
			if closeAfter {
				rc.close()
			}
			return status, resp, nil
		}
		rc.close()
		if attempt == 0 && reused && !started && idempotent(method) && ctx.Err() == nil && staleConn(err) {
			continue
		}
		return 0, nil, c.fail(ctx, method, path, err)
	}
}

// fail wraps a transport error; when the context ended, that is the cause
// the caller cares about, not the i/o timeout it provoked.
func (c *loadClient) fail(ctx context.Context, method, path string, err error) error {
	if cd, ok := ctx.Deadline(); ok && errors.Is(err, os.ErrDeadlineExceeded) && !time.Now().Before(cd) {
		// The socket's deadline is the context's, and may pass a moment
		// before the context's own timer marks it done. Callers (run)
		// tell a request cut off by the end from a failure by ctx.Err(),
		// so wait for that mark (bounded, for a context that never ends).
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
	if ctx.Err() != nil {
		err = ctx.Err()
	}
	return fmt.Errorf("%s %s%s: %w", method, c.prefix, path, err)
}

// setDeadline bounds the request by the context's deadline and loadTimeout,
// so a server that stops answering or a malformed response never hangs a
// worker. It returns a stop function that reports false when a cancelled
// context (without a deadline) interrupted the connection.
func (rc *loadConn) setDeadline(ctx context.Context) func() bool {
	dl := time.Now().Add(loadTimeout)
	cd, hasDeadline := ctx.Deadline()
	if hasDeadline && cd.Before(dl) {
		dl = cd
	}
	// SetDeadline updates a runtime timer; during a run every request has
	// the run's end as its deadline, so it is set once per connection.
	// The 30 s bound is only refreshed once it has moved by a second; the
	// run's end replaces a seeding request's bound even when less than a
	// second later, or a 30 s run timed out on the connections the seeding
	// left.
	if dl.Before(rc.deadline) || dl.Sub(rc.deadline) > time.Second || (dl.Equal(cd) && !dl.Equal(rc.deadline)) {
		rc.nc.SetDeadline(dl)
		rc.deadline = dl
	}
	if hasDeadline || ctx.Done() == nil {
		return alwaysTrue
	}
	nc := rc.nc
	return context.AfterFunc(ctx, func() { nc.SetDeadline(time.Unix(1, 0)) })
}

// alwaysTrue is the stop function when there is no cancellation to watch.
func alwaysTrue() bool { return true }

// exchange writes the request and reads the answer. started reports that
// at least one byte of the answer arrived.
func (c *loadClient) exchange(rc *loadConn, method, path string, body []byte) (status int, resp []byte, started, closeAfter bool, err error) {
	b := append(rc.wbuf[:0], method...)
	b = append(b, ' ')
	b = append(b, c.prefix...)
	b = append(b, path...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, c.host...)
	b = append(b, "\r\nAuthorization: Bearer "...)
	b = append(b, c.auth...)
	if c.idemPrefix != "" && method == "POST" {
		b = append(b, "\r\nIdempotency-Key: "...)
		b = append(b, c.idemPrefix...)
		b = strconv.AppendUint(b, c.idemSeq.Add(1), 10)
	}
	if body != nil {
		b = append(b, "\r\nContent-Type: application/json\r\nContent-Length: "...)
		b = strconv.AppendInt(b, int64(len(body)), 10)
	}
	b = append(b, "\r\n\r\n"...)
	b = append(b, body...)
	rc.wbuf = b
	if _, err := rc.nc.Write(b); err != nil {
		return 0, nil, false, true, err
	}
	if _, err := rc.br.Peek(1); err != nil {
		return 0, nil, false, true, err
	}
	status, rc.body, closeAfter, err = readResponse(rc.br, method, rc.body[:0])
	return status, rc.body, true, closeAfter, err
}

// close drops the connection; the next request dials a new one.
func (rc *loadConn) close() {
	if rc.nc != nil {
		rc.nc.Close()
		rc.nc = nil
	}
}

// closeIdle closes the pool's connections at the end of a run, so the
// server does not keep them until its idle timeout. The client stays
// usable: the next request dials again.
func (c *loadClient) closeIdle() {
	var idle []*loadConn
	for range cap(c.pool) {
		select {
		case rc := <-c.pool:
			rc.close()
			idle = append(idle, rc)
		default: // in use by a request still running: it is not idle
		}
	}
	for _, rc := range idle {
		c.pool <- rc
	}
}

// idempotent reports whether sending the request twice is harmless
// (RFC 9110, 9.2.2).
func idempotent(method string) bool {
	switch method {
	case "GET", "HEAD", "PUT", "DELETE", "OPTIONS":
		return true
	}
	return false
}

// staleConn reports whether err is how a connection the server had closed
// fails: end of stream, or a reset or broken pipe on write.
func staleConn(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}
