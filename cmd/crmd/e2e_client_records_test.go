package main

import (
	"bytes"
	"mime/multipart"
	"net/url"
	"path"

	crmclient "github.com/telcoops/crm/client"
	v4 "github.com/telcoops/crm/client/v4"
)

// testPDF is the identity document the round trip uploads.
var testPDF = []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n")

// credentials adds, finds, migrates and deletes usernames.
func (rt *roundTrip) credentials() {
	t, c, ctx, org := rt.t, rt.v4, rt.ctx, rt.org
	username := body[v4.AddCredentialJSONRequestBody](t, `{"username":"antonio@example.com"}`)
	id := got(c.AddCredentialWithResponse(ctx, org, rt.customer, nil, username)).want(t, 201).JSON201.Id
	found := got(c.SearchCustomerWithResponse(ctx, org, &v4.SearchCustomerParams{Username: ptr("antonio@example.com")})).want(t, 200)
	if found.JSON200.Customer.Id != rt.customer {
		t.Errorf("search by username found %s", found.JSON200.Customer.Id)
	}
	got(c.ListCredentialsWithResponse(ctx, org, rt.customer, nil)).want(t, 200)
	movable := body[v4.AddCredentialJSONRequestBody](t, `{"username":"movable@example.com"}`)
	got(c.AddCredentialWithResponse(ctx, org, rt.customer, nil, movable)).want(t, 201)
	migrate := body[v4.MigrateCredentialJSONRequestBody](t, `{"username":"movable@example.com"}`)
	got(c.MigrateCredentialWithResponse(ctx, org, rt.digital, nil, migrate)).want(t, 201)
	got(c.DeleteCredentialWithResponse(ctx, org, rt.customer, id, nil)).want(t, 204)
}

// identification uploads a document (multipart), reads the process, and
// downloads the document through its signed link.
func (rt *roundTrip) identification() {
	t, c, ctx, org := rt.t, rt.v4, rt.ctx, rt.org
	var buf bytes.Buffer
	form := multipart.NewWriter(&buf)
	part, _ := form.CreateFormFile("document", "dni.pdf")
	part.Write(testPDF)
	form.WriteField("type", "NIF")
	form.Close()
	made := got(c.CreateIdentificationProcessWithBodyWithResponse(ctx, org, rt.customer, nil, form.FormDataContentType(), &buf,
		crmclient.IdempotencyKey("roundtrip-upload"))).want(t, 201)
	got(c.ListIdentificationProcessesWithResponse(ctx, org, rt.customer, nil)).want(t, 200)
	proc := got(c.GetIdentificationProcessWithResponse(ctx, org, rt.customer, made.JSON201.ProcessId, nil)).want(t, 200)
	link, err := url.Parse(proc.JSON200.Document.PublicUrl)
	if err != nil {
		t.Fatal(err)
	}
	q := link.Query()
	doc := got(c.DownloadDocumentWithResponse(ctx, org, path.Base(link.Path),
		&v4.DownloadDocumentParams{Expires: q.Get("expires"), Signature: q.Get("signature")})).want(t, 200)
	if !bytes.Equal(doc.Bytes(), testPDF) {
		t.Errorf("downloaded %d bytes, uploaded %d", len(doc.Bytes()), len(testPDF))
	}
}

// categories defines a category, patches it under If-Match, classifies
// the customer, and sets the org's and the customer's special treatment.
func (rt *roundTrip) categories() {
	t, c, ctx, org := rt.t, rt.v4, rt.ctx, rt.org
	defs := body[v4.CreateCategoriesJSONRequestBody](t, `{"categories":[{"name":"RISK","description":"Credit risk","valid_values":["LOW","HIGH"]}]}`)
	id := got(c.CreateCategoriesWithResponse(ctx, org, nil, defs)).want(t, 201).JSON201.Categories[0].Id
	got(c.ListCategoriesWithResponse(ctx, org, nil)).want(t, 200)
	etag := crmclient.ETag(got(c.GetCategoryWithResponse(ctx, org, id, nil)).want(t, 200).HTTPResponse)
	patch := body[v4.PatchCategoryJSONRequestBody](t, `{"description":"Credit risk, reviewed","valid_values":["LOW","MEDIUM","HIGH"]}`)
	got(c.PatchCategoryWithResponse(ctx, org, id, nil, patch, crmclient.IfMatch(etag))).want(t, 204)
	got(c.PatchCategoryWithResponse(ctx, org, id, nil, patch, crmclient.IfMatch(etag))).want(t, 412)

	value := v4.AddCustomerCategoryJSONRequestBody{Id: id, Value: ptr("HIGH"), Reason: ptr("Two returned direct debits")}
	got(c.AddCustomerCategoryWithResponse(ctx, org, rt.customer, nil, value)).want(t, 201)
	got(c.ListCustomerCategoriesWithResponse(ctx, org, rt.customer, nil)).want(t, 200)
	change := v4.PatchCustomerCategoryJSONRequestBody{Value: ptr("MEDIUM"), Reason: ptr("Paid")}
	got(c.PatchCustomerCategoryWithResponse(ctx, org, rt.customer, id, nil, change)).want(t, 204)
	got(c.GetCustomerCategoryHistoryWithResponse(ctx, org, rt.customer, nil)).want(t, 200)

	got(c.PatchSpecialTreatmentWithResponse(ctx, org, nil, v4.PatchSpecialTreatmentJSONRequestBody{Values: []string{"gold", "vip"}})).want(t, 204)
	got(c.GetSpecialTreatmentWithResponse(ctx, org, nil)).want(t, 200)
	got(c.PutCustomerSpecialTreatmentWithResponse(ctx, org, rt.customer, nil, v4.PutCustomerSpecialTreatmentJSONRequestBody{Values: []string{"gold"}})).want(t, 204)
	got(c.GetCustomerSpecialTreatmentWithResponse(ctx, org, rt.customer, nil)).want(t, 200)
}
