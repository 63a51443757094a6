package jwtauth

import (
	"context"
	"encoding/json"
	"math"
	"slices"
	"testing"
	"time"
)

func TestTimeClaims(t *testing.T) {
	k := edKey(t)
	pemData := pkixPEM(t, k.Public())
	now := t0()
	sec := func(d time.Duration) int64 { return now.Add(d).Unix() }
	for _, tc := range []struct {
		name   string
		cfg    Config
		claims map[string]any
		reason string // empty: accepted
	}{
		{"valid", Config{}, claims(nil), ""},
		{"expired long ago", Config{}, claims(map[string]any{"exp": sec(-time.Hour)}), "token expired"},
		{"exp within default leeway", Config{}, claims(map[string]any{"exp": sec(-29 * time.Second)}), ""},
		{"exp exactly at default leeway", Config{}, claims(map[string]any{"exp": sec(-30 * time.Second)}), "token expired"},
		{"exp 1s ago, tiny leeway", Config{Leeway: time.Nanosecond}, claims(map[string]any{"exp": sec(-time.Second)}), "token expired"},
		{"exp 1s ahead, tiny leeway", Config{Leeway: time.Nanosecond}, claims(map[string]any{"exp": sec(time.Second)}), ""},
		{"exp within custom leeway", Config{Leeway: 2 * time.Minute}, claims(map[string]any{"exp": sec(-119 * time.Second)}), ""},
		{"exp beyond custom leeway", Config{Leeway: 2 * time.Minute}, claims(map[string]any{"exp": sec(-121 * time.Second)}), "token expired"},
		{"exp as float", Config{Leeway: time.Nanosecond}, claims(map[string]any{"exp": float64(sec(0)) + 0.5}), ""},
		{"exp as float, passed", Config{Leeway: time.Nanosecond}, claims(map[string]any{"exp": float64(sec(0)) - 0.5}), "token expired"},
		{"exp in exponent form", Config{}, claims(map[string]any{"exp": 1.0e10}), ""},
		{"exp as string", Config{}, claims(map[string]any{"exp": "1893553445"}), "exp is not a valid date"},
		{"exp huge", Config{}, claims(map[string]any{"exp": 1e300}), "exp is not a valid date"},
		{"exp null means absent", Config{RequireExpiry: true}, claims(map[string]any{"exp": json.RawMessage("null")}), "missing exp"},
		{"no exp, not required", Config{}, claims(map[string]any{"exp": nil}), ""},
		{"no exp, required", Config{RequireExpiry: true}, claims(map[string]any{"exp": nil}), "missing exp"},
		{"nbf in past", Config{}, claims(map[string]any{"nbf": sec(-time.Minute)}), ""},
		{"nbf within leeway", Config{}, claims(map[string]any{"nbf": sec(30 * time.Second)}), ""},
		{"nbf beyond leeway", Config{}, claims(map[string]any{"nbf": sec(31 * time.Second)}), "token not yet valid"},
		{"nbf 1s ahead, tiny leeway", Config{Leeway: time.Nanosecond}, claims(map[string]any{"nbf": sec(time.Second)}), "token not yet valid"},
		{"iat in past", Config{}, claims(map[string]any{"iat": sec(-time.Minute)}), ""},
		{"iat within leeway", Config{}, claims(map[string]any{"iat": sec(30 * time.Second)}), ""},
		{"iat in future", Config{}, claims(map[string]any{"iat": sec(31 * time.Second)}), "issued in the future"},
		{"iat as object", Config{}, claims(map[string]any{"iat": map[string]any{}}), "iat is not a valid date"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.PEM = pemData
			v := verifier(t, tc.cfg)
			c, err := v.Verify(context.Background(), sign(t, k, hdr("EdDSA", ""), tc.claims))
			if tc.reason != "" {
				wantInvalid(t, err, tc.reason)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if exp, ok := tc.claims["exp"]; ok && c.ExpiresAt.Unix() != wantUnix(exp) {
				t.Fatalf("ExpiresAt zero for exp %v", exp)
			} else if !ok && !c.ExpiresAt.IsZero() {
				t.Fatalf("ExpiresAt = %v without exp", c.ExpiresAt)
			}
		})
	}
}

func TestClockIsInjected(t *testing.T) {
	k := edKey(t)
	clock := newClock(t0())
	v := verifier(t, Config{PEM: pkixPEM(t, k.Public()), Now: clock.Now})
	tok := sign(t, k, hdr("EdDSA", ""), claims(nil))
	if _, err := v.Verify(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour + 30*time.Second)
	_, err := v.Verify(context.Background(), tok)
	wantInvalid(t, err, "token expired")
}

