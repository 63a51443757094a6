package httpapi_test

import (
	"context"
	"net/http"
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

// accessLog is the access log of a test server, closed with the test.
func accessLog(t *testing.T, db *sqlstore.DB) *sqlstore.AccessLog {
	l := sqlstore.NewAccessLog(db, sqlstore.AccessLogOptions{})
	t.Cleanup(l.Close)
	return l
}

// logPage is the AccessLogPage body.
type logPage struct {
	Entries []struct {
		CustomerID     string  `json:"customer_id"`
		CredentialID   string  `json:"credential_id"`
		CredentialName *string `json:"credential_name"`
		RequestorID    *string `json:"requestor_id"`
		RequestID      string  `json:"request_id"`
		Operation      string  `json:"operation"`
		Reason         *string `json:"reason"`
	} `json:"entries"`
	NextCursor string `json:"next_cursor"`
}

// logged is one entry as the tests compare it.
type logged struct{ Customer, Credential, Name, Requestor, Request, Operation, Reason string }

func (p logPage) logged() []logged {
	var out []logged
	deref := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	for _, e := range p.Entries {
		out = append(out, logged{e.CustomerID, e.CredentialID, deref(e.CredentialName), deref(e.RequestorID), e.RequestID, e.Operation, deref(e.Reason)})
	}
	return out
}

// TestAccessLogCompleteness reads a customer every way there is, then
// finds each read in the log exactly once, with its reason and requestor,
// by customer (paged) and by credential.
func TestAccessLogCompleteness(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		s := newSuite(t, db, clock)
		w := seed(s, "telco", "telco", 10000, 0, "ES7921000813610123456789")
		reader, readerID := s.apiKey("telco", crm.RoleCustomersRead, crm.RoleAccountsRead, crm.RoleDocumentsRead, crm.RolePrivacyOfficer,
			crm.RoleEventsRead)
		officer, _ := s.apiKey("telco", crm.RolePrivacyOfficer)
		cid := w.ids["customer_id"]
		const requestor = "0198a0f1-4567-7d43-ab00-00000000a11c"
		v4 := "/v4/orgs/telco"
		reads := []struct{ target, op string }{
			{v4 + "/customers/" + cid, "GET /v4/orgs/{org_id}/customers/{customer_id}"},
			{v4 + "/customers/" + cid, "GET /v4/orgs/{org_id}/customers/{customer_id}"},
			{v4 + "/customers?identity_document=" + w.ids["nif"] + "&identity_document_type=NIF", "GET /v4/orgs/{org_id}/customers"},
			{v4 + "/external-customers/" + w.ids["customer_external_id"], "GET /v4/orgs/{org_id}/external-customers/{customer_external_id}"},
			{v4 + "/customer-search?q=" + w.ids["nif"], "GET /v4/orgs/{org_id}/customer-search"},
			{v4 + "/customers/" + cid + "/export", "GET /v4/orgs/{org_id}/customers/{customer_id}/export"},
			{v4 + "/customers/" + cid + "/credit-cards", "GET /v4/orgs/{org_id}/customers/{customer_id}/credit-cards"},
			{v4 + "/customers/" + cid + "/categories", "GET /v4/orgs/{org_id}/customers/{customer_id}/categories"},
			{v4 + "/customers/" + cid + "/categories/historical", "GET /v4/orgs/{org_id}/customers/{customer_id}/categories/historical"},
			{v4 + "/customers/" + cid + "/special-treatment", "GET /v4/orgs/{org_id}/customers/{customer_id}/special-treatment"},
			{v4 + "/customers/" + cid + "/events", "GET /v4/orgs/{org_id}/customers/{customer_id}/events"},
			{v4 + "/accounts/" + w.ids["account_id"] + "/billing-address/history", "GET /v4/orgs/{org_id}/accounts/{account_id}/billing-address/history"},
			{v4 + "/accounts/" + w.ids["account_id"] + "/invoice-recipient", "GET /v4/orgs/{org_id}/accounts/{account_id}/invoice-recipient"},
			{v4 + "/customers/" + cid + "/identification-processes/" + w.ids["identification_process_id"],
				"GET /v4/orgs/{org_id}/customers/{customer_id}/identification-processes/{identification_process_id}"},
		}
		var want []logged
		var process struct {
			Document struct {
				PublicURL string `json:"public_url"`
			} `json:"document"`
		}
		for i, rd := range reads {
			reason := "ticket " + strings.Repeat("9", i+1)
			req := "req-" + strings.Repeat("a", i+1)
			s.must(http.StatusOK, "v4", "GET", rd.target, nil, &process, append(bearer(reader),
				"X-Access-Reason", reason, "Requestor-ID", requestor, "X-Request-Id", req)...)
			want = append(want, logged{cid, "key:" + readerID, "suite", requestor, req, rd.op, reason})
		}
		// The document link, downloaded: no credential, a reason.
		link, err := url.Parse(process.Document.PublicURL)
		if err != nil {
			t.Fatal(err)
		}
		s.must(http.StatusOK, "v4", "GET", link.RequestURI(), nil, nil, "X-Access-Reason", "scan", "X-Request-Id", "req-link")
		want = append(want, logged{cid, "link", "", "", "req-link", "GET /v4/orgs/{org_id}/documents/{document_id}", "scan"})
		// A product, on the other surface.
		token, clientID, _ := s.oauthClient("telco", crm.RoleProductsRead)
		s.must(http.StatusOK, "products", "GET", "/products/"+w.ids["customerProductId"], nil, nil, append(bearer(token),
			"X-Access-Reason", "iban check", "Requestor-ID", requestor, "X-Request-Id", "req-product")...)
		want = append(want, logged{cid, "client:" + clientID, "suite", requestor, "req-product", "GET /products/{customerProductId}", "iban check"})

		// By customer, two entries a page: the seed's reads are there too.
		var got []logged
		after := "0"
		for range 20 {
			var p logPage
			s.must(http.StatusOK, "v4", "GET", v4+"/customers/"+cid+"/access-log?limit=2&after="+after, nil, &p, bearer(officer)...)
			for _, e := range p.logged() {
				if e.Credential == "key:"+readerID || e.Credential == "link" || e.Credential == "client:"+clientID {
					got = append(got, e)
				}
			}
			if len(p.Entries) == 0 {
				break
			}
			after = p.NextCursor
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("customer's log (-want +got):\n%s", diff)
		}
		var p logPage
		s.must(http.StatusOK, "v4", "GET", v4+"/access-log?credential_id=key:"+readerID, nil, &p, bearer(officer)...)
		if diff := cmp.Diff(want[:len(reads)], p.logged()); diff != "" {
			t.Errorf("credential's log (-want +got):\n%s", diff)
		}
		// Reading the log is not a read of the customer's data.
		s.must(http.StatusOK, "v4", "GET", v4+"/access-log?credential_id=key:"+readerID, nil, &p, bearer(officer)...)
		if len(p.Entries) != len(reads) {
			t.Errorf("credential's log grew to %d entries, want %d", len(p.Entries), len(want))
		}
	})
}

