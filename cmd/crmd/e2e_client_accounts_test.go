package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	crmclient "github.com/telcoops/crm/client"
	v4 "github.com/telcoops/crm/client/v4"
)

// customers creates one customer of each type (the documentation's
// examples), replays a create by its Idempotency-Key, searches, reads, and
// patches under If-Match.
func (rt *roundTrip) customers() {
	t, c, ctx, org := rt.t, rt.v4, rt.ctx, rt.org
	private := exampleBody[v4.CreateCustomerJSONRequestBody](t, "NewPrivateCustomer")
	first := got(c.CreateCustomerWithResponse(ctx, org, nil, private, crmclient.IdempotencyKey("roundtrip-private"))).want(t, 201)
	again := got(c.CreateCustomerWithResponse(ctx, org, nil, private, crmclient.IdempotencyKey("roundtrip-private"))).want(t, 201)
	if !replayed(again.HTTPResponse) || again.JSON201.Id != first.JSON201.Id {
		t.Errorf("a create repeated with its Idempotency-Key: replayed %v, id %s then %s", replayed(again.HTTPResponse), first.JSON201.Id, again.JSON201.Id)
	}
	rt.customer, rt.externalID = first.JSON201.Id, *first.JSON201.ExternalId

	raw, err := os.ReadFile("../../httpapi/testdata/examples/NewCorporateCustomer.json")
	if err != nil {
		t.Fatal(err)
	}
	var corp map[string]any
	json.Unmarshal(raw, &corp)
	corp["type"], corp["segment"] = "CORPORATE_CUSTOMER", "SME"
	raw, _ = json.Marshal(corp)
	corpID := got(c.CreateCustomerWithResponse(ctx, org, nil, body[v4.CreateCustomerJSONRequestBody](t, string(raw)))).want(t, 201).JSON201.Id
	// Not the NewDigitalCustomer example: its type is PRIVATE_CUSTOMER.
	digital := body[v4.CreateCustomerJSONRequestBody](t, `{"type":"DIGITAL_CUSTOMER","preferred_language":"es",
		"digital_personal_info":{"name":"Jose","first_surname":"Carrero","email":"digital@example.com"}}`)
	rt.digital = got(c.CreateCustomerWithResponse(ctx, org, nil, digital)).want(t, 201).JSON201.Id

	nif := v4.SearchCustomerParamsIdentityDocumentType("NIF")
	found := got(c.SearchCustomerWithResponse(ctx, org, &v4.SearchCustomerParams{IdentityDocument: ptr("14861628V"), IdentityDocumentType: &nif})).want(t, 200)
	if found.JSON200.Customer.Id != rt.customer {
		t.Errorf("search by document found %s, want %s", found.JSON200.Customer.Id, rt.customer)
	}
	read := got(c.GetCustomerWithResponse(ctx, org, rt.customer, nil, crmclient.AccessReason("round trip"))).want(t, 200)
	etag := crmclient.ETag(read.HTTPResponse)
	patch := body[v4.PatchCustomerJSONRequestBody](t, `{"preferred_language":"ca","personal_info":{"nationality":"PT"}}`)
	got(c.PatchCustomerWithResponse(ctx, org, rt.customer, nil, patch, crmclient.IfMatch(`"999"`))).want(t, 412)
	got(c.PatchCustomerWithResponse(ctx, org, rt.customer, nil, patch, crmclient.IfMatch(etag))).want(t, 204)
	read = got(c.GetCustomerWithResponse(ctx, org, rt.customer, nil)).want(t, 200)
	if crmclient.ETag(read.HTTPResponse) == etag {
		t.Errorf("ETag %s unchanged by a patch", etag)
	}
	users := body[v4.PutAssociatedUsersJSONRequestBody](t, `{"associated_users":[{"identity_document":{"number":"00000023T","type":"NIF"},
		"role":"AUTHORIZED_REPRESENTATIVE","name":"Ana","first_surname":"Rep","nationality":"ES"}]}`)
	got(c.PutAssociatedUsersWithResponse(ctx, org, corpID, nil, users)).want(t, 204)
	byExt := got(c.GetCustomerIdByExternalIdWithResponse(ctx, org, rt.externalID, nil)).want(t, 200)
	if byExt.JSON200.Id != rt.customer {
		t.Errorf("external id %s is %s, want %s", rt.externalID, byExt.JSON200.Id, rt.customer)
	}
	got(c.DeactivateCustomerWithResponse(ctx, org, corpID, nil)).want(t, 204)
	rt.agentReads(private)
}

