package console

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// cookieFlags is what the test checks of a Set-Cookie.
type cookieFlags struct {
	Name     string
	Path     string
	HttpOnly bool
	Secure   bool
	SameSite http.SameSite
}

// TestSessionCookie signs in over plain HTTP and over TLS and checks the
// session cookie: HttpOnly, SameSite=Strict, Path=/console, Secure only
// over TLS, holding a random id and never the key.
func TestSessionCookie(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		w := newWorld(t, db, clock)
		key := w.key("telco", crm.RoleCustomersRead)
		for _, tc := range []struct {
			name string
			tls  bool
		}{{"http", false}, {"tls", true}} {
			t.Run(tc.name, func(t *testing.T) {
				serve := func(method, target string, body string, cookies []*http.Cookie) *http.Response {
					req := httptest.NewRequest(method, target, strings.NewReader(body))
					if body != "" {
						req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					}
					if tc.tls {
						req.TLS = &tls.ConnectionState{}
					}
					for _, c := range cookies {
						req.AddCookie(c)
					}
					rec := httptest.NewRecorder()
					w.console.ServeHTTP(rec, req)
					return rec.Result()
				}
				form := serve("GET", Prefix+"/sign-in", "", nil)
				raw := new(strings.Builder)
				form.Write(raw)
				token := page{body: raw.String()}.hidden(t, csrfField)
				res := serve("POST", Prefix+"/sign-in", url.Values{"csrf": {token}, "org": {"telco"}, "key": {key}}.Encode(), form.Cookies())
				if res.StatusCode != http.StatusSeeOther {
					t.Fatalf("sign in: %d", res.StatusCode)
				}
				var got []cookieFlags
				for _, c := range res.Cookies() {
					if c.Name != cookieName {
						continue
					}
					got = append(got, cookieFlags{c.Name, c.Path, c.HttpOnly, c.Secure, c.SameSite})
					if strings.Contains(c.Value, key) || len(c.Value) < 40 {
						t.Errorf("the session cookie holds %q: want a random id, not the key", c.Value)
					}
				}
				want := []cookieFlags{{cookieName, "/console", true, tc.tls, http.SameSiteStrictMode}}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("session cookie (-want +got):\n%s", diff)
				}
			})
		}
	})
}

// TestSessionExpiry moves the injected clock between requests: a session
// ends after 30 minutes idle, or 8 hours after sign-in however active.
func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	repeat := func(d time.Duration, n int) []time.Duration {
		out := make([]time.Duration, n)
		for i := range out {
			out[i] = d
		}
		return out
	}
	tests := []struct {
		name  string
		steps []time.Duration // the clock's advance before each request
		want  bool            // still signed in at the last request
	}{
		{"idle 29 minutes", repeat(29*time.Minute, 1), true},
		{"idle 30 minutes", repeat(30*time.Minute, 1), false},
		{"active for 7h44m", repeat(29*time.Minute, 16), true},
		{"active past 8 hours", repeat(29*time.Minute, 17), false},
	}
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		w := newWorld(t, db, clock)
		key := w.key("telco", crm.RoleCustomersRead)
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				a := w.agent()
				a.signIn("telco", key)
				var p page
				for _, d := range tc.steps {
					clock.Advance(d)
					p = a.get(Prefix + "/")
				}
				got := p.status == http.StatusOK
				if got != tc.want {
					t.Errorf("signed in = %v (status %d, location %q), want %v", got, p.status, p.location, tc.want)
				}
				if !got && p.location != Prefix+"/sign-in" {
					t.Errorf("an expired session is sent to %q, want the sign-in page", p.location)
				}
			})
		}
	})
}

