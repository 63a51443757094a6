package console

import (
	"net/http"
	"regexp"
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

// hit is one customer in the search results.
type hit struct {
	ID, Name, Type, ExternalID, Status string
}

// documentLike matches identity documents: NIF, NIE, CIF and passports
// are letters and digits only, with at least one digit.
var documentLike = regexp.MustCompile(`^[A-Za-z0-9]*[0-9][A-Za-z0-9]*$`)

// searchFields is which v4 search fields the input is tried as, in order:
// a customer id is opened directly; text with @ is an email or a username;
// letters and digits an identity document or a username; anything else a
// username.
func searchFields(q string) []string {
	switch {
	case len(q) == 36 && uuid.Validate(q) == nil:
		return []string{"id"}
	case strings.Contains(q, "@"):
		return []string{"email", "username"}
	case documentLike.MatchString(q):
		return []string{"identity_document", "username"}
	default:
		return []string{"username"}
	}
}

// searchPage is the home page: the search box and, with a query, the
// customers it finds, each read whole to show who it is.
func (c *Console) searchPage(w http.ResponseWriter, r *http.Request, s *session, a api) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	data := c.pageData(s, "Search")
	data["Query"] = q
	if q == "" {
		c.render(w, http.StatusOK, "search", data)
		return
	}
	var hits []hit
	var problems []string
	seen := map[string]bool{}
	for _, field := range searchFields(q) {
		id := q
		if field != "id" {
			value := q
			if field == "identity_document" {
				value = strings.ToUpper(q)
			}
			res := a.findCustomer(r.Context(), field, value)
			if res.Status == http.StatusNotFound {
				continue
			}
			var found struct{ Customer struct{ ID string } }
			if !res.ok() || res.decode(&found) != nil {
				problems = append(problems, field+": "+res.message())
				continue
			}
			id = found.Customer.ID
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		res := a.customer(r.Context(), id)
		if res.Status == http.StatusNotFound {
			continue
		}
		var cust map[string]any
		if !res.ok() || res.decode(&cust) != nil {
			problems = append(problems, res.message())
			continue
		}
		hits = append(hits, hit{ID: id, Name: displayName(cust), Type: str(cust["type"]), ExternalID: str(cust["external_id"]), Status: str(cust["status"])})
	}
	data["Hits"], data["Problems"], data["Searched"] = hits, problems, true
	c.render(w, http.StatusOK, "search", data)
}
