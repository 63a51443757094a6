package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"time"

	"github.com/telcoops/crm"
)

// world is one org seeded with one of everything through the API: what
// its ids are, the credentials of every kind that act in it, and every
// string its answers held while it was seeded (for the leak checks).
type world struct {
	s            *suite
	org, tag     string
	base, serial int               // fresh values are base+serial
	ids          map[string]string // path parameters and a few values, by name
	admin        string            // admin API key
	roleKeys     map[crm.Role]string
	revokedKey   string
	scopeTokens  map[string]string // products tokens by scope set: "products:read", "products:write", "customers:read:masked", "both"
	revokedToken string
	clientSecret string
	seen         map[string]bool // strings in the answers to the seeding
	checked      map[string]bool // snapshot reads already checked against the document
}

func (w *world) fresh() int       { w.serial++; return w.base + w.serial }
func (w *world) clock() time.Time { return w.s.clock.Now() }

// v4 sends a v4 request as the org's admin and remembers its answer's
// strings.
func (w *world) v4(want int, method, p string, body any, out any, headers ...string) response {
	w.s.t.Helper()
	r := w.s.must(want, "v4", method, "/v4/orgs/"+w.org+p, body, out, append(bearer(w.admin), headers...)...)
	jsonStrings(r.Body, w.seen)
	return r
}

// seed makes org's world: three customers (one of each type) and spares
// for the DELETE operations, accounts with a payment method and a card
// tokenization, a promotion, a contract, categories (fillers first when
// skip > 0, so that the org's category ids differ from the other's),
// special treatment, credentials, an identification process and its
// document, a product, webhooks with a dead letter, and the events all
// that wrote.
func seed(s *suite, org, tag string, base, skip int, iban string) *world {
	s.t.Helper()
	w := &world{s: s, org: org, tag: tag, base: base, ids: map[string]string{"org_id": org}, roleKeys: map[crm.Role]string{},
		scopeTokens: map[string]string{}, seen: map[string]bool{}}
	w.ids["iban"] = iban
	w.admin, _ = s.apiKey(org, crm.RoleAdmin)
	for _, r := range append(crm.KnownRoles, crm.RoleAPIKey) {
		w.roleKeys[r], _ = s.apiKey(org, r)
	}
	var revokedID string
	w.revokedKey, revokedID = s.apiKey(org, crm.RoleAdmin)
	if err := s.db.APIKeys.RevokeAPIKey(context.Background(), revokedID); err != nil {
		s.t.Fatal(err)
	}
	var made struct {
		ID         string  `json:"id"`
		ExternalID *string `json:"external_id"`
	}
	for _, c := range []struct {
		id   string
		body map[string]any
	}{{"customer_id", w.privateCustomer()}, {"corporate_customer_id", w.corporateCustomer()},
		{"digital_customer_id", w.digitalCustomer()}, {"spare_customer_id", w.privateCustomer()},
		{"erased_customer_id", w.privateCustomer()}, {"merged_customer_id", w.privateCustomer()}} {
		w.v4(http.StatusCreated, "POST", "/customers", c.body, &made)
		w.ids[c.id] = made.ID
		if c.id == "customer_id" {
			w.ids["customer_external_id"], w.ids["customerId"] = *made.ExternalID, made.ID
			w.ids["nif"] = c.body["personal_info"].(map[string]any)["identity_document"].(map[string]any)["number"].(string)
		}
	}
	w.v4(http.StatusNoContent, "POST", "/customers/"+w.ids["erased_customer_id"]+"/erasure", nil, nil)
	cpath := "/customers/" + w.ids["customer_id"]
	for _, id := range []string{"account_id", "spare_account_id", "card_account_id"} {
		w.v4(http.StatusOK, "POST", cpath+"/accounts", w.account(), &made)
		w.ids[id] = made.ID
		if id == "account_id" {
			w.ids["account_external_id"] = *made.ExternalID
		}
	}
	apath := "/accounts/" + w.ids["account_id"]
	w.ids["reference_id"] = fmt.Sprintf("ref-%s-%d", tag, w.fresh())
	w.v4(http.StatusAccepted, "PATCH", "/accounts/"+w.ids["card_account_id"]+"/payment-method",
		map[string]any{"type": "CREDIT_CARD", "details": map[string]any{"reference_id": w.ids["reference_id"]}}, nil)
	w.v4(http.StatusCreated, "POST", apath+"/promotions", payloads["POST "+v4p+"/accounts/{account_id}/promotions"].body(w), &made)
	w.ids["account_promotion_id"] = made.ID
	// The contract ends in a day, so that a test can close the account.
	contract := payloads["POST "+v4p+"/accounts/{account_id}/contracts"].body(w).(map[string]any)
	contract["end_date"] = w.clock().Add(24 * time.Hour).Format(time.RFC3339)
	w.v4(http.StatusCreated, "POST", apath+"/contracts", contract, &made)
	w.ids["contract_id"] = made.ID

	for range skip {
		w.v4(http.StatusCreated, "POST", "/categories", payloads["POST "+v4p+"/categories"].body(w), nil)
	}
	var cats struct {
		Categories []struct{ ID int } `json:"categories"`
	}
	w.v4(http.StatusCreated, "POST", "/categories", map[string]any{"categories": []any{
		map[string]any{"name": "risk" + tag, "description": "Risk at " + tag, "valid_values": []any{"high", "low"}}}}, &cats)
	w.ids["category_id"] = strconv.Itoa(cats.Categories[0].ID)
	w.v4(http.StatusCreated, "POST", cpath+"/categories", w.customerCategory(), nil)
	w.v4(http.StatusNoContent, "PATCH", "/special-treatment", map[string]any{"values": []any{"gold", "vip"}}, nil)
	w.v4(http.StatusNoContent, "PUT", cpath+"/special-treatment", map[string]any{"values": []any{"gold"}}, nil)

	for _, id := range []string{"credential_id", "spare_credential_id"} {
		w.v4(http.StatusCreated, "POST", cpath+"/credentials", payloads["POST "+v4p+"/customers/{customer_id}/credentials"].body(w), &made)
		w.ids[id] = made.ID
	}
	w.ids["migrate_username"] = fmt.Sprintf("movable%d.%s@example.com", w.fresh(), tag)
	w.v4(http.StatusCreated, "POST", cpath+"/credentials", map[string]any{"username": w.ids["migrate_username"]}, nil)
	w.identify(cpath)
	w.products()
	w.webhooks()
	return w
}

