package main

import (
	"testing"
	"time"
)

// walkAccount walks the whole life of an account over HTTP: create with
// direct debit, switch to a card through a pending tokenization, change the
// address twice and read the history, attach, list and cancel promotions,
// add a contract and read it by external id, close the account.
func walkAccount(t *testing.T, c *client, gatewayKey string) {
	cust := readExample(t, "NewPrivateCustomer")
	cust["personal_info"].(map[string]any)["identity_document"] = map[string]any{"number": "X1234567L", "type": "NIE"}
	var customer struct{ ID string }
	c.call("POST", "/customers", cust, 201, &customer)
	acc := readExample(t, "PostAccount")
	acc["modality"] = "POSTPAID"
	acc["payment_method"] = map[string]any{"type": "DIRECT_DEBIT", "details": map[string]any{"iban": "ES7921000813610123456789"}}
	var created struct {
		ID         string `json:"id"`
		ExternalID string `json:"external_id"`
	}
	c.call("POST", "/customers/"+customer.ID+"/accounts", acc, 200, &created)
	a := "/accounts/" + created.ID

	c.call("PATCH", a+"/payment-method", map[string]any{"type": "CREDIT_CARD", "details": map[string]any{"reference_id": "psp-77"}}, 202, nil)
	var toks struct {
		TokenizationRequests []struct{ Status string } `json:"tokenization_requests"`
	}
	c.call("GET", a+"/tokenization-requests", nil, 200, &toks)
	if len(toks.TokenizationRequests) != 1 || toks.TokenizationRequests[0].Status != "PENDING" {
		t.Fatalf("tokenization requests %+v", toks)
	}
	c.as(gatewayKey).call("POST", "/tokenization-requests/psp-77/result", map[string]any{"status": "COMPLETED",
		"token_id": "e58ed763-928c-4155-bee9-fdbaaadc15f3", "summary": "5100", "expiration_date": "05/2029"}, 204, nil)
	var got struct {
		PaymentMethod struct {
			Type    string         `json:"type"`
			Details map[string]any `json:"details"`
		} `json:"payment_method"`
		EndedAt *string `json:"ended_at"`
	}
	c.call("GET", a, nil, 200, &got)
	if got.PaymentMethod.Type != "CREDIT_CARD" || got.PaymentMethod.Details["summary"] != "5100" {
		t.Errorf("payment method after tokenization %+v", got.PaymentMethod)
	}

	addr := readExample(t, "BillingAddress")
	for _, city := range []string{"Madrid", "Sevilla"} {
		addr["locality"] = city
		c.call("PUT", a+"/billing-address", addr, 204, nil)
	}
	var hist struct {
		BillingAddresses []struct {
			BillingAddress struct{ Locality string } `json:"billing_address"`
		} `json:"billing_addresses"`
	}
	today := time.Now().UTC().Format(time.DateOnly)
	c.call("GET", a+"/billing-address/history?from="+today, nil, 200, &hist)
	if n := len(hist.BillingAddresses); n != 3 || hist.BillingAddresses[n-1].BillingAddress.Locality != "Sevilla" {
		t.Errorf("billing-address history %+v", hist)
	}

	start := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	end := time.Now().UTC().AddDate(0, 1, 0).Format(time.DateOnly)
	var promo struct{ ID string }
	c.call("POST", a+"/promotions", map[string]any{"promotion_code": "WELCOME", "name": "Welcome", "start_date": start, "end_date": end}, 201, &promo)
	var promos []struct{ ID, Status string }
	c.call("GET", a+"/promotions?account_promotion_type=ACTIVE", nil, 200, &promos)
	if len(promos) != 1 || promos[0].ID != promo.ID {
		t.Errorf("active promotions %+v", promos)
	}
	c.call("PATCH", a+"/promotions/"+promo.ID, map[string]any{"cancellation_date": end}, 204, nil)
	var ops []struct{ Operation string }
	c.call("GET", a+"/promotions/history", nil, 200, &ops)
	if len(ops) != 2 || ops[1].Operation != "CANCELLATION_SCHEDULED" {
		t.Errorf("promotion history %+v", ops)
	}

	// A contract that already ended, so the account can close; the 409 for
	// an active contract is covered with an injected clock in httpapi.
	var contract struct{ ID string }
	now := time.Now().UTC()
	c.call("POST", a+"/contracts", map[string]any{"start_date": now.AddDate(0, 0, -30).Format(time.RFC3339),
		"end_date": now.Add(-time.Hour).Format(time.RFC3339)}, 201, &contract)
	c.call("POST", a+"/contracts/"+contract.ID+"/requests", map[string]any{"request_external_id": "214748364",
		"contract_reference_id": "MMC2105077108808", "type": "SALE_MOBILE_ONLY", "origin_user": "john.doe"}, 201, nil)
	var byExt struct{ ID string }
	c.call("GET", "/external-accounts/"+created.ExternalID, nil, 200, &byExt)
	var contracts struct {
		Contracts []struct {
			ID       string
			Requests []any
		}
	}
	c.call("GET", "/external-accounts/"+created.ExternalID+"/contracts", nil, 200, &contracts)
	if byExt.ID != created.ID || len(contracts.Contracts) != 1 || contracts.Contracts[0].ID != contract.ID || len(contracts.Contracts[0].Requests) != 1 {
		t.Errorf("external reads: %+v %+v", byExt, contracts)
	}
	c.call("GET", "/external-accounts/"+created.ExternalID+"/contracts/active", nil, 404, nil)
	c.call("DELETE", "/customers/"+customer.ID+"/accounts/"+created.ID, nil, 204, nil)
	c.call("GET", a, nil, 200, &got)
	if got.EndedAt == nil {
		t.Errorf("closed account has no ended_at")
	}
	c.call("PATCH", a+"/payment-method", map[string]any{"type": "BANK_TRANSFER"}, 409, nil)
}