// TestCSRF posts the contact form without the session's token, with a
// wrong one and with another session's: 403 and nothing written. With the
// right token the same form writes.
func TestCSRF(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		w := newWorld(t, db, clock)
		key := w.key("telco", crm.RoleCustomersRead, crm.RoleCustomersWrite)
		id := w.customer("telco", key, "12345678Z", "before@example.com")
		a, other := w.agent(), w.agent()
		token := a.signIn("telco", key)
		otherToken := other.signIn("telco", key)
		path := Prefix + "/customers/" + id + "/contact"
		for _, tc := range []struct {
			name, csrf string
			want       int
		}{
			{"no token", "", http.StatusForbidden},
			{"wrong token", otherFirst(token), http.StatusForbidden},
			{"another session's token", otherToken, http.StatusForbidden},
			{"the session's token", token, http.StatusSeeOther},
		} {
			t.Run(tc.name, func(t *testing.T) {
				form := url.Values{"email": {"after-" + strings.ReplaceAll(tc.name, " ", "-") + "@example.com"}}
				if tc.csrf != "" {
					form.Set("csrf", tc.csrf)
				}
				p := a.post(path, form)
				if p.status != tc.want {
					t.Fatalf("POST without the right token: %d, want %d\n%s", p.status, tc.want, p.body)
				}
				_, _, body := w.call(key, "GET", "/v4/orgs/telco/customers/"+id, "", nil)
				written := strings.Contains(string(body), form.Get("email"))
				if written != (tc.want == http.StatusSeeOther) {
					t.Errorf("email written = %v after a %d", written, p.status)
				}
			})
		}
		// Sign-in's own token: a sign-in posted without it is refused.
		p := w.agent().post(Prefix+"/sign-in", url.Values{"org": {"telco"}, "key": {key}})
		if p.status != http.StatusForbidden {
			t.Errorf("sign-in without its token: %d, want 403", p.status)
		}
	})
}

// TestSignOut ends the session: its cookie is cleared, the old session id
// no longer opens a page, and the store forgets the key.
func TestSignOut(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		w := newWorld(t, db, clock)
		key := w.key("telco", crm.RoleCustomersRead)
		a := w.agent()
		token := a.signIn("telco", key)
		u, _ := url.Parse(w.base + Prefix + "/")
		old := a.client.Jar.Cookies(u)
		if p := a.post(Prefix+"/sign-out", nil); p.status != http.StatusForbidden {
			t.Errorf("sign-out without the token: %d, want 403", p.status)
		}
		p := a.post(Prefix+"/sign-out", url.Values{"csrf": {token}})
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, Prefix+"/sign-in") {
			t.Fatalf("sign out: %d %q", p.status, p.location)
		}
		if got := a.get(Prefix + "/"); got.location != Prefix+"/sign-in" {
			t.Errorf("after sign-out the home page answers %d %q, want the sign-in page", got.status, got.location)
		}
		replay := w.agent()
		replay.client.Jar.SetCookies(u, old)
		if got := replay.get(Prefix + "/"); got.status != http.StatusSeeOther {
			t.Errorf("the signed-out session id still opens the home page: %d", got.status)
		}
		if n := w.console.sessions.len(); n != 0 {
			t.Errorf("%d sessions held after sign-out, want 0", n)
		}
	})
}

// TestSessionStoreBounded fills a store of two: the least recently used
// session makes room for a new one.
func TestSessionStoreBounded(t *testing.T) {
	t.Parallel()
	clock := crmtest.NewClock(sqltest.Start)
	s := newSessions(clock.Now, 2)
	first := s.create("k1", "a", "", nil)
	clock.Advance(time.Minute)
	second := s.create("k2", "a", "", nil)
	clock.Advance(time.Minute)
	s.get(first.id) // first is now the most recently used
	clock.Advance(time.Minute)
	s.create("k3", "a", "", nil)
	var live []string
	for _, x := range []*session{first, second} {
		if _, ok := s.get(x.id); ok {
			live = append(live, x.key)
		}
	}
	if diff := cmp.Diff([]string{"k1"}, live); diff != "" {
		t.Errorf("live sessions (-want +got):\n%s", diff)
	}
	if n := s.len(); n != 2 {
		t.Errorf("%d sessions, want 2", n)
	}
}

// otherFirst is token with its first character changed: "x" in its place
// was the token itself whenever the token began with x.
func otherFirst(token string) string {
	if token[0] == 'x' {
		return "y" + token[1:]
	}
	return "x" + token[1:]
}
