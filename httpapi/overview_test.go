package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
)

// overviewWorld makes a private customer with two accounts, the second
// with a promotion, a contract and a card-less direct debit; a credential,
// a product and a category value; and returns the customer's id.
func overviewWorld(t *testing.T, e *env) (cid string, accounts []string) {
	cid = e.customer(t)
	accounts = []string{e.paidAccount(t, cid), e.paidAccount(t, cid)}
	a2 := base + "/accounts/" + accounts[1]
	wantStatus(t, e.do("POST", a2+"/promotions", e.admin,
		map[string]any{"promotion_code": "WELCOME10", "name": "Welcome", "start_date": "2026-01-01"}), http.StatusCreated)
	wantStatus(t, e.do("POST", a2+"/promotions", e.admin,
		map[string]any{"promotion_code": "LATER", "name": "Later", "start_date": "2099-01-01"}), http.StatusCreated)
	wantStatus(t, e.do("POST", a2+"/contracts", e.admin, map[string]any{"start_date": "2026-01-01T00:00:00Z",
		"requests": []any{map[string]any{"request_external_id": "214748364", "contract_reference_id": "MMC2105077108808",
			"type": "SALE_MOBILE_ONLY", "origin_user": "john.doe"}}}), http.StatusCreated)
	wantStatus(t, e.do("POST", base+"/customers/"+cid+"/credentials", e.admin,
		map[string]any{"username": "antonio@example.com"}), http.StatusCreated)
	wantStatus(t, e.do("POST", base+"/categories", e.admin,
		map[string]any{"categories": []any{map[string]any{"name": "Segment", "valid_values": []string{"GOLD", "SILVER"}}}}), http.StatusCreated)
	var cats struct {
		Categories []struct{ ID int32 } `json:"categories"`
	}
	e.do("GET", base+"/categories", e.admin, nil).json(t, &cats)
	wantStatus(t, e.do("POST", base+"/customers/"+cid+"/categories", e.admin,
		map[string]any{"id": cats.Categories[0].ID, "value": "GOLD"}), http.StatusCreated)
	ctx := crm.WithRequestInfo(context.Background(), crm.RequestInfo{RequestID: "test",
		Principal: crm.Principal{ID: "key:test", Orgs: []string{"telco"}, Roles: []crm.Role{crm.RoleAdmin}}})
	if _, err := e.db.Products.CreateCustomerProduct(ctx, "telco", cid, crm.ProductCurrencyWallet, crm.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	return cid, accounts
}

// decoded is a JSON answer as generic values, for comparing answers of
// different routes.
func decoded(t *testing.T, r response) any {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	var v any
	r.json(t, &v)
	return v
}

// TestCustomerOverview: the overview of a customer with two accounts is
// exactly what the ordinary reads answer, part by part: GET customer, GET
// account, the active promotions, the active contract, the categories,
// the credentials and the products; its events are the feed's events of
// the customer, its accounts and its product, newest first, summarized.
func TestCustomerOverview(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		cid, accounts := overviewWorld(t, e)
		got := decoded(t, e.do("GET", base+"/customers/"+cid+"/overview", e.reader, nil))

		var products []map[string]any
		aggregates := append([]string{cid}, accounts...)
		for _, p := range decoded(t, e.do("GET", base+"/customers/"+cid+"/export", e.admin, nil)).(map[string]any)["products"].([]any) {
			products = append(products, p.(map[string]any))
			aggregates = append(aggregates, p.(map[string]any)["id"].(string))
		}
		want := map[string]any{
			"status":                   "ACTIVE",
			"customer":                 decoded(t, e.do("GET", base+"/customers/"+cid, e.admin, nil)),
			"products":                 toAny(products),
			"categories":               decoded(t, e.do("GET", base+"/customers/"+cid+"/categories", e.admin, nil)).(map[string]any)["categories"],
			"special_treatment":        []any{},
			"credentials":              decoded(t, e.do("GET", base+"/customers/"+cid+"/credentials", e.admin, nil)).(map[string]any)["credentials"],
			"identification_processes": []any{},
		}
		var accs []any
		for _, id := range accounts {
			acc := decoded(t, e.do("GET", base+"/accounts/"+id, e.admin, nil)).(map[string]any)
			var contract any
			if r := e.do("GET", base+"/external-accounts/"+acc["external_id"].(string)+"/contracts/active", e.admin, nil); r.Status == http.StatusOK {
				contract = decoded(t, r)
			}
			accs = append(accs, map[string]any{"account": acc, "active_contract": contract,
				"active_promotions": decoded(t, e.do("GET", base+"/accounts/"+id+"/promotions?account_promotion_type=ACTIVE", e.admin, nil))})
		}
		want["accounts"] = accs
		want["events"] = feedSummaries(t, e, aggregates)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("overview (-ordinary reads +overview):\n%s", diff)
		}
		// Not vacuous: the parts above hold what the world made.
		o := got.(map[string]any)
		first, second := o["accounts"].([]any)[0].(map[string]any), o["accounts"].([]any)[1].(map[string]any)
		if first["active_contract"] != nil || len(first["active_promotions"].([]any)) != 0 ||
			second["active_contract"] == nil || len(second["active_promotions"].([]any)) != 1 ||
			len(o["products"].([]any)) != 1 || len(o["categories"].([]any)) != 1 || len(o["credentials"].([]any)) != 1 ||
			len(o["events"].([]any)) == 0 {
			t.Errorf("overview lacks parts of the world: %v", o)
		}
	})
}

