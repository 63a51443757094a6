package httpapi_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// searchPage is the CustomerSearchPage schema as the tests read it.
type searchPage struct {
	Results []struct {
		ID          string   `json:"id"`
		DisplayName string   `json:"display_name"`
		Status      string   `json:"status"`
		Email       *string  `json:"email"`
		Matched     []string `json:"matched"`
	} `json:"results"`
	NextCursor *string `json:"next_cursor"`
}

// searchFor reads every page of a search and returns what each customer
// found matched.
func searchFor(t *testing.T, s *suite, org, q string, limit string, cred []string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	after := ""
	for range 50 {
		target := "/v4/orgs/" + org + "/customer-search?q=" + url.QueryEscape(q) + "&limit=" + limit
		if after != "" {
			target += "&after=" + url.QueryEscape(after)
		}
		var page searchPage
		s.must(http.StatusOK, "v4", "GET", target, nil, &page, cred...)
		for _, r := range page.Results {
			if _, dup := out[r.ID]; dup {
				t.Fatalf("%q: %s twice", q, r.ID)
			}
			out[r.ID] = r.Matched
		}
		if page.NextCursor == nil {
			return out
		}
		after = *page.NextCursor
	}
	t.Fatalf("%q: no end", q)
	return nil
}

// TestCustomerSearch: the search box over HTTP finds the world's customers
// by every kind of value, masks for the masked role, refuses bad queries
// naming q, and seals its cursors (TestAccessLogCompleteness logs it).
func TestCustomerSearch(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		s := newSuite(t, db, clock)
		w := seed(s, "telco", "telco", 10000, 0, "ES7921000813610123456789")
		seed(s, "other", "other", 20000, 3, "ES9121000418450200051332")
		admin := bearer(w.admin)
		id := w.ids["customer_id"]
		productIBAN := productIBANOf(t, db, w.ids["customerProductId"])
		var private struct {
			PersonalInfo struct {
				Name         string `json:"name"`
				FirstSurname string `json:"first_surname"`
			} `json:"personal_info"`
		}
		s.must(http.StatusOK, "v4", "GET", "/v4/orgs/telco/customers/"+id, nil, &private, admin...)
		name := strings.ToUpper(private.PersonalInfo.Name + "  " + private.PersonalInfo.FirstSurname)
		for q, want := range map[string][]string{
			strings.ToLower(w.ids["nif"][:4] + "-" + w.ids["nif"][4:]): {crm.MatchIdentityDocument},
			w.ids["customer_external_id"]:                              {crm.MatchExternalID},
			w.ids["account_external_id"]:                               {crm.MatchAccountExternalID},
			strings.ToUpper(w.ids["account_id"]):                       {crm.MatchAccountID},
			"es79 2100 0813 6101 2345 6789":                            {crm.MatchIBAN},
			name:                                                       {crm.MatchName},
		} {
			if got := searchFor(t, s, "telco", q, "20", admin); !cmp.Equal(got[id], want) {
				t.Errorf("%q: %v, want %s %v", q, got, id, want)
			}
		}
		if productIBAN == "" {
			t.Fatal("the world's product has no IBAN")
		}
		if got := searchFor(t, s, "telco", productIBAN, "20", admin); !slices.Contains(got[id], crm.MatchIBAN) {
			t.Errorf("the product's IBAN finds %v", got)
		}
		// Every customer of the world shares one phone: pages of 2 list each once.
		all := searchFor(t, s, "telco", "+34 615 667 898", "2", admin)
		for _, c := range []string{"customer_id", "corporate_customer_id", "spare_customer_id"} {
			if !slices.Equal(all[w.ids[c]], []string{crm.MatchPhone}) {
				t.Errorf("by phone, %s: %v", c, all[w.ids[c]])
			}
		}
		if _, ok := all[w.ids["erased_customer_id"]]; ok {
			t.Errorf("the erased customer is found by phone")
		}

		// A masked read: the same customer, its email masked.
		var masked searchPage
		s.must(http.StatusOK, "v4", "GET", "/v4/orgs/telco/customer-search?q="+w.ids["nif"], nil, &masked,
			bearer(w.roleKeys[crm.RoleCustomersReadMasked])...)
		if len(masked.Results) != 1 || masked.Results[0].Email == nil || !strings.Contains(*masked.Results[0].Email, "****") {
			t.Errorf("masked: %+v", masked.Results)
		}
		wantStatus(t, s.send("v4", "GET", "/v4/orgs/telco/customer-search?q=x", nil, bearer(w.roleKeys[crm.RoleCustomersWrite])...), http.StatusForbidden)

		// Bad queries are 400 naming q; bad cursors and limits, their parameter.
		for target, field := range map[string]string{
			"?q=":                            "q",
			"?q=%20%20":                      "q",
			"?q=" + strings.Repeat("a", 201): "q",
			"?q=ab%01":                       "q",
			"?q=4111%201111%201111%201111":   "q",
			"":                               "q",
			"?q=garcia&limit=0":              "limit",
			"?q=garcia&limit=101":            "limit",
			"?q=garcia&after=AAAA":           "after",
			"?q=garcia&after=0":              "after",
			"?q=garcia&sort=name":            "sort",
		} {
			r := s.send("v4", "GET", "/v4/orgs/telco/customer-search"+target, nil, admin...)
			if r.Status != http.StatusBadRequest || !strings.Contains(r.details(t), " "+field+":") {
				t.Errorf("%s: %d %s, want 400 naming %s", target, r.Status, r.details(t), field)
			}
		}
		// A cursor opens only for its own query.
		var page searchPage
		s.must(http.StatusOK, "v4", "GET", "/v4/orgs/telco/customer-search?q=615667898&limit=1", nil, &page, admin...)
		if page.NextCursor == nil {
			t.Fatal("no next cursor")
		}
		r := s.send("v4", "GET", "/v4/orgs/telco/customer-search?q=615667897&after="+url.QueryEscape(*page.NextCursor), nil, admin...)
		if r.Status != http.StatusBadRequest || !strings.Contains(r.details(t), "after") {
			t.Errorf("another query's cursor: %d %s", r.Status, r.details(t))
		}

	})
}