// agentReads finds the private customer through the search box, reads its
// overview and its history, and merges a twin (another document, the same phone) into it.
func (rt *roundTrip) agentReads(private v4.CreateCustomerJSONRequestBody) {
	t, c, ctx, org := rt.t, rt.v4, rt.ctx, rt.org
	found := got(c.CustomerSearchWithResponse(ctx, org, &v4.CustomerSearchParams{Q: "14861628-v"})).want(t, 200)
	if len(found.JSON200.Results) == 0 || found.JSON200.Results[0].Id != rt.customer {
		t.Errorf("customer-search by document: %s, want %s first", found.Body, rt.customer)
	}
	overview := got(c.GetCustomerOverviewWithResponse(ctx, org, rt.customer, nil)).want(t, 200)
	if !strings.Contains(string(overview.Body), fmt.Sprint(rt.customer)) || len(overview.JSON200.Accounts) != 0 {
		t.Errorf("overview of %s before its accounts: %s", rt.customer, overview.Body)
	}
	history := got(c.ListCustomerEventsWithResponse(ctx, org, rt.customer, &v4.ListCustomerEventsParams{Limit: ptr(1)})).want(t, 200).JSON200
	if len(history.Events) != 1 || history.Events[0].AggregateId != fmt.Sprint(rt.customer) {
		t.Errorf("history of %s: %+v", rt.customer, history.Events)
	}
	if history.NextCursor != nil {
		older := got(c.ListCustomerEventsWithResponse(ctx, org, rt.customer, &v4.ListCustomerEventsParams{Cursor: history.NextCursor})).want(t, 200).JSON200
		if len(older.Events) == 0 || older.Events[0].Id == history.Events[0].Id {
			t.Errorf("older history of %s: %+v", rt.customer, older.Events)
		}
	}
	raw, _ := json.Marshal(private)
	var twin map[string]any
	json.Unmarshal(raw, &twin)
	twin["external_id"] = "roundtrip-twin"
	twin["personal_info"].(map[string]any)["identity_document"] = map[string]any{"number": "12345678Z", "type": "NIF"}
	raw, _ = json.Marshal(twin)
	created := got(c.CreateCustomerWithResponse(ctx, org, nil, body[v4.CreateCustomerJSONRequestBody](t, string(raw)))).want(t, 201)
	if created.HTTPResponse.Header.Get("Duplicate-Candidates") == "" {
		t.Errorf("a twin sharing the phone was created without a Duplicate-Candidates header")
	}
	got(c.MergeCustomerWithResponse(ctx, org, rt.customer, nil, v4.MergeCustomerJSONRequestBody{MergedCustomerId: created.JSON201.Id})).want(t, 200)
}

