package client_test

import (
	"context"
	"log"
	"net/http"
	"os"

	"github.com/google/uuid"

	"github.com/telcoops/crm/client"
	"github.com/telcoops/crm/client/products"
	v4 "github.com/telcoops/crm/client/v4"
)

// Example creates a customer on v4 with an API key, safe to retry by its
// Idempotency-Key, patches it only if nobody changed it since it was read,
// and opens a balance account for it on the Customer Products API with
// OAuth2 client credentials. The README's "Go client" section is this code.
func Example() {
	ctx := context.Background()
	base := "http://localhost:8080"

	// v4 with an API key (crmd keys create).
	crm, err := client.NewV4(base, client.APIKey(os.Getenv("CRM_KEY")))
	if err != nil {
		log.Fatal(err)
	}
	var customer v4.CreateCustomerJSONRequestBody
	if err := customer.FromNewDigitalCustomer(v4.NewDigitalCustomer{Type: v4.NewDigitalCustomerTypeDIGITALCUSTOMER,
		PreferredLanguage: "es", DigitalPersonalInfo: v4.DigitalPersonalInfo{Email: "ana@example.com"}}); err != nil {
		log.Fatal(err)
	}
	created, err := crm.CreateCustomerWithResponse(ctx, "telco", nil, customer, client.IdempotencyKey("signup-4711"))
	if err != nil {
		log.Fatal(err)
	}
	if created.JSON201 == nil {
		log.Fatalf("create customer: %d %s", created.StatusCode(), created.Body)
	}
	id := created.JSON201.Id

	// Read it, then patch it under If-Match: 412 if it changed meanwhile.
	read, err := crm.GetCustomerWithResponse(ctx, "telco", id, nil)
	if err != nil {
		log.Fatal(err)
	}
	lang := v4.LanguageCode("ca")
	patched, err := crm.PatchCustomerWithResponse(ctx, "telco", id, nil, v4.PatchCustomerJSONRequestBody{PreferredLanguage: &lang},
		client.IfMatch(client.ETag(read.HTTPResponse)))
	if err != nil {
		log.Fatal(err)
	}
	if patched.StatusCode() == http.StatusPreconditionFailed {
		log.Print("changed by someone else: read it again")
	}

	// The Customer Products API with an OAuth2 client (crmd clients create):
	// the token is requested, kept and renewed by the client.
	auth := &client.ClientCredentials{TokenURL: base + "/oauth2/token",
		ClientID: os.Getenv("CRM_CLIENT_ID"), ClientSecret: os.Getenv("CRM_CLIENT_SECRET")}
	partner, err := client.NewProducts(base, auth)
	if err != nil {
		log.Fatal(err)
	}
	requestor := uuid.MustParse("0198a0f1-4567-7d43-ab00-00000000a11c") // the person acting
	product, err := partner.CreateCustomerProductWithResponse(ctx, id, &products.CreateCustomerProductParams{RequestorID: requestor},
		products.CreateCustomerProductJSONRequestBody{ProductCode: products.ProductCodeEnumBALANCEACCOUNT})
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("product %d %s", product.StatusCode(), product.Body)
}