// identify uploads an identification document of the customer and keeps
// the process's id and its document's signed link.
func (w *world) identify(cpath string) {
	up := w.upload()
	var proc struct {
		ProcessID string `json:"process_id"`
	}
	w.v4(http.StatusCreated, "POST", cpath+"/identification-processes", up.data, &proc, "Content-Type", up.contentType)
	w.ids["identification_process_id"] = proc.ProcessID
	var detail processDetail
	w.v4(http.StatusOK, "GET", cpath+"/identification-processes/"+proc.ProcessID, nil, &detail)
	u, err := url.Parse(detail.Document.PublicURL)
	if err != nil {
		w.s.t.Fatal(err)
	}
	w.ids["document_id"], w.ids["document_query"] = path.Base(u.Path), u.RawQuery
}

// products makes the org's OAuth clients (one revoked) and a product of
// the customer.
func (w *world) products() {
	s := w.s
	w.scopeTokens["products:read"], _, _ = s.oauthClient(w.org, crm.RoleProductsRead)
	w.scopeTokens["products:write"], _, _ = s.oauthClient(w.org, crm.RoleProductsWrite)
	w.scopeTokens["customers:read:masked"], _, _ = s.oauthClient(w.org, crm.RoleCustomersReadMasked)
	w.scopeTokens["both"], w.ids["client_id"], w.clientSecret = s.oauthClient(w.org, crm.ProductScopes...)
	var revokedID string
	w.revokedToken, revokedID, _ = s.oauthClient(w.org, crm.ProductScopes...)
	if err := s.db.OAuthClients.RevokeOAuthClient(context.Background(), revokedID); err != nil {
		s.t.Fatal(err)
	}
	var made struct {
		CustomerProductID string `json:"customerProductId"`
	}
	r := s.must(http.StatusOK, "products", "POST", "/customers/"+w.ids["customer_id"]+"/products",
		map[string]any{"productCode": "BALANCE_ACCOUNT"}, &made, append(bearer(w.scopeTokens["both"]), requestID, requestor)...)
	jsonStrings(r.Body, w.seen)
	w.ids["customerProductId"] = made.CustomerProductID
	jsonStrings(s.must(http.StatusOK, "products", "GET", "/products/"+made.CustomerProductID, nil, nil, bearer(w.scopeTokens["both"])...).Body, w.seen)
}

