package httpapi

import (
	"net/http"
	"strings"

	"github.com/telcoops/crm"
)

// authorize authenticates the caller and checks it may act in the path's
// org and holds role. It returns the org and a copy of r whose context
// carries the principal.
func (s *Server) authorize(r *http.Request, role crm.Role) (*http.Request, string, error) {
	return s.authorizeRead(r, role, false)
}

// authorizeRead is authorize for a read that, when maskable, a principal
// lacking role may also make with crm.RoleCustomersReadMasked, served with
// masked personal values: the returned request then says so (masked).
func (s *Server) authorizeRead(r *http.Request, role crm.Role, maskable bool) (*http.Request, string, error) {
	p, err := s.authenticate(r)
	if err != nil {
		return r, "", err
	}
	org := r.PathValue("org_id")
	if !crm.ValidOrgID(org) {
		return r, "", paramError("org_id", "must be 1 to 63 lower-case letters, digits, _ or -, starting with a letter or digit")
	}
	if !p.CanAccessOrg(org) {
		return r, "", crm.Errorf(crm.EFORBIDDEN, "the credential is not valid for org %s", org)
	}
	readsMasked := maskable && p.ReadsMasked(role)
	if !p.HasRole(role) && !readsMasked {
		return r, "", missingRole(role, maskable)
	}
	info := crm.RequestInfoFrom(r.Context())
	info.Principal = p
	return r.WithContext(withMasked(crm.WithRequestInfo(r.Context(), info), readsMasked)), org, nil
}

// authenticate finds the caller's credential: an API key (Authorization
// Bearer crm_… or x-api-key), a JWT bearer, or, in gateway mode only, the
// roles an upstream gateway put in x-auth-roles.
func (s *Server) authenticate(r *http.Request) (crm.Principal, error) {
	// Made only when needed: an authenticated request allocates no error.
	unauthorized := func() error { return crm.Errorf(crm.EUNAUTHORIZED, "missing or invalid credentials") }
	if auth := r.Header.Get("Authorization"); auth != "" {
		scheme, token, ok := strings.Cut(auth, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
			return crm.Principal{}, crm.Errorf(crm.EUNAUTHORIZED, "Authorization must be \"Bearer <token>\"")
		}
		if strings.HasPrefix(token, "crm_") {
			return s.apiKey(r, token)
		}
		if s.cfg.Tokens == nil {
			return crm.Principal{}, unauthorized()
		}
		p, err := s.cfg.Tokens.AuthenticateToken(r.Context(), token)
		if err != nil {
			return crm.Principal{}, err
		}
		return p, nil
	}
	if key := r.Header.Get("x-api-key"); key != "" {
		return s.apiKey(r, key)
	}
	if roles := r.Header.Get("x-auth-roles"); roles != "" && s.cfg.GatewayMode {
		p := crm.Principal{ID: "gateway", AllOrgs: true}
		for _, f := range strings.FieldsFunc(roles, func(r rune) bool { return r == ',' || r == ' ' }) {
			p.Roles = append(p.Roles, crm.Role(f))
		}
		return p, nil
	}
	return crm.Principal{}, unauthorized()
}

func (s *Server) apiKey(r *http.Request, key string) (crm.Principal, error) {
	if s.cfg.APIKeys == nil {
		return crm.Principal{}, crm.Errorf(crm.EUNAVAILABLE, "API keys are not configured")
	}
	return s.cfg.APIKeys.AuthenticateAPIKey(r.Context(), key)
}

func paramError(name, format string, args ...any) error {
	e := crm.Invalid(name, format, args...)
	e.Code = crm.EPARAM
	return e
}
