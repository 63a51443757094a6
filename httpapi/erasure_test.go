package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/crmtest"
	"github.com/telcoops/crm/sqlstore"
	"github.com/telcoops/crm/sqlstore/sqltest"
)

// personalKeys are the JSON keys whose string values TestErasure hunts for
// after an erasure: every value a person can be found by.
var personalKeys = map[string]bool{"name": true, "first_surname": true, "second_surname": true, "legal_name": true,
	"number": true, "email": true, "iban": true, "address_lines": true, "username": true, "card_summary": true,
	"summary": true, "teci_token": true, "token_id": true, "birthdate": true, "document_name": true}

// TestErasure erases the customer that has one of everything (the suites'
// world) after giving it distinctive values, then scans every table of the
// database, the kept answers and the feed: none of its personal values is
// left, the retained references are, and the person can be created again.
func TestErasure(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sqlstore.DB, clock *crmtest.Clock) {
		s := newSuite(t, db, clock)
		w := seed(s, "telco", "telco", 10000, 0, "ES7921000813610123456789")
		officer, _ := s.apiKey("telco", crm.RolePrivacyOfficer)
		id := w.ids["customer_id"]
		cpath := "/v4/orgs/telco/customers/" + id
		// Distinctive values, one of them replaced so that only the
		// history (events) holds it.
		w.v4(http.StatusNoContent, "PATCH", "/customers/"+id, map[string]any{"personal_info": map[string]any{
			"name": "Zebulonia", "second_surname": "Quixotanez"}, "contact_info": map[string]any{
			"emails": []any{map[string]any{"email": "zebulonia.old@erasure.example"}}}}, nil)
		w.v4(http.StatusNoContent, "PATCH", "/customers/"+id, map[string]any{"contact_info": map[string]any{
			"emails": []any{map[string]any{"email": "zebulonia.new@erasure.example"}}}}, nil)
		deadLetterLast(t, w)
		w.v4(http.StatusCreated, "POST", "/customers/"+id+"/credentials", map[string]any{"username": "zebulonia.login@erasure.example"},
			nil, "Idempotency-Key", "erasure-credential")
		values := personalValues(t, s, officer, w, id)
		for _, v := range []string{"zebulonia.login@erasure.example", "Zebulonia", "Quixotanez", "zebulonia.old@erasure.example", "zebulonia.new@erasure.example", w.ids["nif"]} {
			if !values[v] {
				t.Fatalf("the export misses %q, which the test hunts for", v)
			}
		}
		productIBAN := productIBANOf(t, db, w.ids["customerProductId"])
		// Where the values are before: the hunt below must cover these.
		holders := map[string]bool{}
		for where, text := range databaseText(t, db) {
			for v := range values {
				if strings.Contains(text, v) {
					holders[strings.Fields(where)[0]] = true
				}
			}
		}
		for _, want := range []string{"customers", "accounts", "billing_addresses", "customer_credentials", "events",
			"identification_processes", "webhook_dead_letters", "customer_search_keys"} {
			if !holders[want] {
				t.Errorf("no personal value in %s before the erasure: the hunt proves nothing there", want)
			}
		}

		// Before, the search box finds it by each (the hunt below proves something).
		searchable := []string{"zebulonia", "Quixotanez", "zebulonia.new@erasure.example", w.ids["nif"], w.ids["iban"],
			"zebulonia.login@erasure.example", w.ids["customer_external_id"], w.ids["account_id"], w.ids["account_external_id"]}
		for _, q := range searchable {
			if got := searchFor(t, s, "telco", q, "100", bearer(w.admin)); got[id] == nil {
				t.Errorf("before the erasure, %q does not find the customer: %v", q, got)
			}
		}

		// Open accounts and the product block it, named.
		r := s.send("v4", "POST", cpath+"/erasure", nil, bearer(officer)...)
		wantStatus(t, r, http.StatusConflict)
		for _, want := range []string{w.ids["account_id"], w.ids["customerProductId"]} {
			if !strings.Contains(string(r.Body), want) {
				t.Errorf("409 %s does not name %s", r.Body, want)
			}
		}
		ctx := context.Background()
		clock.Advance(25 * time.Hour) // the contract ended
		for _, a := range []string{"account_id", "spare_account_id", "card_account_id"} {
			if err := db.Accounts.CloseAccount(ctx, "telco", id, w.ids[a], crm.WriteOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Products.CloseCustomerProduct(ctx, "telco", w.ids["customerProductId"], crm.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		before := len(feedAbout(t, db, "telco", id))

		s.must(http.StatusNoContent, "v4", "POST", cpath+"/erasure", nil, nil, bearer(officer)...)
		s.must(http.StatusNoContent, "v4", "POST", cpath+"/erasure", nil, nil, bearer(officer)...) // idempotent

		var rec crm.Erasure
		s.must(http.StatusOK, "v4", "GET", cpath+"/erasure", nil, &rec, bearer(officer)...)
		kept := map[string][]string{}
		for _, k := range rec.Retained {
			kept[k.What] = k.IDs
		}
		wantKept := map[string][]string{
			crm.RetainedCustomer:    {id},
			crm.RetainedAccounts:    sorted(w.ids["account_id"], w.ids["spare_account_id"], w.ids["card_account_id"]),
			crm.RetainedContracts:   {w.ids["contract_id"]},
			crm.RetainedPromotions:  {w.ids["account_promotion_id"]},
			crm.RetainedProducts:    {w.ids["customerProductId"]},
			crm.RetainedProductIBAN: {w.ids["customerProductId"]},
		}
		if productIBAN == "" {
			delete(wantKept, crm.RetainedProductIBAN)
		}
		if diff := cmp.Diff(wantKept, kept); diff != "" || !rec.Complete {
			t.Errorf("retention record (-want +got):\n%s complete %v", diff, rec.Complete)
		}

		// Reads and searches find nothing; the retained account is there.
		wantStatus(t, s.send("v4", "GET", cpath, nil, bearer(w.admin)...), http.StatusNotFound)
		wantStatus(t, s.send("v4", "GET", "/v4/orgs/telco/customers?identity_document="+w.ids["nif"], nil, bearer(w.admin)...), http.StatusNotFound)
		wantStatus(t, s.send("v4", "GET", "/v4/orgs/telco/customers?email=zebulonia.new@erasure.example", nil, bearer(w.admin)...), http.StatusNotFound)
		s.must(http.StatusOK, "v4", "GET", "/v4/orgs/telco/accounts/"+w.ids["account_id"], nil, nil, bearer(w.admin)...)
		// The search box finds it by nothing, not even its ids, which are kept.
		for _, q := range searchable {
			if got := searchFor(t, s, "telco", q, "100", bearer(w.admin)); got[id] != nil {
				t.Errorf("after the erasure, %q finds the customer (%v)", q, got[id])
			}
		}

		// The feed: the same events, redacted, then one customer.erased.
		evs := feedAbout(t, db, "telco", id)
		if len(evs) != before+1 || evs[len(evs)-1].Type != crm.EventCustomerErased {
			t.Fatalf("feed about the customer: %d events, last %s; want %d, the last customer.erased", len(evs), evs[len(evs)-1].Type, before+1)
		}
		seq := int64(0)
		for _, e := range evs {
			if e.AggregateType == crm.AggregateCustomer {
				if e.Sequence != seq+1 {
					t.Errorf("customer sequence %d after %d: a gap", e.Sequence, seq)
				}
				seq = e.Sequence
			}
		}

		// No personal value anywhere; the product's IBAN only in its row.
		delete(values, productIBAN)
		for where, text := range databaseText(t, db) {
			for v := range values {
				if strings.Contains(text, v) {
					t.Errorf("%s still holds %q", where, v)
				}
			}
			if productIBAN != "" && strings.Contains(text, productIBAN) && !strings.HasPrefix(where, "customer_products ") {
				t.Errorf("%s holds the product IBAN", where)
			}
		}
		answers := keptAnswers(t, db, "telco")
		if _, ok := answers["erasure-credential"]; ok {
			t.Error("the kept answer of the credential's creation is still there")
		}
		for where, text := range answers {
			for v := range values {
				if strings.Contains(text, v) {
					t.Errorf("kept answer %s still holds %q", where, v)
				}
			}
		}

		// The person can be a customer again.
		again := w.privateCustomer()
		again["personal_info"].(map[string]any)["identity_document"] = map[string]any{"number": w.ids["nif"], "type": "NIF"}
		w.v4(http.StatusCreated, "POST", "/customers", again, nil)

		// Roles and orgs.
		reader, _ := s.apiKey("telco", crm.RoleCustomersWrite, crm.RoleCustomersRead)
		wantStatus(t, s.send("v4", "POST", cpath+"/erasure", nil, bearer(reader)...), http.StatusForbidden)
		rival, _ := s.apiKey("rival", crm.RolePrivacyOfficer)
		wantStatus(t, s.send("v4", "POST", "/v4/orgs/rival/customers/"+w.ids["corporate_customer_id"]+"/erasure", nil, bearer(rival)...), http.StatusNotFound)
		wantStatus(t, s.send("v4", "GET", "/v4/orgs/telco/customers/"+w.ids["corporate_customer_id"]+"/erasure", nil, bearer(officer)...), http.StatusNotFound)
	})
}

// deadLetterLast dead-letters the org's last event for the world's
// webhook, as a receiver that kept failing would.
func deadLetterLast(t *testing.T, w *world) {
	t.Helper()
	ctx := context.Background()
	evs, err := w.s.db.Outbox.Events(ctx, w.org, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	lease := crm.WebhookLease{Name: crm.WebhookLeaseName(w.ids["webhook_id"]), Holder: "suite", TTL: time.Minute}
	if _, ok, err := w.s.db.Outbox.AcquireLease(ctx, lease.Name, lease.Holder, lease.TTL); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if err := w.s.db.WebhookDeliveries.DeadLetterWebhookEvent(ctx, lease, crm.WebhookDeadLetter{WebhookID: w.ids["webhook_id"],
		Event: evs[len(evs)-1], Attempts: 3, FirstAttemptAt: w.clock(), LastAttemptAt: w.clock(), LastError: "answered HTTP 503"}); err != nil {
		t.Fatal(err)
	}
}

// personalValues exports the customer and returns the strings under
// personalKeys that no other customer of the org has.
func personalValues(t *testing.T, s *suite, officer string, w *world, id string) map[string]bool {
	t.Helper()
	collect := func(id string) map[string]bool {
		r := s.must(http.StatusOK, "v4", "GET", "/v4/orgs/telco/customers/"+id+"/export", nil, nil, bearer(officer)...)
		out, other := map[string]bool{}, map[string]bool{}
		var v any
		if err := json.Unmarshal(r.Body, &v); err != nil {
			t.Fatal(err)
		}
		personalStrings(v, false, out, other)
		for o := range other {
			delete(out, o)
		}
		return out
	}
	mine := collect(id)
	for _, other := range []string{"corporate_customer_id", "digital_customer_id", "spare_customer_id"} {
		for v := range collect(w.ids[other]) {
			delete(mine, v)
		}
	}
	// The org's category definitions describe no one.
	defs := map[string]bool{}
	jsonStrings(s.must(http.StatusOK, "v4", "GET", "/v4/orgs/telco/categories", nil, nil, bearer(w.admin)...).Body, defs)
	for v := range mine {
		if len(v) < 6 || defs[v] {
			delete(mine, v)
		}
	}
	return mine
}

// personalStrings collects the strings of v under personalKeys into
// personal, and those under the keys of things that are not about a person
// (invoice cycles, categories, promotions) into other.
func personalStrings(v any, under bool, personal, other map[string]bool) {
	switch v := v.(type) {
	case string:
		if under {
			personal[v] = true
		}
	case []any:
		for _, x := range v {
			personalStrings(x, under, personal, other)
		}
	case map[string]any:
		for k, x := range v {
			if notPersonal[k] {
				personalStrings(x, true, other, map[string]bool{})
				continue
			}
			personalStrings(x, under || personalKeys[k], personal, other)
		}
	}
}

// notPersonal are the keys of the export's parts that describe no person.
var notPersonal = map[string]bool{"invoice": true, "invoice_cycle": true, "categories": true, "category_history": true,
	"promotions": true, "historical_categories": true}

// databaseText renders every row of every table as text, by "table row".
func databaseText(t *testing.T, db *sqlstore.DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	n := 0
	err := db.ScanText(context.Background(), func(table, row string) error {
		n++
		out[fmt.Sprintf("%s row %d", table, n)] = row
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// keptAnswers opens every kept answer of org.
func keptAnswers(t *testing.T, db *sqlstore.DB, org string) map[string]string {
	t.Helper()
	var keys []string
	db.ScanText(context.Background(), func(table, row string) error {
		if f := strings.Split(row, "\x00"); table == "idempotency_keys" && f[0] == org {
			keys = append(keys, f[1])
		}
		return nil
	})
	out := map[string]string{}
	for _, key := range keys {
		rec, err := db.Idempotency.LookupIdempotency(context.Background(), org, key)
		if err != nil || rec == nil {
			continue
		}
		out[key] = string(rec.Answer.Body) + string(rec.Result) + rec.Answer.Location
	}
	return out
}

// productIBANOf is the IBAN issued for a product ("" if none).
func productIBANOf(t *testing.T, db *sqlstore.DB, id string) string {
	t.Helper()
	p, err := db.Products.GetCustomerProduct(context.Background(), "telco", id)
	if err != nil {
		t.Fatal(err)
	}
	if p.Account == nil {
		return ""
	}
	return p.Account.IBAN
}

func sorted(v ...string) []string { slices.Sort(v); return v }
