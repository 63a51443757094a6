package main

import (
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
			return nil, fmt.Errorf("--jwt-keys (env CRM_JWT_KEYS): %w", err)
		}
		cfg.PEM = pem
	}
	v, err := jwtauth.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("JWT settings (--jwt-keys, --jwt-jwks-url; env CRM_JWT_KEYS, CRM_JWT_JWKS_URL): %w", err)
	}
	return jwtauth.Authenticator{V: v}, nil
}
