package console

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// TestConsoleIsolation: an agent of org A sees nothing of org B's
// customer through the console, by id in the URL (the 360 page, the
// timeline page, the merge confirmation), by search (customer-search) or
// among the possible duplicates, cannot write to it or merge with it, and
// cannot sign in to org B with A's key. The console adds
// no trust of its own: the API's org scoping refuses each of these.
func TestConsoleIsolation(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		w := newWorld(t, db, clock)
		keyA := w.key("org-a", crm.RoleAdmin)
		keyB := w.key("org-b", crm.RoleAdmin)
		mine := w.customer("org-a", keyA, "14861628V", "mine@example.com")
		theirs := w.customer("org-b", keyB, "12345678Z", "theirs@example.com")
		a := w.agent()
		token := a.signIn("org-a", keyA)

		// The test would pass vacuously if the console showed nothing: A's
		// own customer is found and shown.
		if p := a.get(Prefix + "/search?q=14861628V"); !strings.Contains(p.body, mine) {
			t.Fatalf("A's own customer not found by document:\n%s", p.body)
		}
		minePage := a.get(Prefix + "/customers/" + mine)
		if minePage.status != http.StatusOK || !strings.Contains(minePage.body, "mine@example.com") {
			t.Fatalf("A's own customer page: %d", minePage.status)
		}
		// Both customers have the example's phone: only A's is found, and
		// B's is not offered as a possible duplicate of A's.
		if p := a.get(Prefix + "/search?q=615667898"); !strings.Contains(p.body, mine) || strings.Contains(p.body, theirs) {
			t.Errorf("search by the shared phone: A's found %v, B's shown %v", strings.Contains(p.body, mine), strings.Contains(p.body, theirs))
		}
		if strings.Contains(minePage.body, theirs) {
			t.Error("A's customer page offers B's customer as a possible duplicate")
		}
		etag := minePage.hidden(t, regexp.MustCompile(`name="etag" value="([^"]+)"`))

		leaks := []string{theirs, "theirs@example.com", "12345678Z"}
		for _, tc := range []struct{ name, path string }{
			{"by id in the URL", Prefix + "/customers/" + theirs},
			{"timeline by id in the URL", Prefix + "/customers/" + theirs + "/timeline"},
			{"search by id", Prefix + "/search?q=" + theirs},
			{"search by document", Prefix + "/search?q=12345678Z"},
			{"search by email", Prefix + "/search?q=" + url.QueryEscape("theirs@example.com")},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := a.get(tc.path)
				if strings.HasSuffix(tc.name, "by id in the URL") && p.status != http.StatusNotFound {
					t.Errorf("status %d, want 404", p.status)
				}
				shown := strings.ReplaceAll(p.body, url.QueryEscape("theirs@example.com"), "")
				// the query itself is echoed in the search box and heading
				q, _ := url.Parse(tc.path)
				shown = strings.ReplaceAll(shown, q.Query().Get("q"), "")
				for _, leak := range leaks {
					if strings.Contains(shown, leak) {
						t.Errorf("the page shows %q of org B:\n%s", leak, p.body)
					}
				}
				if strings.Contains(p.body, `id="results"`) {
					t.Errorf("the page lists results")
				}
			})
		}

		t.Run("write to B's customer", func(t *testing.T) {
			p := a.post(Prefix+"/customers/"+theirs+"/contact", url.Values{"csrf": {token}, "email": {"hijack@example.com"}})
			if p.status != http.StatusSeeOther {
				t.Fatalf("contact form: %d", p.status)
			}
			if flash := a.get(Prefix + "/search"); !strings.Contains(flash.body, "not found") {
				t.Errorf("no refusal shown after writing to B's customer:\n%s", flash.body)
			}
			_, _, body := w.call(keyB, "GET", "/v4/orgs/org-b/customers/"+theirs, "", nil)
			if strings.Contains(string(body), "hijack@example.com") {
				t.Error("A's agent changed B's customer")
			}
		})

		t.Run("merge with B's customer", func(t *testing.T) {
			if p := a.get(Prefix + "/customers/" + mine + "/merge?other=" + theirs); p.status != http.StatusSeeOther {
				t.Errorf("confirmation page of a merge with B's customer: %d", p.status)
			}
			if p := a.get(Prefix + "/customers/" + mine); !strings.Contains(p.body, "not found") || strings.Contains(p.body, "12345678Z") || strings.Contains(p.body, "theirs@example.com") {
				t.Errorf("after asking to merge B's customer:\n%s", p.body)
			}
			for _, tc := range []struct{ survivor, other string }{{mine, theirs}, {theirs, mine}} {
				p := a.post(Prefix+"/customers/"+tc.survivor+"/merge", url.Values{"csrf": {token}, "etag": {etag}, "other": {tc.other}})
				if p.status != http.StatusSeeOther {
					t.Fatalf("merge form: %d", p.status)
				}
				if flash := a.get(Prefix + "/search"); !strings.Contains(flash.body, "Merge: not found") {
					t.Errorf("no refusal shown after merging across orgs:\n%s", flash.body)
				}
			}
			for _, c := range []struct{ org, key, id string }{{"org-a", keyA, mine}, {"org-b", keyB, theirs}} {
				_, _, body := w.call(c.key, "GET", "/v4/orgs/"+c.org+"/customers/"+c.id, "", nil)
				if strings.Contains(string(body), "merged_into") || !strings.Contains(string(body), `"ended_at":null`) {
					t.Errorf("%s's customer was merged or ended: %s", c.org, body)
				}
			}
		})

		t.Run("sign in to B with A's key", func(t *testing.T) {
			other := w.agent()
			form := other.get(Prefix + "/sign-in")
			p := other.post(Prefix+"/sign-in", url.Values{"csrf": {form.hidden(t, csrfField)}, "org": {"org-b"}, "key": {keyA}})
			if p.status != http.StatusForbidden || !strings.Contains(p.body, "not valid for org org-b") {
				t.Errorf("sign-in to org-b with org-a's key: %d\n%s", p.status, p.body)
			}
			if home := other.get(Prefix + "/"); home.status == http.StatusOK {
				t.Error("a session was opened anyway")
			}
		})
	})
}