// TestAccessLogRoles: only privacy:officer and admin read the log, and
// only of their own org.
func TestAccessLogRoles(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		s := newSuite(t, db, clock)
		admin, _ := s.apiKey("telco", crm.RoleAdmin)
		made := s.must(http.StatusCreated, "v4", "POST", "/v4/orgs/telco/customers", example(t, "NewPrivateCustomer"), nil, bearer(admin)...)
		var c struct{ ID string }
		made.json(t, &c)
		s.must(http.StatusOK, "v4", "GET", "/v4/orgs/telco/customers/"+c.ID, nil, nil, bearer(admin)...)
		paths := []string{"/v4/orgs/telco/customers/" + c.ID + "/access-log", "/v4/orgs/telco/access-log?credential_id=gateway"}
		for _, tc := range []struct {
			name  string
			org   string
			roles []crm.Role
			want  int
		}{
			{"officer", "telco", []crm.Role{crm.RolePrivacyOfficer}, http.StatusOK},
			{"admin", "telco", []crm.Role{crm.RoleAdmin}, http.StatusOK},
			{"API_KEY", "telco", []crm.Role{crm.RoleAPIKey}, http.StatusOK},
			{"reader", "telco", []crm.Role{crm.RoleCustomersRead, crm.RoleDocumentsRead}, http.StatusForbidden},
			{"writer", "telco", []crm.Role{crm.RoleCustomersWrite, crm.RoleAccountsRead}, http.StatusForbidden},
			{"other org's officer", "other", []crm.Role{crm.RolePrivacyOfficer}, http.StatusForbidden},
		} {
			key, _ := s.apiKey(tc.org, tc.roles...)
			for _, p := range paths {
				s.must(tc.want, "v4", "GET", p, nil, nil, bearer(key)...)
			}
		}
		// Org isolation: the other org's officer sees none of telco's
		// entries through its own org either.
		other, _ := s.apiKey("other", crm.RolePrivacyOfficer)
		var p logPage
		s.must(http.StatusOK, "v4", "GET", "/v4/orgs/other/customers/"+c.ID+"/access-log", nil, &p, bearer(other)...)
		if len(p.Entries) != 0 {
			t.Errorf("org other sees %d entries of telco's customer", len(p.Entries))
		}
		s.must(http.StatusOK, "v4", "GET", "/v4/orgs/telco/customers/"+c.ID+"/access-log", nil, &p, bearer(admin)...)
		if len(p.Entries) != 1 {
			t.Errorf("telco's log holds %d entries, want 1", len(p.Entries))
		}
		// A cursor of one log does not open another.
		s.must(http.StatusBadRequest, "v4", "GET", "/v4/orgs/telco/access-log?credential_id=gateway&after="+p.NextCursor, nil, nil, bearer(admin)...)
	})
}

