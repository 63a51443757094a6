// Package console is the back-office console for agents at /console: find
// a customer, see everything about them, fix what needs fixing. It holds
// no business logic and no trust of its own: every read and write is a
// request to the v4 handler it is given, served in-process with the
// agent's API key, so that the API's role checks, org scoping, masking,
// validation, If-Match and access log apply by construction (api.go).
package console

import (
	"context"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/telcoops/crm"
)

// Prefix is where the console is mounted.
const Prefix = "/console"

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static/console.css
var staticFiles embed.FS

// cookieName holds the session id; signInCookie the token of the sign-in
// form, before there is a session.
const (
	cookieName   = "crm_console"
	signInCookie = "crm_console_signin"
)

// policy lets a console page load its own style sheet and nothing else:
// no script at all, forms posting to the console only.
const policy = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; " +
	"base-uri 'none'; frame-ancestors 'none'"

// Config is what the console serves from.
type Config struct {
	// API is the service's root handler (v4 and products, as cmd/crmd
	// serves them), called in-process.
	API    http.Handler
	Logger *slog.Logger
	Clock  crm.Clock
	// MaxSessions bounds the session store; 0 is MaxSessions.
	MaxSessions int
}

// Console serves the pages under Prefix.
type Console struct {
	api      http.Handler
	log      *slog.Logger
	sessions *sessions
	pages    map[string]*template.Template
	mux      *http.ServeMux
}

// New builds the console and parses its templates.
func New(cfg Config) *Console {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		cfg.Clock = crm.SystemClock
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = MaxSessions
	}
	c := &Console{api: cfg.API, log: cfg.Logger, sessions: newSessions(cfg.Clock, cfg.MaxSessions),
		pages: map[string]*template.Template{}, mux: http.NewServeMux()}
	for _, p := range []string{"signin", "search", "customer", "merge", "timeline"} {
		c.pages[p] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFiles,
			"templates/layout.html", "templates/parts.html", "templates/"+p+".html"))
	}
	css, _ := fs.ReadFile(staticFiles, "static/console.css")
	c.mux.HandleFunc("GET "+Prefix+"/static/console.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		w.Header().Set("Cache-Control", "max-age=3600")
		w.Write(css)
	})
	c.mux.HandleFunc("GET "+Prefix+"/sign-in", c.signInPage)
	c.mux.HandleFunc("POST "+Prefix+"/sign-in", c.signIn)
	c.mux.HandleFunc("POST "+Prefix+"/sign-out", c.post(c.signOut))
	c.mux.HandleFunc("GET "+Prefix+"/{$}", c.get(c.searchPage))
	c.mux.HandleFunc("GET "+Prefix+"/search", c.get(c.searchPage))
	c.mux.HandleFunc("GET "+Prefix+"/customers/{id}", c.get(c.customerPage))
	c.mux.HandleFunc("GET "+Prefix+"/customers/{id}/timeline", c.get(c.timelinePage))
	c.mux.HandleFunc("GET "+Prefix+"/customers/{id}/merge", c.get(c.mergeConfirmPage))
	c.mux.HandleFunc("POST "+Prefix+"/customers/{id}/merge", c.post(c.merge))
	c.mux.HandleFunc("POST "+Prefix+"/customers/{id}/contact", c.post(c.updateContact))
	c.mux.HandleFunc("POST "+Prefix+"/customers/{id}/deactivate", c.post(c.deactivate))
	c.mux.HandleFunc("POST "+Prefix+"/customers/{id}/categories", c.post(c.setCategory))
	c.mux.HandleFunc("POST "+Prefix+"/customers/{id}/documents", c.post(c.uploadDocument))
	c.mux.HandleFunc("POST "+Prefix+"/customers/{id}/accounts/{account}/billing-address", c.post(c.billingAddress))
	c.mux.HandleFunc("POST "+Prefix+"/customers/{id}/accounts/{account}/payment-method", c.post(c.paymentMethod))
	c.mux.HandleFunc("POST "+Prefix+"/customers/{id}/products", c.post(c.openProduct))
	c.mux.HandleFunc("POST "+Prefix+"/customers/{id}/products/{product}/close", c.post(c.closeProduct))
	return c
}

