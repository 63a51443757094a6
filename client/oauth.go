package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// ClientCredentials authenticates with an OAuth2 client of the Customer
// Products API (crmd clients create): it requests an access token from
// TokenURL with the client-credentials grant, keeps it, requests a new one
// shortly before it expires, and once more when the service refuses it
// (a restarted or revoked token). Use it by pointer; it is safe for
// concurrent use.
type ClientCredentials struct {
	TokenURL     string           // e.g. https://crm.example.com/oauth2/token
	ClientID     string           // the client_id line of crmd clients create
	ClientSecret string           // crmcs_..., never logged nor put in an error
	Scopes       []string         // scopes to request; none: every scope of the client
	HTTPClient   Doer             // for the token requests; nil: http.DefaultClient
	Now          func() time.Time // nil: time.Now

	mu      sync.Mutex
	token   string
	refresh time.Time // when to request the next token
}

// Authorize sets Authorization: Bearer with the current token, requesting
// one first when there is none or it is about to expire.
func (c *ClientCredentials) Authorize(ctx context.Context, req *http.Request) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token == "" || !c.now().Before(c.refresh) {
		if err := c.fetch(ctx); err != nil {
			return err
		}
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	return nil
}

// Refused forgets the token req carried, if it is still the current one
// (concurrent refusals request one new token, not one each), and reports
// true: the next Authorize requests a fresh token.
func (c *ClientCredentials) Refused(req *http.Request) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if req.Header.Get("Authorization") == "Bearer "+c.token {
		c.token = ""
	}
	return true
}

func (c *ClientCredentials) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// tokenAnswer is the token endpoint's answer, success (RFC 6749 §5.1) or
// error (§5.2).
type tokenAnswer struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// fetch requests a token; c.mu is held.
func (c *ClientCredentials) fetch(ctx context.Context) error {
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ClientID}, "client_secret": {c.ClientSecret}}
	if len(c.Scopes) > 0 {
		form.Set("scope", strings.Join(c.Scopes, " "))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	doer := c.HTTPClient
	if doer == nil {
		doer = http.DefaultClient
	}
	issued := c.now()
	res, err := doer.Do(req)
	if err != nil {
		return fmt.Errorf("token request: %w", err)
	}
	defer res.Body.Close()
	var ans tokenAnswer
	if err := json.NewDecoder(io.LimitReader(res.Body, 64<<10)).Decode(&ans); err != nil {
		return fmt.Errorf("token request: HTTP %d: %w", res.StatusCode, err)
	}
	switch {
	case res.StatusCode != http.StatusOK:
		return fmt.Errorf("token request: HTTP %d: %s: %s", res.StatusCode, ans.Error, ans.Description)
	case ans.AccessToken == "" || !strings.EqualFold(ans.TokenType, "Bearer") || ans.ExpiresIn <= 0:
		return fmt.Errorf("token request: not a bearer token with an expiry")
	}
	lifetime := time.Duration(ans.ExpiresIn) * time.Second
	c.token, c.refresh = ans.AccessToken, issued.Add(lifetime-min(lifetime/10, time.Minute))
	return nil
}
