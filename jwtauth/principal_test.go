package jwtauth

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
)

// TestAuthenticatorOrgs holds a token to real org ids: "*" in any claim,
// anything else that is not an org id, and no org at all are 401, so no
// client can name all orgs.
func TestAuthenticatorOrgs(t *testing.T) {
	k := edKey(t)
	a := Authenticator{V: verifier(t, Config{PEM: pkixPEM(t, k.Public())})}
	for _, tc := range []struct {
		name   string
		claims map[string]any
		want   *crm.Principal // nil: EUNAUTHORIZED
	}{
		{"org", map[string]any{"org": "acme", "roles": "admin"},
			&crm.Principal{ID: "jwt:user-1", Orgs: []string{"acme"}, Roles: []crm.Role{crm.RoleAdmin}}},
		{"orgs", map[string]any{"orgs": []string{"acme", "b"}, "scope": "customers:read"},
			&crm.Principal{ID: "jwt:user-1", Orgs: []string{"acme", "b"}, Roles: []crm.Role{crm.RoleCustomersRead}}},
		{"org star", map[string]any{"org": "*", "roles": "admin"}, nil},
		{"orgs star", map[string]any{"orgs": []string{"*"}, "roles": "admin"}, nil},
		{"orgs with a star", map[string]any{"orgs": []string{"b", "*"}, "roles": "admin"}, nil},
		{"orgs star as a string", map[string]any{"orgs": "*", "roles": "admin"}, nil},
		{"org upper case", map[string]any{"org": "ACME", "roles": "admin"}, nil},
		{"org with a space", map[string]any{"orgs": "acme corp", "roles": "admin"}, nil},
		{"org pattern", map[string]any{"org": "acme.*", "roles": "admin"}, nil},
		{"no org", map[string]any{"roles": "admin"}, nil},
		{"empty org", map[string]any{"org": "", "roles": "admin"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := a.AuthenticateToken(context.Background(), sign(t, k, hdr("EdDSA", ""), claims(tc.claims)))
			if tc.want == nil {
				if code := crm.ErrorCodeOf(err); code != crm.EUNAUTHORIZED {
					t.Fatalf("got %+v, %v; want %s", p, err, crm.EUNAUTHORIZED)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(*tc.want, p); diff != "" {
				t.Errorf("principal (-want +got):\n%s", diff)
			}
		})
	}
}