// ServeHTTP serves the console with its security headers on every answer.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", policy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	if !strings.HasPrefix(r.URL.Path, Prefix+"/static/") {
		h.Set("Cache-Control", "no-store")
	}
	if r.URL.Path == Prefix {
		http.Redirect(w, r, Prefix+"/", http.StatusSeeOther)
		return
	}
	c.mux.ServeHTTP(w, r)
}

// agentHandler is a page or form handler of a signed-in agent.
type agentHandler func(w http.ResponseWriter, r *http.Request, s *session, a api)

// session returns the request's live session.
func (c *Console) session(r *http.Request) (*session, bool) {
	ck, err := r.Cookie(cookieName)
	if err != nil {
		return nil, false
	}
	return c.sessions.get(ck.Value)
}

// apiFor is the API as the session's agent, from the request's address.
func (c *Console) apiFor(r *http.Request, s *session) api {
	a := api{h: c.api, key: s.key, org: s.org, reason: s.reason, remote: r.RemoteAddr, requestor: s.requestor}
	if s.clientID != "" { // set once at sign-in
		a.products = func(ctx context.Context) (string, apiResult) {
			return c.sessions.productsToken(s, func(id, secret string) (string, time.Duration, apiResult) {
				return c.newToken(ctx, r.RemoteAddr, id, secret)
			})
		}
	}
	return a
}

// newToken gets a products access token for the client, to be renewed a
// minute before it expires.
func (c *Console) newToken(ctx context.Context, remote, id, secret string) (string, time.Duration, apiResult) {
	res := productsToken(ctx, c.api, remote, id, secret)
	var t struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if !res.ok() || res.decode(&t) != nil || t.AccessToken == "" {
		if res.ok() {
			res.Status = http.StatusBadGateway
		}
		return "", 0, res
	}
	return t.AccessToken, time.Duration(t.ExpiresIn)*time.Second - time.Minute, res
}

// get serves a page to a signed-in agent; others go to the sign-in page.
func (c *Console) get(h agentHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, ok := c.session(r)
		if !ok {
			http.Redirect(w, r, Prefix+"/sign-in", http.StatusSeeOther)
			return
		}
		h(w, r, s, c.apiFor(r, s))
	}
}

// maxForm bounds a form body; an identification document is at most 10 MiB.
const maxForm = 11 << 20

// post serves a form of a signed-in agent after checking its CSRF token:
// 403 without a session or without the session's token.
func (c *Console) post(h agentHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		s, ok := c.session(r)
		if !ok {
			http.Error(w, "not signed in, or the session expired: sign in again", http.StatusForbidden)
			return
		}
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			if err := r.ParseMultipartForm(1 << 20); err != nil {
				http.Error(w, "the form could not be read: "+err.Error(), http.StatusBadRequest)
				return
			}
			defer r.MultipartForm.RemoveAll()
		}
		if !sameToken(r.PostFormValue("csrf"), s.csrf) {
			http.Error(w, "the form's CSRF token is missing or wrong: reload the page", http.StatusForbidden)
			return
		}
		h(w, r, s, c.apiFor(r, s))
	}
}

// setCookie sets a console cookie: HttpOnly, SameSite=Strict, Secure when
// the request came over TLS, Path=/console; maxAge < 0 deletes it.
func setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: Prefix, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil, MaxAge: maxAge})
}

// render writes the page with data; the layout reads the session's
// org and CSRF token.
func (c *Console) render(w http.ResponseWriter, status int, page string, data map[string]any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	var b strings.Builder
	if err := c.pages[page].Execute(&b, data); err != nil {
		c.log.Error("console: rendering", "page", page, "error", err.Error())
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(status)
	w.Write([]byte(b.String()))
}

// pageData is what every page of a signed-in agent shows: the org, the
// search box, the sign-out form's token and the session's one message.
func (c *Console) pageData(s *session, title string) map[string]any {
	return map[string]any{"Title": title, "Org": s.org, "CSRF": s.csrf, "Flash": c.sessions.takeFlash(s), "SignedIn": true, "Query": ""}
}
