package console

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// flashText is the message a page shows after a form.
var flashText = regexp.MustCompile(`id="flash">([^<]*)<`)

// TestForms posts each form of the customer page as an agent would and
// checks the message the next page shows: success, a 412 as a stale page,
// and the API's own words, naming the field, for a 400 or a 409.
func TestForms(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		w := newWorld(t, db, clock)
		key := w.key("telco", crm.RoleAdmin)
		id := seedCustomer(w, key)
		a := w.agent()
		token := a.signIn("telco", key)
		customerPage := func() page { return a.get(Prefix + "/customers/" + id) }
		etagOf := func(p page, form string) string {
			m := regexp.MustCompile(`action="` + regexp.QuoteMeta(form) + `"[^>]*>\s*(?:<h[34]>[^<]*</h[34]>\s*)?<input type="hidden" name="csrf" value="[^"]*">\s*<input type="hidden" name="etag" value="([^"]*)">`).FindStringSubmatch(p.body)
			if m == nil {
				t.Fatalf("no form %s with an etag in the page", form)
			}
			return htmlUnescape(m[1])
		}
		accountID := regexp.MustCompile(`/accounts/([0-9a-f-]{36})/payment-method`).FindStringSubmatch(customerPage().body)[1]
		accountForm := func(what string) string { return Prefix + "/customers/" + id + "/accounts/" + accountID + "/" + what }
		contactForm := Prefix + "/customers/" + id + "/contact"

		tests := []struct {
			name   string
			path   string
			fields url.Values
			stale  bool // send the ETag of before the previous test's write
			want   string
		}{
			{"contact saved", contactForm, url.Values{"email": {"new@example.com"}}, false, "Contact information saved."},
			{"contact stale", contactForm, url.Values{"email": {"stale@example.com"}}, true,
				"Contact information: " + staleMessage},
			{"contact invalid email", contactForm, url.Values{"email": {"not-an-email"}}, false,
				"Contact information: contact_info.emails[0].email: "},
			{"contact empty", contactForm, url.Values{}, false, "Contact information: give a new email or phone number"},
			{"invalid IBAN", accountForm("payment-method"), url.Values{"type": {"DIRECT_DEBIT"}, "iban": {"ES0000000000000000000000"}}, false,
				"Payment method: details.iban: "},
			{"IBAN saved", accountForm("payment-method"), url.Values{"type": {"BANK_TRANSFER"}, "iban": {"ES79 2100 0813 6101 2345 6789"}}, false,
				"Payment method saved."},
			{"billing address saved", accountForm("billing-address"), url.Values{"address_line": {"Calle Alcalá 1"}, "postal_code": {"28014"},
				"locality": {"Madrid"}, "administrative_area": {"Madrid"}, "region_code": {"ES"}}, false, "Billing address saved."},
			{"billing address stale", accountForm("billing-address"), url.Values{"address_line": {"Calle Alcalá 2"}, "postal_code": {"28014"},
				"locality": {"Madrid"}, "administrative_area": {"Madrid"}, "region_code": {"ES"}}, true, "Billing address: " + staleMessage},
			{"deactivate with an open account", Prefix + "/customers/" + id + "/deactivate", url.Values{}, false, "Deactivate: the customer has 1 open account(s)"},
		}
		if status, _, body := w.call(key, "POST", "/v4/orgs/telco/categories", "", map[string]any{"categories": []any{map[string]any{"name": "influencer"}}}); status != 201 {
			t.Fatalf("create category: %d %s", status, body)
		}
		for _, tc := range []struct {
			name, category, value, want string
		}{
			{"category value changed", "risk", "high", "Category value changed."},
			{"category value not allowed", "risk", "medium", "Category: value: "},
			{"category value added", "influencer", "yes", "Category value added."},
		} {
			t.Run(tc.name, func(t *testing.T) {
				cat := regexp.MustCompile(`<option value="(\d+)">` + tc.category).FindStringSubmatch(customerPage().body)[1]
				p := customerPage()
				a.post(Prefix+"/customers/"+id+"/categories", url.Values{"csrf": {token}, "category": {cat}, "value": {tc.value},
					"etag": {etagOf(p, Prefix+"/customers/"+id+"/categories")}})
				if got := messageOn(t, customerPage()); !strings.HasPrefix(got, tc.want) {
					t.Errorf("message:\n%s", cmp.Diff(tc.want, got))
				}
			})
		}
		for _, tc := range []struct {
			name, file string
			content    []byte
			want       string
		}{
			{"document uploaded", "dni.pdf", []byte("%PDF-1.7\n%EOF\n"), "Identification document uploaded."},
			{"document not a PDF, JPEG or PNG", "dni.pdf", []byte("<html>%PDF-1.7</html>"), "Identification document: document: "},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res := a.upload(Prefix+"/customers/"+id+"/documents", url.Values{"csrf": {token}, "type": {"NIF"}}, tc.file, tc.content)
				if res.status != 303 {
					t.Fatalf("upload: %d %s", res.status, res.body)
				}
				if got := messageOn(t, customerPage()); !strings.HasPrefix(got, tc.want) {
					t.Errorf("message:\n%s", cmp.Diff(tc.want, got))
				}
			})
		}
		if got := customerPage().body; !strings.Contains(got, "<td>NIF</td>") {
			t.Error("the uploaded document's process is not on the customer page")
		}

		before := customerPage()
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				current := customerPage()
				p := current
				if tc.stale {
					p = before
				}
				form := url.Values{"csrf": {token}}
				for k, v := range tc.fields {
					form[k] = v
				}
				form.Set("etag", etagOf(p, tc.path))
				before = current
				if res := a.post(tc.path, form); res.status != 303 {
					t.Fatalf("POST %s: %d", tc.path, res.status)
				}
				got := messageOn(t, customerPage())
				if !strings.HasPrefix(got, tc.want) {
					t.Errorf("message:\n%s", cmp.Diff(tc.want, got))
				}
			})
		}
	})
}

// messageOn is the message the page shows after a form.
func messageOn(t *testing.T, p page) string {
	t.Helper()
	m := flashText.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no message on the page:\n%s", p.body)
	}
	return htmlUnescape(m[1])
}

// htmlUnescape undoes html/template's escaping of a message.
func htmlUnescape(s string) string {
	return strings.NewReplacer("&#39;", "'", "&#34;", `"`, "&amp;", "&", "&lt;", "<", "&gt;", ">").Replace(s)
}
