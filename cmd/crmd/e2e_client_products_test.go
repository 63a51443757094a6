package main

import (
	"github.com/google/uuid"

	crmclient "github.com/telcoops/crm/client"
	"github.com/telcoops/crm/client/products"
)

// products walks the Customer Products API as a partner: an OAuth client
// from the CLI, a token requested by the client itself, a balance account
// for the (identified) customer replayed by its Idempotency-Key, the search
// by IBAN, and the close under If-Match. A v4 API key is refused there.
func (rt *roundTrip) products() {
	t, ctx := rt.t, rt.ctx
	id, secret := createClient(t, rt.bin, rt.dsn)
	auth := &crmclient.ClientCredentials{TokenURL: rt.base + "/oauth2/token", ClientID: id, ClientSecret: secret, HTTPClient: rt.http}
	p, err := crmclient.NewProducts(rt.base, auth, crmclient.WithHTTPClient(rt.http))
	if err != nil {
		t.Fatal(err)
	}
	requestor := uuid.MustParse("0198a0f1-4567-7d43-ab00-00000000a11c")
	create := products.CreateCustomerProductJSONRequestBody{ProductCode: "BALANCE_ACCOUNT"}
	made := got(p.CreateCustomerProductWithResponse(ctx, rt.customer, &products.CreateCustomerProductParams{RequestorID: requestor},
		create, crmclient.IdempotencyKey("roundtrip-product"))).want(t, 200)
	again := got(p.CreateCustomerProductWithResponse(ctx, rt.customer, &products.CreateCustomerProductParams{RequestorID: requestor},
		create, crmclient.IdempotencyKey("roundtrip-product"))).want(t, 200)
	prodID := made.JSON200.CustomerProductId
	if !replayed(again.HTTPResponse) || again.JSON200.CustomerProductId != prodID {
		t.Errorf("a product create repeated with its Idempotency-Key: replayed %v, %s then %s", replayed(again.HTTPResponse), prodID, again.JSON200.CustomerProductId)
	}

	read := got(p.GetCustomerProductWithResponse(ctx, prodID, nil)).want(t, 200)
	if read.JSON200.Status != "ACTIVE" || read.JSON200.AccountData == nil {
		t.Fatalf("balance account of an identified customer: %s", read.Bytes())
	}
	iban := read.JSON200.AccountData.Iban
	list := got(p.GetCustomerProductsWithResponse(ctx, rt.customer, &products.GetCustomerProductsParams{Iban: &iban})).want(t, 200)
	if len(*list.JSON200) != 1 || (*list.JSON200)[0].CustomerProductId != prodID {
		t.Errorf("search by IBAN: %s", list.Bytes())
	}
	closed := products.UpdateCustomerProductJSONRequestBody{Status: "CLOSED"}
	update := &products.UpdateCustomerProductParams{RequestorID: requestor}
	got(p.UpdateCustomerProductWithResponse(ctx, prodID, update, closed, crmclient.IfMatch(`"999"`))).want(t, 412)
	got(p.UpdateCustomerProductWithResponse(ctx, prodID, update, closed, crmclient.IfMatch(crmclient.ETag(read.HTTPResponse)))).want(t, 200)
	got(p.GetProductsOpenAPIWithResponse(ctx)).want(t, 200)

	// Neither surface takes the other's credential; a refused API key is
	// returned as it came, without a retry.
	key := createKey(t, rt.bin, rt.dsn, "admin")
	wrong, err := crmclient.NewProducts(rt.base, crmclient.APIKey(key), crmclient.WithHTTPClient(rt.http))
	if err != nil {
		t.Fatal(err)
	}
	got(wrong.GetCustomerProductWithResponse(ctx, prodID, nil)).want(t, 401)
	if n := rt.rec.count("GET /products/{customerProductId}", 401); n != 1 {
		t.Errorf("a refused API key was sent %d times", n)
	}
}
