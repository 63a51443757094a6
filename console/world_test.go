package console

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/blobstore"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/httpapi"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/urlsign"
)

// world is the v4 API on a real store with the console in front of it,
// served over HTTP the way cmd/crmd mounts them.
type world struct {
	t         *testing.T
	db        *sqlstore.DB
	clock     *crmtest.Clock
	console   *Console
	accessLog *sqlstore.AccessLog
	base      string
}

func newWorld(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) *world {
	t.Helper()
	accessLog := sqlstore.NewAccessLog(db, sqlstore.AccessLogOptions{})
	t.Cleanup(accessLog.Close)
	blobs, err := blobstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	signer, err := urlsign.New([]byte(strings.Repeat("console-test-key-", 2)))
	if err != nil {
		t.Fatal(err)
	}
	api := httpapi.New(httpapi.Config{Customers: db.Customers, Accounts: db.Accounts, Promotions: db.Promotions,
		Contracts: db.Contracts, Credentials: db.Credentials, Classification: db.Classification, APIKeys: db.APIKeys,
		Idempotency: db.Idempotency, Events: db.Outbox, AccessLog: accessLog, Clock: clock.Now,
		Overviews: db.Overviews, Duplicates: db.Duplicates,
		Identification: &httpapi.IdentificationConfig{Service: db.Identifications(blobs), Signer: signer,
			PublicURL: "https://crm.example.com"}}).Handler()
	products := httpapi.NewProducts(httpapi.ProductsConfig{Products: db.Products, Clients: db.OAuthClients, Tokens: db.AccessTokens,
		Idempotency: db.Idempotency, AccessLog: accessLog, Clock: clock.Now}).Handler()
	root := http.NewServeMux()
	root.Handle("/", api)
	for _, p := range httpapi.ProductsPaths {
		root.Handle(p, products)
	}
	c := New(Config{API: root, Clock: clock.Now})
	mux := http.NewServeMux()
	mux.Handle("/", root)
	mux.Handle(Prefix+"/", c)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &world{t: t, db: db, clock: clock, console: c, accessLog: accessLog, base: srv.URL}
}

// key makes an API key of org with roles.
func (w *world) key(org string, roles ...crm.Role) string {
	w.t.Helper()
	_, secret, err := w.db.APIKeys.CreateAPIKey(context.Background(), org, "agent", roles)
	if err != nil {
		w.t.Fatal(err)
	}
	return secret
}

// call is a v4 request as a client, answering status, ETag and body.
func (w *world) call(key, method, path, ifMatch string, body any) (int, string, []byte) {
	w.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, w.base+path, rd)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("ETag"), raw
}

// customer creates a private customer in org from the documentation's
// example, with the identity document doc and the email, returning its id.
func (w *world) customer(org, key, doc, email string) string {
	w.t.Helper()
	raw, err := os.ReadFile("../httpapi/testdata/examples/NewPrivateCustomer.json")
	if err != nil {
		w.t.Fatal(err)
	}
	var c map[string]any
	json.Unmarshal(raw, &c)
	c["personal_info"].(map[string]any)["identity_document"] = map[string]any{"number": doc, "type": "NIF"}
	c["contact_info"].(map[string]any)["emails"] = []any{map[string]any{"email": email, "is_default": true}}
	status, _, body := w.call(key, "POST", "/v4/orgs/"+org+"/customers", "", c)
	if status != http.StatusCreated {
		w.t.Fatalf("create customer: %d %s", status, body)
	}
	var out struct{ ID string }
	json.Unmarshal(body, &out)
	return out.ID
}

// agent is a browser without script: a cookie jar, redirects not followed.
type agent struct {
	w      *world
	client *http.Client
}

func (w *world) agent() *agent {
	jar, _ := cookiejar.New(nil)
	return &agent{w: w, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// page is one answer of the console.
type page struct {
	status   int
	location string
	body     string
	header   http.Header
}

func (a *agent) do(req *http.Request) page {
	a.w.t.Helper()
	res, err := a.client.Do(req)
	if err != nil {
		a.w.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return page{status: res.StatusCode, location: res.Header.Get("Location"), body: string(raw), header: res.Header}
}

func (a *agent) get(path string) page {
	req, _ := http.NewRequest("GET", a.w.base+path, nil)
	return a.do(req)
}

func (a *agent) post(path string, form url.Values) page {
	req, _ := http.NewRequest("POST", a.w.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return a.do(req)
}

// upload posts a multipart form with one file part, document.
func (a *agent) upload(path string, fields url.Values, filename string, content []byte) page {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	part, _ := mw.CreateFormFile("document", filename)
	part.Write(content)
	mw.Close()
	req, _ := http.NewRequest("POST", a.w.base+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return a.do(req)
}

// csrfField is the hidden CSRF field of a form.
var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// hidden is the first value of a hidden field of the page.
func (p page) hidden(t *testing.T, re *regexp.Regexp) string {
	t.Helper()
	m := re.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no %s in the page:\n%s", re, p.body)
	}
	return m[1]
}

// client makes an OAuth client of the products surface in org with every
// products scope, returning its id and secret.
func (w *world) client(org string) (string, string) {
	w.t.Helper()
	c, secret, err := w.db.OAuthClients.CreateOAuthClient(context.Background(), org, "console", crm.ProductScopes)
	if err != nil {
		w.t.Fatal(err)
	}
	return c.ID, secret
}

// signIn signs the agent in to org with key and returns the session's
// CSRF token, read from the home page.
func (a *agent) signIn(org, key string) string {
	a.w.t.Helper()
	return a.signInWith(url.Values{"org": {org}, "key": {key}})
}

// signInWith signs in with the sign-in form's fields.
func (a *agent) signInWith(fields url.Values) string {
	t := a.w.t
	t.Helper()
	form := a.get(Prefix + "/sign-in")
	fields.Set("csrf", form.hidden(t, csrfField))
	p := a.post(Prefix+"/sign-in", fields)
	if p.status != http.StatusSeeOther || p.location != Prefix+"/" {
		t.Fatalf("sign in: %d %q\n%s", p.status, p.location, p.body)
	}
	home := a.get(Prefix + "/")
	if home.status != http.StatusOK {
		t.Fatalf("home after sign-in: %d", home.status)
	}
	return home.hidden(t, csrfField)
}
