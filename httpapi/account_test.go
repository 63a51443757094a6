package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
)

// accountWorld creates a customer and returns its id.
func (e *env) customer(t *testing.T) string {
	var c created
	r := e.do("POST", base+"/customers", e.admin, example(t, "NewPrivateCustomer"))
	wantStatus(t, r, http.StatusCreated)
	r.json(t, &c)
	return c.ID
}

func TestAccountsEndToEnd(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		cid := e.customer(t)
		r := e.do("POST", base+"/customers/"+cid+"/accounts", e.admin, example(t, "PostAccount"))
		wantStatus(t, r, http.StatusOK)
		var acc created
		r.json(t, &acc)
		if acc.ExternalID == nil || *acc.ExternalID != "1" {
			t.Errorf("account created %+v", acc)
		}
		apath := base + "/accounts/" + acc.ID
		var got map[string]any
		r = e.do("GET", apath, e.reader, nil)
		wantStatus(t, r, http.StatusForbidden) // customers:read does not read accounts
		r = e.do("GET", apath, e.admin, nil)
		wantStatus(t, r, http.StatusOK)
		r.json(t, &got)
		wantPM := map[string]any{"type": "BANK_TRANSFER", "details": map[string]any{"iban": "ES7921000813610123456789"}}
		if diff := cmp.Diff(wantPM, got["payment_method"]); diff != "" {
			t.Errorf("payment_method (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(map[string]any{"cycle": map[string]any{"name": "DIA 1 - MENSUAL", "day": 1.0, "type": "M", "frequency": 1.0}}, got["invoice"]); diff != "" {
			t.Errorf("invoice (-want +got):\n%s", diff)
		}

		var ids struct{ Accounts []struct{ ID string } }
		e.do("GET", base+"/customers/"+cid+"/accounts", e.admin, nil).json(t, &ids)
		if len(ids.Accounts) != 1 || ids.Accounts[0].ID != acc.ID {
			t.Errorf("A8 %+v", ids)
		}
		var methods struct {
			PaymentMethods []string `json:"payment_methods"`
		}
		e.do("GET", base+"/customers/"+cid+"/accounts/"+acc.ID+"/payment-methods", e.admin, nil).json(t, &methods)
		if diff := cmp.Diff([]string{"CREDIT_CARD", "DIRECT_DEBIT"}, methods.PaymentMethods); diff != "" {
			t.Errorf("A11 RECURRING_PREPAID defaults (-want +got):\n%s", diff)
		}

		// Direct debit with a bad IBAN is a 400 naming the field.
		r = e.do("PATCH", apath+"/payment-method", e.admin, `{"type":"DIRECT_DEBIT","details":{"iban":"ES0021000813610123456789"}}`)
		wantStatus(t, r, http.StatusBadRequest)
		if !strings.Contains(r.details(t), "details.iban") {
			t.Errorf("bad IBAN: %s", r.details(t))
		}
		wantStatus(t, e.do("PATCH", apath+"/payment-method", e.admin, `{"type":"DIRECT_DEBIT","details":{"iban":"ES79 2100 0813 6101 2345 6789"}}`), http.StatusNoContent)
		// Card via pending tokenization: 202, then the gateway completes it.
		wantStatus(t, e.do("PATCH", apath+"/payment-method", e.admin, `{"type":"CREDIT_CARD","details":{"reference_id":"tok-1"}}`), http.StatusAccepted)
		gw := e.key("telco", crm.RolePaymentsGateway)
		result := `{"status":"COMPLETED","token_id":"e58ed763-928c-4155-bee9-fdbaaadc15f3","summary":"5100","expiration_date":"05/2029"}`
		wantStatus(t, e.do("POST", base+"/tokenization-requests/tok-1/result", e.admin+"x", result), http.StatusUnauthorized)
		wantStatus(t, e.do("POST", base+"/tokenization-requests/tok-1/result", e.reader, result), http.StatusForbidden)
		wantStatus(t, e.do("POST", base+"/tokenization-requests/tok-1/result", gw, result), http.StatusNoContent)
		wantStatus(t, e.do("POST", base+"/tokenization-requests/nope/result", gw, result), http.StatusNotFound)
		e.do("GET", apath, e.admin, nil).json(t, &got)
		wantPM = map[string]any{"type": "CREDIT_CARD", "details": map[string]any{"id": "e58ed763-928c-4155-bee9-fdbaaadc15f3", "summary": "5100", "expiration_date": "05/2029"}}
		if diff := cmp.Diff(wantPM, got["payment_method"]); diff != "" {
			t.Errorf("card payment_method (-want +got):\n%s", diff)
		}
		var toks struct {
			TokenizationRequests []map[string]any `json:"tokenization_requests"`
		}
		e.do("GET", apath+"/tokenization-requests", e.admin, nil).json(t, &toks)
		if len(toks.TokenizationRequests) != 1 || toks.TokenizationRequests[0]["status"] != "COMPLETED" {
			t.Errorf("T1 %+v", toks)
		}
		var cards struct {
			AvailableCreditCards []map[string]any `json:"available_credit_cards"`
		}
		e.do("GET", base+"/customers/"+cid+"/credit-cards", e.reader, nil).json(t, &cards)
		if len(cards.AvailableCreditCards) != 1 || cards.AvailableCreditCards[0]["summary"] != "5100" {
			t.Errorf("K6 %+v", cards)
		}
		wantStatus(t, e.do("PATCH", apath+"/payment-method", e.admin, `{"type":"CREDIT_CARD","details":{"token_id":"e58ed763-928c-4155-bee9-fdbaaadc15f3"}}`), http.StatusNoContent)
		wantStatus(t, e.do("PATCH", apath+"/payment-method", e.admin, `{"type":"CREDIT_CARD","details":{"token_id":"e58ed763-928c-4155-bee9-fdbaaadc15f4"}}`), http.StatusBadRequest)
		wantStatus(t, e.do("PATCH", apath+"/payment-method", e.admin, `{"type":"TECI"}`), http.StatusBadRequest)
		wantStatus(t, e.do("PATCH", apath+"/payment-method", e.admin, `{"type":"CREDIT_CARD","details":{"card_number":"4111111111111111"}}`), http.StatusBadRequest)

		// Billing address twice, then the history.
		addr := example(t, "BillingAddress")
		for _, city := range []string{"Madrid", "Sevilla"} {
			e.clock.Advance(24 * time.Hour)
			addr["locality"] = city
			wantStatus(t, e.do("PUT", apath+"/billing-address", e.admin, addr), http.StatusNoContent)
		}
		addr["address_lines"] = []string{"undefined"}
		wantStatus(t, e.do("PUT", apath+"/billing-address", e.admin, addr), http.StatusBadRequest)
		var hist struct {
			BillingAddresses []struct {
				BillingAddress map[string]any `json:"billing_address"`
				EndedAt        *string        `json:"ended_at"`
			} `json:"billing_addresses"`
		}
		e.do("GET", apath+"/billing-address/history", e.admin, nil).json(t, &hist)
		if len(hist.BillingAddresses) != 3 || hist.BillingAddresses[2].BillingAddress["locality"] != "Sevilla" || hist.BillingAddresses[2].EndedAt != nil {
			t.Errorf("A3 %+v", hist)
		}
		e.do("GET", apath+"/billing-address/history?from=2026-11-24&to=2026-11-24", e.admin, nil).json(t, &hist)
		if len(hist.BillingAddresses) != 1 || hist.BillingAddresses[0].BillingAddress["locality"] != "Madrid" {
			t.Errorf("A3 filtered %+v", hist)
		}
		wantStatus(t, e.do("GET", apath+"/billing-address/history?from=yesterday", e.admin, nil), http.StatusBadRequest)

		// Invoice recipient.
		var rec map[string]any
		e.do("GET", apath+"/invoice-recipient", e.admin, nil).json(t, &rec)
		if rec["name"] != "Antonio Benavente Blanco" || rec["billing_address"].(map[string]any)["locality"] != "Sevilla" {
			t.Errorf("A12 %v", rec)
		}

		// Promotions.
		r = e.do("POST", apath+"/promotions", e.admin, `{"promotion_code":"WELCOME","name":"Welcome","start_date":"2026-11-01","end_date":"2026-12-31"}`)
		wantStatus(t, r, http.StatusCreated)
		var promo struct{ ID string }
		r.json(t, &promo)
		wantStatus(t, e.do("POST", apath+"/promotions", e.admin, `{"promotion_code":"XMAS","name":"Xmas","start_date":"2026-12-20"}`), http.StatusCreated)
		var list []map[string]any
		e.do("GET", apath+"/promotions", e.admin, nil).json(t, &list)
		if len(list) != 1 || list[0]["status"] != "ACTIVE" {
			t.Errorf("A4 default ACTIVE %v", list)
		}
		e.do("GET", apath+"/promotions?account_promotion_type=ALL", e.admin, nil).json(t, &list)
		if len(list) != 2 || list[1]["status"] != "SCHEDULED" {
			t.Errorf("A5 ALL %v", list)
		}
		wantStatus(t, e.do("GET", apath+"/promotions?account_promotion_type=OLD", e.admin, nil), http.StatusBadRequest)
		wantStatus(t, e.do("PATCH", apath+"/promotions/"+promo.ID, e.admin, `{"cancellation_date":"2027-02-01"}`), http.StatusBadRequest)
		wantStatus(t, e.do("PATCH", apath+"/promotions/"+promo.ID, e.admin, `{"cancellation_date":"2026-12-01"}`), http.StatusNoContent)
		var ops []map[string]any
		e.do("GET", apath+"/promotions/history?start_date=2026-11-01", e.admin, nil).json(t, &ops)
		if len(ops) != 3 || ops[2]["operation"] != "CANCELLATION_SCHEDULED" || ops[2]["modified_by"] == "" {
			t.Errorf("A6 %v", ops)
		}

		// Contracts, read by external id.
		now := e.clock.Now()
		r = e.do("POST", apath+"/contracts", e.admin, map[string]any{"start_date": now.Add(-time.Hour).Format(time.RFC3339),
			"requests": []any{map[string]any{"request_external_id": "214748364", "contract_reference_id": "MMC2105077108808", "type": "SALE_MOBILE_ONLY", "origin_user": "john.doe"}}})
		wantStatus(t, r, http.StatusCreated)
		var k struct{ ID string }
		r.json(t, &k)
		wantStatus(t, e.do("POST", apath+"/contracts/"+k.ID+"/requests", e.admin, `{"request_external_id":"9","contract_reference_id":"MMC1","type":"PORTABILITY","origin_user":"ana"}`), http.StatusCreated)
		var byExt struct{ ID string }
		e.do("GET", base+"/external-accounts/1", e.admin, nil).json(t, &byExt)
		if byExt.ID != acc.ID {
			t.Errorf("E1 %v", byExt)
		}
		var active map[string]any
		e.do("GET", base+"/external-accounts/1/contracts/active", e.admin, nil).json(t, &active)
		if active["id"] != k.ID || len(active["requests"].([]any)) != 2 {
			t.Errorf("E3 %v", active)
		}
		var all struct{ Contracts []map[string]any }
		e.do("GET", base+"/external-accounts/1/contracts", e.admin, nil).json(t, &all)
		if len(all.Contracts) != 1 {
			t.Errorf("E2 %v", all)
		}
		e.do("GET", apath, e.admin, nil).json(t, &got)
		if got["contract_reference"] != "MMC1" {
			t.Errorf("contract_reference %v", got["contract_reference"])
		}
		wantStatus(t, e.do("GET", base+"/external-accounts/404/contracts/active", e.admin, nil), http.StatusNotFound)

		// Close: refused while the contract is active, and for the wrong customer.
		other := e.do("POST", base+"/customers", e.admin, example(t, "NewDigitalCustomer"))
		_ = other
		wantStatus(t, e.do("DELETE", base+"/customers/"+cid+"/accounts/"+acc.ID, e.admin, nil), http.StatusConflict)
		wantStatus(t, e.do("DELETE", base+"/customers/"+cid, e.admin, nil), http.StatusConflict)
	})
}

