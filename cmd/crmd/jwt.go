package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/jwtauth"
)

// tokenAuthenticator returns the JWT verifier the config asks for, or nil
// when JWTs are not configured (bearer tokens other than API keys are then
// refused).
func (c *config) tokenAuthenticator() (crm.TokenAuthenticator, error) {
	if c.jwtKeysFile == "" && c.jwtJWKSURL == "" {
		return nil, nil
	}
	cfg := jwtauth.Config{JWKSURL: c.jwtJWKSURL, Issuer: c.jwtIssuer, Audience: c.jwtAudience, RequireExpiry: true}
	if c.jwtKeysFile != "" {
		pem, err := os.ReadFile(c.jwtKeysFile)
		if err != nil {
			return nil, fmt.Errorf("jwt keys: %w", err)
		}
		cfg.PEM = pem
	}
	v, err := jwtauth.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("jwt: %w", err)
	}
	return jwtAuthenticator{v}, nil
}

// jwtAuthenticator turns verified JWT claims into a principal.
type jwtAuthenticator struct{ v *jwtauth.Verifier }

func (a jwtAuthenticator) AuthenticateToken(ctx context.Context, token string) (crm.Principal, error) {
	claims, err := a.v.Verify(ctx, token)
	if err != nil {
		if errors.Is(err, jwtauth.ErrInvalidToken) {
			return crm.Principal{}, crm.Errorf(crm.EUNAUTHORIZED, "invalid bearer token: %s", err.Error())
		}
		return crm.Principal{}, &crm.Error{Code: crm.EUNAVAILABLE, Message: "token keys unavailable", Err: err}
	}
	p := crm.Principal{ID: "jwt:" + claims.Subject, Orgs: claims.Orgs}
	for _, r := range claims.Roles {
		p.Roles = append(p.Roles, crm.Role(r))
	}
	return p, nil
}
