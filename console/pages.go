package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/google/uuid"

	"github.com/telcoops/crm"
)

// signInPage shows the sign-in form, with a fresh token in a cookie and
// in the form: no session exists yet to hold one.
func (c *Console) signInPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := c.session(r); ok {
		http.Redirect(w, r, Prefix+"/", http.StatusSeeOther)
		return
	}
	c.renderSignIn(w, r, http.StatusOK, "", r.URL.Query().Get("org"))
}

func (c *Console) renderSignIn(w http.ResponseWriter, r *http.Request, status int, problem, org string) {
	token := randomToken()
	setCookie(w, r, signInCookie, token, 600)
	c.render(w, status, "signin", map[string]any{"Title": "Sign in", "CSRF": token, "Problem": problem, "OrgValue": org})
}

// signIn checks the key by calling the API as the agent would, in the org
// the agent names (the API tells no key its org): a wrong key is 401, a
// key of another org 403, both shown. On success the key goes into a new
// session and the browser gets only the session id.
func (c *Console) signIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	ck, err := r.Cookie(signInCookie)
	if err != nil || !sameToken(r.PostFormValue("csrf"), ck.Value) {
		http.Error(w, "the sign-in form's token is missing or wrong: reload the sign-in page", http.StatusForbidden)
		return
	}
	org, key := strings.TrimSpace(r.PostFormValue("org")), strings.TrimSpace(r.PostFormValue("key"))
	switch {
	case !crm.ValidOrgID(org):
		c.renderSignIn(w, r, http.StatusBadRequest, "Organization: give the org id of your key (lower-case letters, digits, _ or -).", org)
		return
	case key == "":
		c.renderSignIn(w, r, http.StatusBadRequest, "API key: required.", org)
		return
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	res := api{h: c.api, key: key, org: org, reason: reason, remote: r.RemoteAddr}.checkKey(r.Context())
	switch {
	case res.Status == http.StatusUnauthorized:
		c.renderSignIn(w, r, http.StatusUnauthorized, "API key: not valid (unknown, revoked or mistyped).", org)
		return
	case !res.ok():
		c.renderSignIn(w, r, res.Status, "The API refused the key: "+res.message(), org)
		return
	}
	var products *productsLogin
	if id := strings.TrimSpace(r.PostFormValue("client_id")); id != "" {
		requestor := strings.TrimSpace(r.PostFormValue("requestor_id"))
		if len(requestor) != 36 || uuid.Validate(requestor) != nil {
			c.renderSignIn(w, r, http.StatusBadRequest, "Your agent id: a UUID is required with a products client (it is sent as Requestor-ID).", org)
			return
		}
		secret := r.PostFormValue("client_secret")
		token, ttl, res := c.newToken(r.Context(), r.RemoteAddr, id, secret)
		if token == "" {
			c.renderSignIn(w, r, http.StatusUnauthorized, "Products client: "+res.message(), org)
			return
		}
		products = &productsLogin{clientID: id, secret: secret, requestor: requestor, token: token, renew: c.sessions.now().Add(ttl)}
	}
	s := c.sessions.create(key, org, reason, products)
	setCookie(w, r, signInCookie, "", -1)
	setCookie(w, r, cookieName, s.id, 0)
	c.log.Info("console: signed in", "org", org)
	http.Redirect(w, r, Prefix+"/", http.StatusSeeOther)
}

// signOut ends the session and forgets the key.
func (c *Console) signOut(w http.ResponseWriter, r *http.Request, s *session, _ api) {
	c.sessions.delete(s.id)
	setCookie(w, r, cookieName, "", -1)
	http.Redirect(w, r, Prefix+"/sign-in?org="+s.org, http.StatusSeeOther)
}

// hit is one customer in the search results: who, and which of its
// fields the query matched.
type hit struct {
	ID         string   `json:"id"`
	Name       string   `json:"display_name"`
	Type       string   `json:"type"`
	ExternalID string   `json:"external_id"`
	Status     string   `json:"status"`
	Matched    []string `json:"matched"`
}

// searchPage is the home page: the search box and, with a query, one page
// of the customers customer-search finds, with a link to the next page.
// A customer id that the search does not know as an account id opens the
// customer directly.
func (c *Console) searchPage(w http.ResponseWriter, r *http.Request, s *session, a api) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	after := r.URL.Query().Get("after")
	data := c.pageData(s, "Search")
	data["Query"] = q
	if q == "" {
		c.render(w, http.StatusOK, "search", data)
		return
	}
	res := a.search(r.Context(), q, after, searchPageSize)
	var found struct {
		Results    []hit   `json:"results"`
		NextCursor *string `json:"next_cursor"`
	}
	if !res.ok() || res.decode(&found) != nil {
		data["Problems"], data["Searched"] = []string{res.message()}, true
		c.render(w, res.Status, "search", data)
		return
	}
	if len(found.Results) == 0 && after == "" && len(q) == 36 && uuid.Validate(q) == nil {
		http.Redirect(w, r, Prefix+"/customers/"+url.PathEscape(q), http.StatusSeeOther)
		return
	}
	data["Hits"], data["Searched"], data["Continued"] = found.Results, true, after != ""
	if found.NextCursor != nil && *found.NextCursor != "" {
		data["Next"] = Prefix + "/search?" + url.Values{"q": {q}, "after": {*found.NextCursor}}.Encode()
	}
	c.render(w, http.StatusOK, "search", data)
}