// TestAccessReasonRequired: an org requiring a reason of a role refuses its
// reads without one, naming the header, and records those with one.
func TestAccessReasonRequired(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		s := newSuite(t, db, clock)
		admin, _ := s.apiKey("telco", crm.RoleAdmin)
		made := s.must(http.StatusCreated, "v4", "POST", "/v4/orgs/telco/customers", example(t, "NewPrivateCustomer"), nil, bearer(admin)...)
		var c struct{ ID string }
		made.json(t, &c)
		settings := sqlstore.NewAccessLog(db, sqlstore.AccessLogOptions{})
		defer settings.Close()
		if err := settings.SetAccessReasonRequiredRoles(context.Background(), "telco", []crm.Role{crm.RoleCustomersRead}); err != nil {
			t.Fatal(err)
		}
		if err := settings.SetAccessReasonRequiredRoles(context.Background(), "telco", []crm.Role{"nobody"}); crm.ErrorCodeOf(err) != crm.EINVALID {
			t.Errorf("unknown role: %v, want invalid", err)
		}
		clock.Advance(time.Minute) // past any cached setting
		reader, _ := s.apiKey("telco", crm.RoleCustomersRead)
		target := "/v4/orgs/telco/customers/" + c.ID
		r := s.must(http.StatusBadRequest, "v4", "GET", target, nil, nil, bearer(reader)...)
		if d := r.details(t); !strings.Contains(d, "X-Access-Reason") {
			t.Errorf("400 details %q do not name X-Access-Reason", d)
		}
		s.must(http.StatusOK, "v4", "GET", target, nil, nil, append(bearer(reader), "X-Access-Reason", "complaint 12")...)
		// Admin holds customers:read only through admin: not required.
		s.must(http.StatusOK, "v4", "GET", target, nil, nil, bearer(admin)...)
		s.must(http.StatusBadRequest, "v4", "GET", target, nil, nil, append(bearer(reader), "X-Access-Reason", strings.Repeat("x", 201))...)
		var p logPage
		s.must(http.StatusOK, "v4", "GET", target+"/access-log", nil, &p, bearer(admin)...)
		var reasons []string
		for _, e := range p.logged() {
			reasons = append(reasons, e.Reason)
		}
		if diff := cmp.Diff([]string{"complaint 12", ""}, reasons); diff != "" {
			t.Errorf("reasons logged (-want +got):\n%s", diff)
		}
	})
}