// TestConsoleMasking: an agent holding only customers:read:masked sees the
// customer masked through the console, as through the API, and cannot
// write; the console unmasks nothing.
func TestConsoleMasking(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		w := newWorld(t, db, clock)
		admin := w.key("telco", crm.RoleAdmin)
		id := w.customer("telco", admin, "14861628V", "antonio@example.com")
		a := w.agent()
		token := a.signIn("telco", w.key("telco", crm.RoleCustomersReadMasked))
		if p := a.get(Prefix + "/search?q=14861628V"); !strings.Contains(p.body, id) {
			t.Fatalf("the masked agent cannot find the customer:\n%s", p.body)
		}
		p := a.get(Prefix + "/customers/" + id)
		for _, tc := range []struct {
			value string
			shown bool
		}{
			{"****1628V", true}, {"a****@example.com", true},
			{"14861628V", false}, {"antonio@example.com", false},
		} {
			if got := strings.Contains(p.body, tc.value); got != tc.shown {
				t.Errorf("%q shown = %v, want %v", tc.value, got, tc.shown)
			}
		}
		a.post(Prefix+"/customers/"+id+"/contact", url.Values{"csrf": {token}, "email": {"masked@example.com"}})
		if got := messageOn(t, a.get(Prefix+"/customers/"+id)); !strings.HasPrefix(got, "Contact information: ") || strings.Contains(got, "saved") {
			t.Errorf("a masked agent's write: %q", got)
		}
	})
}

// TestConsoleAccessReason: in an org that requires X-Access-Reason of its
// readers, the API refuses an agent who gave no reason at sign-in, and
// serves one who did: the console sends the reason on every call.
func TestConsoleAccessReason(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		w := newWorld(t, db, clock)
		admin := w.key("telco", crm.RoleAdmin)
		id := w.customer("telco", admin, "14861628V", "antonio@example.com")
		if err := w.accessLog.SetAccessReasonRequiredRoles(context.Background(), "telco", []crm.Role{crm.RoleCustomersRead}); err != nil {
			t.Fatal(err)
		}
		reader := w.key("telco", crm.RoleCustomersRead)
		for _, tc := range []struct {
			name, reason string
			want         int
		}{
			{"no reason", "", http.StatusBadRequest},
			{"a reason", "ticket 4711", http.StatusOK},
		} {
			t.Run(tc.name, func(t *testing.T) {
				a := w.agent()
				a.signInWith(url.Values{"org": {"telco"}, "key": {reader}, "reason": {tc.reason}})
				p := a.get(Prefix + "/customers/" + id)
				if p.status != tc.want {
					t.Errorf("customer page: %d, want %d\n%s", p.status, tc.want, p.body)
				}
				if tc.want != http.StatusOK && !strings.Contains(p.body, crm.AccessReasonHeader) {
					t.Errorf("the refusal does not name %s:\n%s", crm.AccessReasonHeader, p.body)
				}
			})
		}
	})
}
