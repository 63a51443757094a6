package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
)

// privateWith is the private customer example with its own NIF, phone
// and email, and the given name.
func privateWith(t *testing.T, n int, name string) map[string]any {
	c := example(t, "NewPrivateCustomer")
	pi := c["personal_info"].(map[string]any)
	pi["identity_document"] = map[string]any{"number": crmtest.NIF(5000 + n), "type": "NIF"}
	pi["name"] = name
	ci := c["contact_info"].(map[string]any)
	ci["phone_numbers"] = []any{map[string]any{"country_code": "+34", "number": fmt.Sprintf("7%08d", n), "type": "MOBILE"}}
	ci["emails"] = []any{map[string]any{"email": fmt.Sprintf("p%d@example.com", n)}}
	return c
}

func TestCreateNamesDuplicateCandidates(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		var first created
		r := e.do("POST", base+"/customers", e.admin, privateWith(t, 1, "Ana"))
		wantStatus(t, r, http.StatusCreated)
		r.json(t, &first)
		if h := r.Header.Get("Duplicate-Candidates"); h != "" {
			t.Errorf("the first customer has candidates %q", h)
		}
		// Another org's customer is never named.
		wantStatus(t, e.do("POST", "/v4/orgs/other/customers", e.otherOrg, privateWith(t, 1, "Ana")), http.StatusCreated)

		twin := privateWith(t, 2, " ANA ") // same name and birth date, accents and spacing aside
		r = e.do("POST", base+"/customers", e.admin, twin, "Idempotency-Key", "dup-1")
		wantStatus(t, r, http.StatusCreated)
		if h := r.Header.Get("Duplicate-Candidates"); h != first.ID {
			t.Errorf("Duplicate-Candidates %q, want %q", h, first.ID)
		}
		again := e.do("POST", base+"/customers", e.admin, twin, "Idempotency-Key", "dup-1")
		if again.Header.Get("Idempotency-Replayed") != "true" || again.Header.Get("Duplicate-Candidates") != first.ID {
			t.Errorf("replay: %v", again.Header)
		}

		dig := example(t, "NewDigitalCustomer")
		dig["type"] = "DIGITAL_CUSTOMER"
		dig["digital_personal_info"].(map[string]any)["email"] = "P1@Example.com"
		r = e.do("POST", base+"/customers", e.admin, dig)
		wantStatus(t, r, http.StatusCreated)
		if h := r.Header.Get("Duplicate-Candidates"); h != first.ID {
			t.Errorf("digital by email: Duplicate-Candidates %q, want %q", h, first.ID)
		}
	})
}

func TestMergeCustomerHTTP(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		var a, b, dig created
		e.do("POST", base+"/customers", e.admin, privateWith(t, 1, "Ana")).json(t, &a)
		e.do("POST", base+"/customers", e.admin, privateWith(t, 2, "Eva")).json(t, &b)
		d := example(t, "NewDigitalCustomer")
		d["type"] = "DIGITAL_CUSTOMER"
		e.do("POST", base+"/customers", e.admin, d).json(t, &dig)
		r := e.do("POST", base+"/customers/"+b.ID+"/accounts", e.admin, example(t, "PostAccount"))
		wantStatus(t, r, http.StatusOK)
		var acc created
		r.json(t, &acc)
		path := base + "/customers/" + a.ID + "/merge"
		body := `{"merged_customer_id":"` + b.ID + `"}`

		// customers:write does not merge; customers:merge does.
		wantStatus(t, e.do("POST", path, e.key("telco", crm.RoleCustomersWrite), body), http.StatusForbidden)
		merger := e.key("telco", crm.RoleCustomersMerge)
		cases := []struct {
			name, path, body string
			headers          []string
			status           int
			want             string
		}{
			{"no body field", path, `{}`, nil, 400, "MCUS.400.001 merged_customer_id: is required"},
			{"not a UUID", path, `{"merged_customer_id":"x"}`, nil, 400, "MCUS.400.001 merged_customer_id: must be a UUID"},
			{"unknown field", path, `{"merged_customer_id":"` + b.ID + `","force":true}`, nil, 400, "MCUS.400.003 force: unknown field"},
			{"itself", path, `{"merged_customer_id":"` + a.ID + `"}`, nil, 409, "MCUS.409"},
			{"other type", path, `{"merged_customer_id":"` + dig.ID + `"}`, nil, 409, "MCUS.409"},
			{"unknown other", path, `{"merged_customer_id":"0198a0f1-4567-7d43-ab00-000000000000"}`, nil, 404, "MCUS.404"},
			{"stale If-Match", path, body, []string{"If-Match", `"9"`}, 412, "MCUS.412.001"},
		}
		for _, tc := range cases {
			r := e.do("POST", tc.path, merger, tc.body, tc.headers...)
			if r.Status != tc.status || !strings.HasPrefix(r.details(t), tc.want) {
				t.Errorf("%s: %d %s, want %d %s", tc.name, r.Status, r.details(t), tc.status, tc.want)
			}
		}

		r = e.do("POST", path, merger, body, "If-Match", `"1"`)
		wantStatus(t, r, http.StatusOK)
		var got crm.CustomerMerge
		r.json(t, &got)
		want := crm.CustomerMerge{CustomerID: a.ID, MergedCustomerID: b.ID,
			Moved: []crm.MergeMove{{Kind: "account", ID: acc.ID, FromCustomerID: b.ID, ToCustomerID: a.ID}}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("merge (-want +got):\n%s", diff)
		}
		r = e.do("GET", base+"/customers/"+b.ID, e.admin, nil)
		var merged struct {
			MergedInto string  `json:"merged_into"`
			EndedAt    *string `json:"ended_at"`
		}
		r.json(t, &merged)
		if merged.MergedInto != a.ID || merged.EndedAt == nil {
			t.Errorf("GET merged customer: %s", r.Body)
		}
		var accs struct {
			Accounts []struct {
				ID string `json:"id"`
			} `json:"accounts"`
		}
		e.do("GET", base+"/customers/"+a.ID+"/accounts", e.admin, nil).json(t, &accs)
		if len(accs.Accounts) != 1 || accs.Accounts[0].ID != acc.ID {
			t.Errorf("survivor's accounts %+v", accs)
		}
		// A retry answers 409 naming why.
		r = e.do("POST", path, merger, body)
		if r.Status != http.StatusConflict || !strings.Contains(r.details(t), "already merged") {
			t.Errorf("retry: %d %s", r.Status, r.details(t))
		}
	})
}
