package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
)

// Auth puts a credential on each request a client sends.
type Auth interface {
	// Authorize sets the credential on req.
	Authorize(ctx context.Context, req *http.Request) error
	// Refused is told that the service answered req with 401, and reports
	// whether sending it again with a fresh credential may succeed.
	Refused(req *http.Request) bool
}

// APIKey is a v4 API key (crm_...), sent as Authorization: Bearer. A
// refused key stays refused, so a 401 is returned as it came.
type APIKey string

// Authorize sets Authorization: Bearer <key>.
func (k APIKey) Authorize(_ context.Context, req *http.Request) error {
	req.Header.Set("Authorization", "Bearer "+string(k))
	return nil
}

// Refused reports false: a new request would carry the same key.
func (APIKey) Refused(*http.Request) bool { return false }

// authorizing is the Doer the generated clients send through: it adds the
// credential and, after a 401 the Auth can mend, sends the request once more.
type authorizing struct {
	next Doer
	auth Auth
}

func (a *authorizing) Do(req *http.Request) (*http.Response, error) {
	if err := a.auth.Authorize(req.Context(), req); err != nil {
		return nil, fmt.Errorf("crm client: %w", err)
	}
	res, err := a.next.Do(req)
	if err != nil || res.StatusCode != http.StatusUnauthorized || !a.auth.Refused(req) {
		return res, err
	}
	retry := req.Clone(req.Context())
	if req.Body != nil && req.Body != http.NoBody {
		if req.GetBody == nil {
			return res, nil // a streamed body cannot be sent twice
		}
		if retry.Body, err = req.GetBody(); err != nil {
			return res, nil
		}
	}
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	if err := a.auth.Authorize(retry.Context(), retry); err != nil {
		return nil, fmt.Errorf("crm client: %w", err)
	}
	return a.next.Do(retry)
}