// accounts walks an account's life: open, card tokenized by the gateway,
// billing address, promotions, contracts, and closing a second one.
func (rt *roundTrip) accounts() {
	t, c, ctx, org := rt.t, rt.v4, rt.ctx, rt.org
	post := exampleBody[v4.CreateAccountJSONRequestBody](t, "PostAccount")
	made := got(c.CreateAccountWithResponse(ctx, org, rt.customer, nil, post)).want(t, 200).JSON200
	rt.account = made.Id
	spare := got(c.CreateAccountWithResponse(ctx, org, rt.customer, nil, post)).want(t, 200).JSON200.Id
	list := got(c.ListCustomerAccountsWithResponse(ctx, org, rt.customer, nil)).want(t, 200)
	if !slices.Contains(list.JSON200.Accounts, v4.AccountId{Id: rt.account}) {
		t.Errorf("account %s not listed: %s", rt.account, list.Bytes())
	}
	got(c.GetAccountWithResponse(ctx, org, rt.account, nil)).want(t, 200)
	got(c.ListAvailablePaymentMethodsWithResponse(ctx, org, rt.customer, rt.account, nil)).want(t, 200)

	card := body[v4.PatchAccountPaymentMethodJSONRequestBody](t, `{"type":"CREDIT_CARD","details":{"reference_id":"PAY-1"}}`)
	got(c.PatchAccountPaymentMethodWithResponse(ctx, org, rt.account, nil, card)).want(t, 202)
	result := body[v4.PostTokenizationResultJSONRequestBody](t,
		`{"status":"COMPLETED","token_id":"e58ed763-928c-4155-bee9-fdbaaadc15f3","summary":"5100","expiration_date":"05/2029"}`)
	got(rt.gateway.PostTokenizationResultWithResponse(ctx, org, "PAY-1", nil, result)).want(t, 204)
	got(c.ListCustomerCreditCardsWithResponse(ctx, org, rt.customer, nil)).want(t, 200)
	got(c.ListAccountTokenizationRequestsWithResponse(ctx, org, rt.account, nil)).want(t, 200)

	address := exampleBody[v4.PutAccountBillingAddressJSONRequestBody](t, "BillingAddress")
	got(c.PutAccountBillingAddressWithResponse(ctx, org, rt.account, nil, address)).want(t, 204)
	got(c.GetAccountBillingAddressHistoryWithResponse(ctx, org, rt.account, nil)).want(t, 200)
	got(c.GetAccountInvoiceRecipientWithResponse(ctx, org, rt.account, nil)).want(t, 200)

	promo := body[v4.AddAccountPromotionJSONRequestBody](t, `{"promotion_code":"WELCOME10","name":"Welcome","start_date":"2026-01-01"}`)
	promoID := got(c.AddAccountPromotionWithResponse(ctx, org, rt.account, nil, promo)).want(t, 201).JSON201.Id
	all := v4.ListAccountPromotionsParamsAccountPromotionType("ALL")
	got(c.ListAccountPromotionsWithResponse(ctx, org, rt.account, &v4.ListAccountPromotionsParams{AccountPromotionType: &all})).want(t, 200)
	cancel := body[v4.CancelAccountPromotionJSONRequestBody](t, `{"cancellation_date":"2026-12-31"}`)
	got(c.CancelAccountPromotionWithResponse(ctx, org, rt.account, promoID, nil, cancel)).want(t, 204)
	got(c.GetAccountPromotionHistoryWithResponse(ctx, org, rt.account, nil)).want(t, 200)

	contract := v4.CreateAccountContractJSONRequestBody{StartDate: time.Now().Add(-time.Hour).UTC().Truncate(time.Second),
		Requests: &[]v4.NewContractRequest{{RequestExternalId: "1", ContractReferenceId: "MMC1", Type: "PORTABILITY", OriginUser: "agent.1"}}}
	made2 := got(c.CreateAccountContractWithResponse(ctx, org, rt.account, nil, contract)).want(t, 201).JSON201
	request := v4.AddContractRequestJSONRequestBody{RequestExternalId: "2", ContractReferenceId: "MMC2", Type: "PORTABILITY", OriginUser: "agent.1"}
	got(c.AddContractRequestWithResponse(ctx, org, rt.account, made2.Id, nil, request)).want(t, 201)
	ext := *made.ExternalId
	if got(c.GetAccountIdByExternalIdWithResponse(ctx, org, ext, nil)).want(t, 200).JSON200.Id != rt.account {
		t.Errorf("external account %s is not %s", ext, rt.account)
	}
	got(c.ListExternalAccountContractsWithResponse(ctx, org, ext, nil)).want(t, 200)
	active := got(c.GetExternalAccountActiveContractWithResponse(ctx, org, ext, nil)).want(t, 200)
	if active.JSON200.Id != made2.Id || len(active.JSON200.Requests) != 2 {
		t.Errorf("active contract: %s", active.Bytes())
	}
	got(c.CloseAccountWithResponse(ctx, org, rt.customer, spare, nil)).want(t, 204)
}