func TestAccountsOfEndedCustomersAndClosedAccounts(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		cid := e.customer(t)
		var acc created
		e.do("POST", base+"/customers/"+cid+"/accounts", e.admin, example(t, "PostAccount")).json(t, &acc)
		wantStatus(t, e.do("DELETE", base+"/customers/"+cid+"/accounts/"+acc.ID, e.admin, nil), http.StatusNoContent)
		apath := base + "/accounts/" + acc.ID
		for _, tc := range []struct{ method, path, body string }{
			{"PATCH", apath + "/payment-method", `{"type":"BANK_TRANSFER"}`},
			{"PUT", apath + "/billing-address", string(mustJSON(example(t, "BillingAddress")))},
			{"POST", apath + "/promotions", `{"promotion_code":"P","name":"P","start_date":"2026-11-01"}`},
		} {
			r := e.do(tc.method, tc.path, e.admin, tc.body)
			if r.Status != http.StatusConflict {
				t.Errorf("%s %s on a closed account: %d %s", tc.method, tc.path, r.Status, r.Body)
			}
		}
		var got map[string]any
		e.do("GET", apath, e.admin, nil).json(t, &got)
		if got["ended_at"] == nil {
			t.Errorf("ended_at not set")
		}
		wantStatus(t, e.do("DELETE", base+"/customers/"+cid, e.admin, nil), http.StatusNoContent)
		wantStatus(t, e.do("POST", base+"/customers/"+cid+"/accounts", e.admin, example(t, "PostAccount")), http.StatusConflict)
		wantStatus(t, e.do("GET", "/v4/orgs/other/accounts/"+acc.ID, e.otherOrg, nil), http.StatusNotFound)
	})
}
