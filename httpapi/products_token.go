package httpapi

import (
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/telcoops/crm"
)

// maxTokenRequestBytes bounds a token request: a few short form fields.
const maxTokenRequestBytes = 8 << 10

// tokenResponse is the successful answer of POST /oauth2/token (RFC 6749 §5.1).
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
}

// oauthError is an error answer of the token endpoint (RFC 6749 §5.2).
type oauthError struct {
	status      int
	Code        string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

func (e *oauthError) Error() string { return e.Code + ": " + e.Description }

func invalidRequest(description string) *oauthError {
	return &oauthError{status: http.StatusBadRequest, Code: "invalid_request", Description: description}
}

// token implements the client-credentials grant. The client authenticates
// with HTTP Basic or with client_id and client_secret in the form, not
// both. It writes nothing, so an Idempotency-Key has nothing to replay and
// is ignored.
func (s *ProductsServer) token(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	res, err := s.issueToken(r)
	var oe *oauthError
	switch {
	case errors.As(err, &oe):
		if oe.status == http.StatusUnauthorized && r.Header.Get("Authorization") != "" {
			w.Header().Set("WWW-Authenticate", `Basic realm="crm-products"`)
		}
		writeJSON(w, oe.status, oe)
	case err != nil:
		status, code := http.StatusInternalServerError, "server_error"
		if crm.ErrorCodeOf(err) == crm.EUNAVAILABLE {
			status, code = http.StatusServiceUnavailable, "temporarily_unavailable"
		} else {
			s.log.Error("token request failed", "request_id", requestID(r.Context()), "error", err.Error())
		}
		writeJSON(w, status, &oauthError{Code: code})
	default:
		writeJSON(w, http.StatusOK, res)
	}
}

func (s *ProductsServer) issueToken(r *http.Request) (*tokenResponse, error) {
	if s.cfg.Clients == nil || s.cfg.Tokens == nil {
		return nil, crm.Errorf(crm.EUNAVAILABLE, "the products surface is not configured")
	}
	form, err := tokenForm(r)
	if err != nil {
		return nil, err
	}
	// Required parameters first: a request that is not understood is not
	// worth a database lookup.
	grant := form.Get("grant_type")
	if grant == "" {
		return nil, invalidRequest("grant_type is required")
	}
	id, secret, err := clientCredentials(r, form)
	if err != nil {
		return nil, err
	}
	if grant != "client_credentials" {
		return nil, &oauthError{status: http.StatusBadRequest, Code: "unsupported_grant_type",
			Description: "only the client_credentials grant is supported"}
	}
	client, err := s.cfg.Clients.AuthenticateOAuthClient(r.Context(), id, secret)
	if crm.ErrorCodeOf(err) == crm.EUNAUTHORIZED {
		return nil, &oauthError{status: http.StatusUnauthorized, Code: "invalid_client", Description: "client authentication failed"}
	}
	if err != nil {
		return nil, err
	}
	scopes := client.Scopes
	if requested, ok := form["scope"]; ok {
		scopes = nil
		for _, sc := range strings.Fields(requested[0]) {
			if !slices.Contains(client.Scopes, crm.Role(sc)) {
				return nil, &oauthError{status: http.StatusBadRequest, Code: "invalid_scope",
					Description: "scope " + sc + " is not granted to this client"}
			}
			if !slices.Contains(scopes, crm.Role(sc)) {
				scopes = append(scopes, crm.Role(sc))
			}
		}
		if len(scopes) == 0 {
			return nil, &oauthError{status: http.StatusBadRequest, Code: "invalid_scope", Description: "scope is empty"}
		}
	}
	now := s.now().Truncate(time.Second)
	tok, err := s.cfg.Tokens.IssueAccessToken(r.Context(), crm.AccessTokenClaims{ClientID: client.ID, OrgID: client.OrgID,
		Scopes: scopes, IssuedAt: now, ExpiresAt: now.Add(crm.AccessTokenTTL)})
	if err != nil {
		return nil, err
	}
	return &tokenResponse{AccessToken: tok, TokenType: "Bearer", ExpiresIn: int(crm.AccessTokenTTL.Seconds())}, nil
}

// tokenForm reads the form-encoded body. Every parameter may appear at
// most once (RFC 6749 §3.2).
func tokenForm(r *http.Request) (url.Values, error) {
	media, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || media != "application/x-www-form-urlencoded" {
		return nil, invalidRequest("the body must be application/x-www-form-urlencoded")
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxTokenRequestBytes))
	if err != nil {
		return nil, invalidRequest("the body must be at most 8 KiB")
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, invalidRequest("the body is not valid form encoding")
	}
	for name, values := range form {
		if len(values) > 1 {
			return nil, invalidRequest(name + " is given more than once")
		}
	}
	return form, nil
}

// clientCredentials returns the client's id and secret from HTTP Basic
// (RFC 6749 §2.3.1: each form-encoded, then base64) or from the form.
func clientCredentials(r *http.Request, form url.Values) (id, secret string, err error) {
	_, inForm := form["client_secret"]
	auth := r.Header.Get("Authorization")
	if auth == "" {
		id, secret = form.Get("client_id"), form.Get("client_secret")
		switch {
		case id == "":
			return "", "", invalidRequest("client_id is required (or HTTP Basic client authentication)")
		case secret == "":
			return "", "", invalidRequest("client_secret is required (or HTTP Basic client authentication)")
		}
		return id, secret, nil
	}
	if inForm {
		return "", "", invalidRequest("use one client authentication method: HTTP Basic or client_secret in the body, not both")
	}
	scheme, encoded, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Basic") {
		return "", "", &oauthError{status: http.StatusUnauthorized, Code: "invalid_client", Description: "Authorization must be HTTP Basic"}
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(encoded))
	if err != nil {
		return "", "", invalidRequest("the Basic credentials are not valid base64")
	}
	user, pass, ok := strings.Cut(string(raw), ":")
	if !ok {
		return "", "", invalidRequest("the Basic credentials must be client_id:client_secret")
	}
	if id, err = url.QueryUnescape(user); err == nil {
		secret, err = url.QueryUnescape(pass)
	}
	if err != nil {
		return "", "", invalidRequest("the Basic credentials are not valid form encoding")
	}
	if body := form.Get("client_id"); body != "" && body != id {
		return "", "", invalidRequest("client_id in the body differs from the Basic credentials")
	}
	if id == "" || secret == "" {
		return "", "", invalidRequest("the Basic credentials must name the client and its secret")
	}
	return id, secret, nil
}