// toAny is a list of objects as a generic JSON array.
func toAny(v []map[string]any) []any {
	out := []any{}
	for _, m := range v {
		out = append(out, m)
	}
	return out
}

// feedSummaries reads the org's event feed and summarizes, newest first,
// the latest events of the given aggregates as the overview shows them.
func feedSummaries(t *testing.T, e *env, aggregates []string) []any {
	var page struct {
		Events []crm.Event `json:"events"`
	}
	e.do("GET", base+"/events?limit=1000", e.admin, nil).json(t, &page)
	out := []any{}
	for _, ev := range slices.Backward(page.Events) {
		if !slices.Contains(aggregates, ev.AggregateID) || len(out) == crm.OverviewEvents {
			continue
		}
		changed := []any{}
		keys := make([]string, 0, len(ev.Changes))
		for k := range ev.Changes {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			changed = append(changed, k)
		}
		raw, _ := json.Marshal(ev.OccurredAt)
		var at string
		json.Unmarshal(raw, &at)
		out = append(out, map[string]any{"id": ev.ID, "type": ev.Type, "aggregate_type": ev.AggregateType,
			"aggregate_id": ev.AggregateID, "sequence": float64(ev.Sequence), "occurred_at": at, "actor": ev.Actor, "changed": changed})
	}
	return out
}

// TestCustomerOverviewAccess: the roles of GET customer, masked values for
// customers:read:masked, 404 across orgs and for unknown customers, a
// deactivated customer answered, and the read recorded in the access log.
func TestCustomerOverviewAccess(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		cid, _ := overviewWorld(t, e)
		path := base + "/customers/" + cid + "/overview"
		const iban, nif, username = "ES7921000813610123456789", "14861628V", "antonio@example.com"

		full := e.do("GET", path, e.reader, nil)
		masked := e.do("GET", path, e.key("telco", crm.RoleCustomersReadMasked), nil)
		for _, tt := range []struct {
			name         string
			r            response
			holds, hides []string
		}{
			{"customers:read", full, []string{iban, nif, username}, nil},
			{"customers:read:masked", masked, []string{"ES79 **** **** **** **** 6789", "****1628V", "a****@example.com"},
				[]string{iban, nif, username, "email@example.com"}},
		} {
			wantStatus(t, tt.r, http.StatusOK)
			for _, v := range tt.holds {
				if !bytes.Contains(tt.r.Body, []byte(v)) {
					t.Errorf("%s: the answer lacks %q", tt.name, v)
				}
			}
			for _, v := range tt.hides {
				if bytes.Contains(tt.r.Body, []byte(v)) {
					t.Errorf("%s: the answer holds %q", tt.name, v)
				}
			}
		}

		for _, tt := range []struct {
			name, path, key string
			want            int
		}{
			{"other org's admin, its own org", "/v4/orgs/other/customers/" + cid + "/overview", e.otherOrg, http.StatusNotFound},
			{"other org's admin, telco", path, e.otherOrg, http.StatusForbidden},
			{"unknown customer", base + "/customers/0198a0f1-4567-7d43-ab00-000000000001/overview", e.admin, http.StatusNotFound},
			{"not a UUID", base + "/customers/nope/overview", e.admin, http.StatusBadRequest},
			{"accounts:read only", path, e.key("telco", crm.RoleAccountsRead), http.StatusForbidden},
			{"no credential", path, "", http.StatusUnauthorized},
		} {
			if r := e.do("GET", tt.path, tt.key, nil); r.Status != tt.want {
				t.Errorf("%s: %d, want %d: %s", tt.name, r.Status, tt.want, r.Body)
			}
		}

		// Recorded as GET customer is, with its reason.
		officer := e.key("telco", crm.RolePrivacyOfficer)
		wantStatus(t, e.do("GET", path, e.reader, nil, "X-Access-Reason", "call 42", "X-Request-Id", "req-overview"), http.StatusOK)
		var p logPage
		e.do("GET", base+"/customers/"+cid+"/access-log?limit=1000", officer, nil).json(t, &p)
		var got []logged
		for _, l := range p.logged() {
			if l.Request == "req-overview" {
				l.Credential = ""
				got = append(got, l)
			}
		}
		wantLog := []logged{{Customer: cid, Name: "test", Request: "req-overview",
			Operation: "GET /v4/orgs/{org_id}/customers/{customer_id}/overview", Reason: "call 42"}}
		if diff := cmp.Diff(wantLog, got); diff != "" {
			t.Errorf("access log (-want +got):\n%s", diff)
		}

		// A deactivated customer is answered, DEACTIVATED.
		var plainCreated created
		digital := example(t, "NewDigitalCustomer")
		digital["type"] = "DIGITAL_CUSTOMER"
		r := e.do("POST", base+"/customers", e.admin, digital)
		wantStatus(t, r, http.StatusCreated)
		r.json(t, &plainCreated)
		plain := plainCreated.ID
		wantStatus(t, e.do("DELETE", base+"/customers/"+plain, e.admin, nil), http.StatusNoContent)
		var o struct {
			Status   string `json:"status"`
			Customer struct {
				EndedAt *string `json:"ended_at"`
			} `json:"customer"`
		}
		e.do("GET", base+"/customers/"+plain+"/overview", e.reader, nil).json(t, &o)
		if o.Status != crm.CustomerDeactivated || o.Customer.EndedAt == nil {
			t.Errorf("deactivated customer: status %q, ended_at %v", o.Status, o.Customer.EndedAt)
		}
	})
}
