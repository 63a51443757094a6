package httpapi

import (
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/telcoops/crm"
)

// searchResult is the CustomerSearchResult schema: enough of a customer for
// an agent to pick the right one, masked like GET customer for a masked
// read, and what the query matched.
type searchResult struct {
	ID               string                `json:"id"`
	Type             string                `json:"type"`
	DisplayName      string                `json:"display_name"`
	Status           string                `json:"status"`
	ExternalID       *string               `json:"external_id"`
	IdentityDocument *crm.IdentityDocument `json:"identity_document"`
	Email            *string               `json:"email"`
	Phone            *phoneResult          `json:"phone"`
	Matched          []string              `json:"matched"`
}

type phoneResult struct {
	CountryCode string `json:"country_code"`
	Number      string `json:"number"`
}

// searchPage is the CustomerSearchPage schema.
type searchPage struct {
	Results    []searchResult `json:"results"`
	NextCursor *string        `json:"next_cursor"`
}

// customerSearch is the agents' one search box (issue 18): q is whatever
// the caller says, a document, email, phone, username, id, IBAN or name.
// Every customer answered is recorded in the access log first.
func (s *Server) customerSearch(w http.ResponseWriter, r *http.Request, org string) {
	params := r.URL.Query()
	q := params.Get("q")
	terms, err := crm.ParseSearchQuery(q)
	if err != nil {
		var e *crm.Error
		if errors.As(err, &e) && len(e.Fields) == 1 {
			err = paramError("q", "%s", e.Fields[0].Message)
		}
		s.writeError(w, r, err)
		return
	}
	limit := crm.DefaultSearchLimit
	if v := params.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > crm.MaxSearchLimit {
			s.writeError(w, r, paramError("limit", "must be an integer from 1 to %d", crm.MaxSearchLimit))
			return
		}
		limit = n
	}
	scope := "customer-search:" + org + ":" + q
	var after *crm.SearchCursor
	if v := params.Get("after"); v != "" {
		raw, ok := s.cursors.open(scope, v)
		if ok {
			after = new(crm.SearchCursor)
			ok = json.Unmarshal(raw, after) == nil
		}
		if !ok {
			s.writeError(w, r, paramError("after", "must be a next_cursor of this search"))
			return
		}
	}
	page, err := s.cfg.Customers.SearchCustomers(r.Context(), org, terms, limit, after)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := searchPage{Results: make([]searchResult, 0, len(page.Matches))}
	ids := make([]string, 0, len(page.Matches))
	for _, m := range page.Matches {
		ids = append(ids, m.Customer.ID)
		c := m.Customer
		if masked(r) {
			c = crm.MaskCustomer(c)
		}
		out.Results = append(out.Results, searchResultOf(c, m.Matched))
	}
	if page.Next != nil {
		raw, err := json.Marshal(page.Next)
		if err != nil {
			s.writeError(w, r, crm.Internal(err))
			return
		}
		next := s.cursors.seal(scope, raw)
		out.NextCursor = &next
	}
	if len(ids) > 0 && !s.accessed(w, r, org, ids...) {
		return
	}
	w.Header().Set("Cache-Control", "private, no-store")
	writeJSON(w, http.StatusOK, out)
}

// searchResultOf is c as a search result: its default email and phone.
func searchResultOf(c *crm.Customer, matched []string) searchResult {
	res := searchResult{ID: c.ID, Type: string(c.Type), DisplayName: crm.DisplayName(&c.CustomerData), Status: "ACTIVE",
		ExternalID: c.ExternalID, IdentityDocument: c.IdentityDocument(), Matched: matched}
	if c.EndedAt != nil {
		res.Status = "DEACTIVATED"
	}
	if e := c.SearchEmail(); e != "" {
		res.Email = &e
	}
	switch {
	case c.DigitalPersonalInfo != nil && c.DigitalPersonalInfo.MobilePhoneNumber != nil:
		m := c.DigitalPersonalInfo.MobilePhoneNumber
		res.Phone = &phoneResult{m.CountryCode, m.Number}
	case c.ContactInfo != nil:
		if p := c.ContactInfo.DefaultPhone(); p != nil {
			res.Phone = &phoneResult{p.CountryCode, p.Number}
		}
	}
	return res
}

// seal returns an opaque cursor holding raw, bound to scope: a search's
// cursor holds part of a name, which the client must not read, and which
// opens only for the same org and query.
func (c *cursors) seal(scope string, raw []byte) string {
	g, _ := cipher.NewGCM(c.block) // AES: never fails
	nonce := make([]byte, g.NonceSize())
	rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(g.Seal(nonce, nonce, raw, c.scopeTag(scope)))
}

// open returns what seal sealed for scope; ok is false for anything else.
func (c *cursors) open(scope, cursor string) ([]byte, bool) {
	g, _ := cipher.NewGCM(c.block)
	raw, err := base64.RawURLEncoding.Strict().DecodeString(cursor)
	if err != nil || len(raw) < g.NonceSize() {
		return nil, false
	}
	plain, err := g.Open(nil, raw[:g.NonceSize()], raw[g.NonceSize():], c.scopeTag(scope))
	return plain, err == nil
}
