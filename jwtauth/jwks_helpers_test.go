package jwtauth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
)

// jwksServer is a loopback JWKS endpoint whose keys, status and blocking
// the test controls, and which counts the requests it gets.
type jwksServer struct {
	*httptest.Server
	hits atomic.Int32

	mu     sync.Mutex
	body   []byte
	status int
	gate   chan struct{} // if not nil, requests wait until it is closed
	seen   chan struct{} // if not nil, gets a value when a request arrives
}

func newJWKSServer(t *testing.T, keys ...map[string]any) *jwksServer {
	s := &jwksServer{status: http.StatusOK}
	s.setKeys(t, keys...)
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) serve(w http.ResponseWriter, r *http.Request) {
	s.hits.Add(1)
	s.mu.Lock()
	body, status, gate, seen := s.body, s.status, s.gate, s.seen
	s.mu.Unlock()
	if seen != nil {
		seen <- struct{}{}
	}
	if gate != nil {
		select {
		case <-gate:
		case <-r.Context().Done():
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}

func (s *jwksServer) setKeys(t *testing.T, keys ...map[string]any) {
	if keys == nil {
		keys = []map[string]any{}
	}
	s.setBody(mustJSON(t, map[string]any{"keys": keys}))
}

func (s *jwksServer) setBody(b []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.body = b
}

func (s *jwksServer) setStatus(code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status = code
}

func (s *jwksServer) setGate(gate, seen chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gate, s.seen = gate, seen
}

func (s *jwksServer) wantHits(t *testing.T, want int32) {
	t.Helper()
	if got := s.hits.Load(); got != want {
		t.Fatalf("JWKS fetched %d times, want %d", got, want)
	}
}

// toJWK encodes pub as a signing JWK with kid.
func toJWK(t testing.TB, pub crypto.PublicKey, kid string) map[string]any {
	t.Helper()
	j := map[string]any{"kid": kid, "use": "sig"}
	switch p := pub.(type) {
	case *rsa.PublicKey:
		j["kty"], j["n"], j["e"] = "RSA", enc(p.N.Bytes()), enc(big.NewInt(int64(p.E)).Bytes())
	case *ecdsa.PublicKey:
		b, err := p.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		j["kty"], j["crv"], j["x"], j["y"] = "EC", "P-256", enc(b[1:33]), enc(b[33:])
	case ed25519.PublicKey:
		j["kty"], j["crv"], j["x"] = "OKP", "Ed25519", enc(p)
	default:
		t.Fatalf("toJWK: %T", pub)
	}
	return j
}

// with returns a copy of j with extra members set (nil deletes).
func with(j map[string]any, extra map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range j {
		out[k] = v
	}
	for k, v := range extra {
		out[k] = v
		if v == nil {
			delete(out, k)
		}
	}
	return out
}

// jwksVerifier is a Verifier on srv with the given clock and the default
// cache settings.
func jwksVerifier(t *testing.T, srv *jwksServer, clock *fakeClock) *Verifier {
	return verifier(t, Config{JWKSURL: srv.URL, Now: clock.Now, HTTPClient: srv.Client()})
}