func TestIssuerAudience(t *testing.T) {
	k := edKey(t)
	pemData := pkixPEM(t, k.Public())
	for _, tc := range []struct {
		name, iss, aud string
		claims         map[string]any
		reason         string
	}{
		{"nothing configured", "", "", claims(map[string]any{"iss": nil}), ""},
		{"issuer matches", "https://issuer.test", "", claims(nil), ""},
		{"wrong issuer", "https://other.test", "", claims(nil), "wrong issuer"},
		{"issuer differs by slash", "https://issuer.test/", "", claims(nil), "wrong issuer"},
		{"missing issuer", "https://issuer.test", "", claims(map[string]any{"iss": nil}), "wrong issuer"},
		{"issuer not a string", "", "", claims(map[string]any{"iss": 7}), "iss is not a string"},
		{"aud string", "", "crm", claims(map[string]any{"aud": "crm"}), ""},
		{"aud array", "", "crm", claims(map[string]any{"aud": []string{"billing", "crm"}}), ""},
		{"aud wrong string", "", "crm", claims(map[string]any{"aud": "billing"}), "wrong audience"},
		{"aud array without it", "", "crm", claims(map[string]any{"aud": []string{"billing", "CRM"}}), "wrong audience"},
		{"aud missing", "", "crm", claims(nil), "wrong audience"},
		{"aud empty array", "", "crm", claims(map[string]any{"aud": []string{}}), "wrong audience"},
		{"aud not configured", "", "", claims(map[string]any{"aud": "anything"}), ""},
		{"aud of numbers", "", "crm", claims(map[string]any{"aud": []int{1}}), "aud is not a string or array"},
		{"both match", "https://issuer.test", "crm", claims(map[string]any{"aud": []string{"crm"}}), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := verifier(t, Config{PEM: pemData, Issuer: tc.iss, Audience: tc.aud})
			_, err := v.Verify(context.Background(), sign(t, k, hdr("EdDSA", ""), tc.claims))
			if tc.reason != "" {
				wantInvalid(t, err, tc.reason)
			} else if err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestOrgsAndRoles(t *testing.T) {
	k := edKey(t)
	v := verifier(t, Config{PEM: pkixPEM(t, k.Public())})
	for _, tc := range []struct {
		name              string
		claims            map[string]any
		wantOrgs, wantRol []string
		reason            string
	}{
		{"none", claims(nil), nil, nil, ""},
		{"org", claims(map[string]any{"org": "acme"}), []string{"acme"}, nil, ""},
		{"orgs", claims(map[string]any{"orgs": []string{"acme", "globex"}}), []string{"acme", "globex"}, nil, ""},
		{"org and orgs merged", claims(map[string]any{"org": "globex", "orgs": []string{"acme", "globex", "", "acme"}}), []string{"globex", "acme"}, nil, ""},
		{"orgs as one string, not split", claims(map[string]any{"orgs": "acme corp"}), []string{"acme corp"}, nil, ""},
		{"empty org", claims(map[string]any{"org": ""}), nil, nil, ""},
		{"roles array", claims(map[string]any{"roles": []string{"admin", "customers:read"}}), nil, []string{"admin", "customers:read"}, ""},
		{"roles string", claims(map[string]any{"roles": " admin  customers:read "}), nil, []string{"admin", "customers:read"}, ""},
		{"scope", claims(map[string]any{"scope": "customers:read customers:write"}), nil, []string{"customers:read", "customers:write"}, ""},
		{"roles and scope merged", claims(map[string]any{"roles": []string{"admin", "events:read"}, "scope": "events:read  customers:read admin"}),
			nil, []string{"admin", "events:read", "customers:read"}, ""},
		{"org as array", claims(map[string]any{"org": []string{"acme"}}), nil, nil, "org is not a string"},
		{"orgs of numbers", claims(map[string]any{"orgs": []int{1}}), nil, nil, "orgs is not a string or array"},
		{"roles as object", claims(map[string]any{"roles": map[string]any{"a": 1}}), nil, nil, "roles is not a string or array"},
		{"scope as array", claims(map[string]any{"scope": []string{"a"}}), nil, nil, "scope is not a string"},
		{"sub as number", claims(map[string]any{"sub": 42}), nil, nil, "sub is not a string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := v.Verify(context.Background(), sign(t, k, hdr("EdDSA", ""), tc.claims))
			if tc.reason != "" {
				wantInvalid(t, err, tc.reason)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(c.Orgs, tc.wantOrgs) || !slices.Equal(c.Roles, tc.wantRol) {
				t.Fatalf("orgs %q roles %q, want %q %q", c.Orgs, c.Roles, tc.wantOrgs, tc.wantRol)
			}
			if c.Subject != "user-1" {
				t.Fatalf("subject %q", c.Subject)
			}
		})
	}
}

// wantUnix is the whole seconds of an exp value as the tests write it.
func wantUnix(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case float64:
		return int64(math.Floor(n))
	}
	return 0
}

// TestReasonOrder pins which reason a token that breaks several claim rules
// gets: golang-jwt's validator reports them all at once, and the client
// sees the first in the package's fixed order.
func TestReasonOrder(t *testing.T) {
	k := edKey(t)
	v := verifier(t, Config{PEM: pkixPEM(t, k.Public()), Issuer: "https://issuer.test", Audience: "crm", RequireExpiry: true})
	late := t0().Add(time.Hour).Unix()
	for _, tc := range []struct {
		name   string
		claims map[string]any
		reason string
	}{
		{"no exp, no iss, no aud", claims(map[string]any{"exp": nil, "iss": nil}), "missing exp"},
		{"expired, not yet valid, wrong iss", claims(map[string]any{"exp": t0().Add(-time.Hour).Unix(), "nbf": late, "iss": "x", "aud": "crm"}), "token expired"},
		{"not yet valid, issued later", claims(map[string]any{"nbf": late, "iat": late, "aud": "crm"}), "token not yet valid"},
		{"issued later, no iss", claims(map[string]any{"iat": late, "iss": nil, "aud": "crm"}), "token issued in the future"},
		{"no iss, no aud", claims(map[string]any{"iss": nil}), "wrong issuer"},
		{"wrong iss, wrong aud", claims(map[string]any{"iss": "x", "aud": "billing"}), "wrong issuer"},
		{"no aud", claims(nil), "wrong audience"},
		{"empty aud string", claims(map[string]any{"aud": ""}), "wrong audience"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), sign(t, k, hdr("EdDSA", ""), tc.claims))
			wantInvalid(t, err, tc.reason)
		})
	}
}
