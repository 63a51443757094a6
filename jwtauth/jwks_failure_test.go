package jwtauth

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// wantUnavailable fails unless err wraps ErrKeysUnavailable and not
// ErrInvalidToken.
func wantUnavailable(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, ErrKeysUnavailable) || errors.Is(err, ErrInvalidToken) {
		t.Fatalf("err = %v, want ErrKeysUnavailable only", err)
	}
}

func TestJWKSServerDown(t *testing.T) {
	k := edKey(t)
	tok := sign(t, k, hdr("EdDSA", "a"), claims(nil))
	ctx := context.Background()

	t.Run("HTTP 500, then recovery", func(t *testing.T) {
		srv := newJWKSServer(t, toJWK(t, k.Public(), "a"))
		srv.setStatus(http.StatusInternalServerError)
		clock := newClock(t0())
		v := jwksVerifier(t, srv, clock)
		_, err := v.Verify(ctx, tok)
		wantUnavailable(t, err)
		if !strings.Contains(err.Error(), "status 500") {
			t.Fatalf("err = %v, want the cause", err)
		}
		// A dead endpoint is not hammered: the error is remembered.
		_, err = v.Verify(ctx, tok)
		wantUnavailable(t, err)
		srv.wantHits(t, 1)
		srv.setStatus(http.StatusOK)
		clock.Advance(30 * time.Second)
		if _, err := v.Verify(ctx, tok); err != nil {
			t.Fatal(err)
		}
		srv.wantHits(t, 2)
	})
	t.Run("connection refused", func(t *testing.T) {
		srv := newJWKSServer(t)
		v := jwksVerifier(t, srv, newClock(t0()))
		srv.Close()
		_, err := v.Verify(ctx, tok)
		wantUnavailable(t, err)
	})
	t.Run("bad bodies", func(t *testing.T) {
		for _, body := range []string{"", "<html>", `{"keys":`, `{"keys": "x"}`, `{"keys":[]}` + strings.Repeat(" ", 1<<20)} {
			srv := newJWKSServer(t)
			srv.setBody([]byte(body))
			_, err := jwksVerifier(t, srv, newClock(t0())).Verify(ctx, tok)
			wantUnavailable(t, err)
		}
	})
	t.Run("malformed token is still invalid", func(t *testing.T) {
		srv := newJWKSServer(t)
		srv.setStatus(http.StatusBadGateway)
		_, err := jwksVerifier(t, srv, newClock(t0())).Verify(ctx, "a.b")
		wantInvalid(t, err, "want 3 parts")
		srv.wantHits(t, 0)
	})
	t.Run("stale keys kept when refresh fails", func(t *testing.T) {
		srv := newJWKSServer(t, toJWK(t, k.Public(), "a"))
		clock := newClock(t0())
		v := jwksVerifier(t, srv, clock)
		if _, err := v.Verify(ctx, tok); err != nil {
			t.Fatal(err)
		}
		srv.setStatus(http.StatusServiceUnavailable)
		clock.Advance(11 * time.Minute)
		if _, err := v.Verify(ctx, tok); err != nil {
			t.Fatalf("stale key not used: %v", err)
		}
		srv.wantHits(t, 2)
		_, err := v.Verify(ctx, sign(t, edKey(t), hdr("EdDSA", "a"), claims(nil)))
		wantInvalid(t, err, "bad signature")
	})
	t.Run("PEM keys still work", func(t *testing.T) {
		srv := newJWKSServer(t)
		srv.setStatus(http.StatusNotFound)
		v := verifier(t, Config{PEM: pkixPEM(t, k.Public()), JWKSURL: srv.URL})
		if _, err := v.Verify(ctx, sign(t, k, hdr("EdDSA", ""), claims(nil))); err != nil {
			t.Fatal(err)
		}
		_, err := v.Verify(ctx, sign(t, edKey(t), hdr("EdDSA", "remote"), claims(nil)))
		wantUnavailable(t, err)
	})
}

func TestJWKSContextCanceled(t *testing.T) {
	k := edKey(t)
	tok := sign(t, k, hdr("EdDSA", "a"), claims(nil))
	srv := newJWKSServer(t, toJWK(t, k.Public(), "a"))
	gate, seen := make(chan struct{}), make(chan struct{}, 8)
	srv.setGate(gate, seen)
	v := jwksVerifier(t, srv, newClock(t0()))

	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 2)
	go func() { _, err := v.Verify(ctx, tok); errs <- err }()
	<-seen
	// A second caller waits for the running fetch, not for the server.
	waitCtx, waitCancel := context.WithCancel(context.Background())
	go func() { _, err := v.Verify(waitCtx, tok); errs <- err }()
	waitCancel()
	cancel()
	for range 2 {
		err := <-errs
		wantUnavailable(t, err)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	}
	// An abandoned fetch does not count against MinRefresh: on the same
	// frozen clock the next caller must fetch again, or it would fail.
	close(gate)
	if _, err := v.Verify(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
}

func TestJWKSConcurrent(t *testing.T) {
	ka, kb, stranger := rsaKey(t), ecKey(t), edKey(t)
	srv := newJWKSServer(t, toJWK(t, ka.Public(), "a"), toJWK(t, kb.Public(), "b"))
	gate := make(chan struct{})
	srv.setGate(gate, nil)
	clock := newClock(t0())
	v := jwksVerifier(t, srv, clock)
	good := []string{
		sign(t, ka, hdr("RS256", "a"), claims(nil)),
		sign(t, kb, hdr("ES256", "b"), claims(nil)),
		sign(t, ka, hdr("RS256", "unknown"), claims(nil)),
	}
	bad := sign(t, stranger, hdr("EdDSA", "c"), claims(nil))

	run := func(goroutines, rounds int, during func()) {
		var wg sync.WaitGroup
		failures := make(chan string, goroutines*rounds)
		for g := range goroutines {
			wg.Go(func() {
				for i := range rounds {
					if _, err := v.Verify(context.Background(), good[(g+i)%len(good)]); err != nil {
						failures <- err.Error()
					}
					if _, err := v.Verify(context.Background(), bad); !errors.Is(err, ErrInvalidToken) {
						failures <- "bad token: " + errString(err)
					}
				}
			})
		}
		during()
		wg.Wait()
		close(failures)
		for f := range failures {
			t.Error(f)
		}
	}
	// Every goroutine piles up behind the one fetch the server holds.
	run(64, 10, func() { close(gate) })
	srv.wantHits(t, 1)
	// Refreshes racing with verifications: each clock step opens one
	// refresh window, so there is at most one fetch per step.
	const steps = 20
	run(32, 50, func() {
		for range steps {
			clock.Advance(31 * time.Second)
		}
	})
	// The clock has moved past MinRefresh, so this kid forces a refetch if
	// none happened yet.
	if _, err := v.Verify(context.Background(), good[2]); err != nil {
		t.Fatal(err)
	}
	if hits := srv.hits.Load(); hits < 2 || hits > 1+steps {
		t.Fatalf("JWKS fetched %d times, want 2..%d", hits, 1+steps)
	}
}

func errString(err error) string {
	if err == nil {
		return "accepted"
	}
	return err.Error()
}
