package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// TestLoadReadResponse feeds the response reader well-formed and malformed
// answers; one that leaves the connection usable is followed by a second
// response that must then read intact.
func TestLoadReadResponse(t *testing.T) {
	const next = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext"
	for _, tc := range []struct {
		name, raw string
		method    string
		status    int
		body      string
		close     bool
		err       string // substring of the error; "" for none
	}{
		{name: "length", raw: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi", status: 200, body: "hi"},
		{name: "names fold", raw: "HTTP/1.1 201 Created\r\ncOnTeNt-LeNgTh:  3 \r\nCONNECTION: Close\r\n\r\nabc", status: 201, body: "abc", close: true},
		{name: "bare LF", raw: "HTTP/1.1 200 OK\nContent-Length: 2\n\nhi", status: 200, body: "hi"},
		{name: "no reason", raw: "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", status: 200},
		{name: "chunked", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n3\r\nabc\r\nA;ext=1\r\n0123456789\r\n0\r\n\r\n", status: 200, body: "abc0123456789"},
		{name: "chunked trailers", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nX-Sum: 1\r\nX-More: 2\r\n\r\n", status: 200, body: "x"},
		{name: "chunked and length", raw: "HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n", status: 200, body: "x", close: true},
		{name: "204 ignores length", raw: "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", status: 204},
		{name: "304", raw: "HTTP/1.1 304 Not Modified\r\n\r\n", status: 304},
		{name: "HEAD", raw: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", method: "HEAD", status: 200},
		{name: "continue first", raw: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz", status: 200, body: "z"},
		{name: "to EOF", raw: "HTTP/1.1 200 OK\r\n\r\nuntil the end", status: 200, body: "until the end", close: true},
		{name: "HTTP/1.0", raw: "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nz", status: 200, body: "z", close: true},
		{name: "HTTP/1.0 keep-alive", raw: "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nz", status: 200, body: "z"},
		{name: "not HTTP", raw: "SSH-2.0-OpenSSH\r\n\r\n", err: "status line"},
		{name: "HTTP/2", raw: "HTTP/2 200 OK\r\n\r\n", err: "status line"},
		{name: "bad status", raw: "HTTP/1.1 2x0 OK\r\n\r\n", err: "status line"},
		{name: "101", raw: "HTTP/1.1 101 Switching Protocols\r\n\r\n", err: "101"},
		{name: "no colon", raw: "HTTP/1.1 200 OK\r\nbroken\r\n\r\n", err: "header line"},
		{name: "space in name", raw: "HTTP/1.1 200 OK\r\nContent-Length : 1\r\n\r\nz", err: "header line"},
		{name: "folded", raw: "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", err: "header line"},
		{name: "bad length", raw: "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", err: "Content-Length"},
		{name: "two lengths", raw: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nzz", err: "Content-Length"},
		{name: "huge length", raw: "HTTP/1.1 200 OK\r\nContent-Length: 999999999999\r\n\r\n", err: "Content-Length"},
		{name: "gzip", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", err: "Transfer-Encoding"},
		{name: "bad chunk size", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", err: "chunk size"},
		{name: "chunk without CRLF", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxy0\r\n\r\n", err: "CRLF"},
		{name: "cut body", raw: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", err: "unexpected EOF"},
		{name: "cut chunks", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", err: "unexpected EOF"},
		{name: "cut head", raw: "HTTP/1.1 200 OK\r\nContent-Le", err: "unexpected EOF"},
		{name: "long line", raw: "HTTP/1.1 200 OK\r\nX: " + strings.Repeat("a", loadReadBuffer) + "\r\n\r\n", err: "a line over"},
		{name: "huge head", raw: "HTTP/1.1 200 OK\r\n" + strings.Repeat("X-A: "+strings.Repeat("b", 1000)+"\r\n", 70) + "\r\n", err: "head over"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			method := tc.method
			if method == "" {
				method = "GET"
			}
			raw := tc.raw
			if tc.err == "" && !tc.close {
				raw += next
			}
			br := bufio.NewReaderSize(strings.NewReader(raw), loadReadBuffer)
			status, body, closeAfter, err := readResponse(br, method, nil)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one with %q", err, tc.err)
				}
				return
			}
			if err != nil || status != tc.status || string(body) != tc.body || closeAfter != tc.close {
				t.Fatalf("%d %q close=%v %v, want %d %q close=%v", status, body, closeAfter, err, tc.status, tc.body, tc.close)
			}
			if closeAfter {
				return
			}
			if status, body, _, err := readResponse(br, "GET", body[:0]); err != nil || status != 200 || string(body) != "next" {
				t.Errorf("next response: %d %q %v", status, body, err)
			}
		})
	}
}

// TestLoadClientNeverHangs serves responses that stop short over a real
// connection: the client must give up at the context's deadline.
func TestLoadClientNeverHangs(t *testing.T) {
	for _, raw := range []string{
		"",                        // nothing at all
		"HTTP/1.1 200 OK\r\nX: 1", // head never ends
		"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",                // body never ends
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n", // no last chunk
	} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			defer nc.Close()
			io.WriteString(nc, raw)
			io.Copy(io.Discard, nc) // keep the connection open until the client drops it
		}()
		c, err := newLoadClient("http://"+ln.Addr().String(), "", "k", 1)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
		start := time.Now()
		_, _, err = get(t, ctx, c, "GET", "/", nil)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
			t.Errorf("%q: %v after %s, want a deadline error after 150ms", raw, err, time.Since(start))
		}
	}
}
