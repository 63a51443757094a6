package jwtauth

import (
	"context"
	"errors"

	"github.com/telcoops/crm"
)

// Authenticator turns verified tokens into principals: it is the service's
// crm.TokenAuthenticator for JWT bearer tokens.
type Authenticator struct{ V *Verifier }

// AuthenticateToken verifies token and returns its principal. A token that
// fails verification, names no org, or names anything that is not an org id
// (such as "*") is EUNAUTHORIZED: a client's token can never open all orgs.
// EUNAVAILABLE means the signing keys could not be fetched.
func (a Authenticator) AuthenticateToken(ctx context.Context, token string) (crm.Principal, error) {
	claims, err := a.V.Verify(ctx, token)
	if err != nil {
		if errors.Is(err, ErrInvalidToken) {
			return crm.Principal{}, crm.Errorf(crm.EUNAUTHORIZED, "invalid bearer token: %s", err.Error())
		}
		return crm.Principal{}, &crm.Error{Code: crm.EUNAVAILABLE, Message: "token keys unavailable", Err: err}
	}
	if len(claims.Orgs) == 0 {
		return crm.Principal{}, crm.Errorf(crm.EUNAUTHORIZED, "invalid bearer token: it names no org")
	}
	for _, org := range claims.Orgs {
		if !crm.ValidOrgID(org) {
			return crm.Principal{}, crm.Errorf(crm.EUNAUTHORIZED, "invalid bearer token: an org claim is not an org id")
		}
	}
	p := crm.Principal{ID: "jwt:" + claims.Subject, Orgs: claims.Orgs}
	for _, r := range claims.Roles {
		p.Roles = append(p.Roles, crm.Role(r))
	}
	return p, nil
}