// webhooks subscribes twice (one is the DELETE's spare) and dead-letters
// the org's last event for the first subscription.
func (w *world) webhooks() {
	var made struct {
		ID string `json:"id"`
	}
	for _, id := range []string{"webhook_id", "spare_webhook_id"} {
		w.v4(http.StatusCreated, "POST", "/webhooks", w.webhook(), &made)
		w.ids[id] = made.ID
	}
	ctx := context.Background()
	evs, err := w.s.db.Outbox.Events(ctx, w.org, 0, 0)
	if err != nil || len(evs) == 0 {
		w.s.t.Fatalf("events of %s: %v %v", w.org, len(evs), err)
	}
	lease := crm.WebhookLease{Name: crm.WebhookLeaseName(w.ids["webhook_id"]), Holder: "suite", TTL: time.Minute}
	if _, ok, err := w.s.db.Outbox.AcquireLease(ctx, lease.Name, lease.Holder, lease.TTL); !ok || err != nil {
		w.s.t.Fatal(ok, err)
	}
	if err := w.s.db.WebhookDeliveries.DeadLetterWebhookEvent(ctx, lease, crm.WebhookDeadLetter{WebhookID: w.ids["webhook_id"], Event: evs[len(evs)-1],
		Attempts: 3, FirstAttemptAt: w.clock(), LastAttemptAt: w.clock(), LastError: "answered HTTP 503"}); err != nil {
		w.s.t.Fatal(err)
	}
	var page struct {
		DeadLetters []struct{ ID string } `json:"dead_letters"`
	}
	w.v4(http.StatusOK, "GET", "/webhooks/"+w.ids["webhook_id"]+"/dead-letters", nil, &page)
	w.ids["dead_letter_id"] = page.DeadLetters[0].ID
	// Cursors are sealed to their scope: the other org's must be refused.
	var feed struct {
		NextCursor string `json:"next_cursor"`
	}
	w.v4(http.StatusOK, "GET", "/webhooks/"+w.ids["webhook_id"]+"/dead-letters?limit=1", nil, &feed)
	w.ids["dead_letter_cursor"] = feed.NextCursor
	w.v4(http.StatusOK, "GET", "/events?limit=1", nil, &feed)
	w.ids["events_cursor"] = feed.NextCursor
}

// lastEvent is the position of the org's last event.
func (w *world) lastEvent() int64 {
	evs, err := w.s.db.Outbox.Events(context.Background(), w.org, 0, 0)
	if err != nil {
		w.s.t.Fatal(err)
	}
	if len(evs) == 0 {
		return 0
	}
	return evs[len(evs)-1].Position
}

// snapshot reads the world's resources as its admin and its products
// client see them, for comparing before and after; their strings join
// those the world has seen.
func (w *world) snapshot() map[string]string {
	out := map[string]string{}
	c, a := "/customers/"+w.ids["customer_id"], "/accounts/"+w.ids["account_id"]
	for _, p := range []string{c, "/customers/" + w.ids["corporate_customer_id"], "/customers/" + w.ids["digital_customer_id"],
		c + "/accounts", c + "/credentials", c + "/categories", c + "/special-treatment", c + "/identification-processes",
		a, a + "/promotions", a + "/tokenization-requests", "/external-accounts/" + w.ids["account_external_id"] + "/contracts",
		"/categories", "/special-treatment", "/webhooks", "/webhooks/" + w.ids["webhook_id"] + "/dead-letters"} {
		r := w.read("v4", "/v4/orgs/"+w.org+p, bearer(w.admin))
		out["v4 "+p] = string(r.Body)
		jsonStrings(r.Body, w.seen)
	}
	p := "/customers/" + w.ids["customer_id"] + "/products"
	r := w.read("products", p, bearer(w.scopeTokens["both"]))
	out["products "+p] = string(r.Body)
	jsonStrings(r.Body, w.seen)
	return out
}

// read GETs target for a snapshot: checked against the document the
// first time only.
func (w *world) read(surface, target string, headers []string) response {
	if w.checked == nil {
		w.checked = map[string]bool{}
	}
	if !w.checked[target] {
		w.checked[target] = true
		return w.s.send(surface, "GET", target, nil, headers...)
	}
	_, r := w.s.serve(surface, "GET", target, nil, headers...)
	return r
}
