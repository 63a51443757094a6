package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/httpapi"
	"github.com/telcoops/crm/sqlstore"
)

// TestGeneratedQueries: the values customer_search asks for are those of
// the generated customers, and each is one the search box reads as its
// kind.
func TestGeneratedQueries(t *testing.T) {
	for _, i := range []int{1, 7, 123456, 999999} {
		bban, _ := crm.SpanishBBAN("2100", "0418", fmt.Sprintf("%010d", i))
		if got, want := generatedIBAN(i), "ES"+crm.IBANCheckDigits("ES", bban)+bban; got != want {
			t.Errorf("IBAN of %d: %s, want %s", i, got, want)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		q := generatedQuery(1+rng.IntN(1_000_000), rng)
		terms, err := crm.ParseSearchQuery(q)
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		if terms.Document == "" && terms.Email == "" && terms.Phone == "" && terms.ExternalID == "" && terms.IBAN == "" {
			t.Errorf("%q is no exact kind", q)
		}
	}
}

// TestCustomerSearchLoad drives customer_search alone, paced by --rate,
// against the service on SQLite with 30 generated customers imported:
// every kind of query answers 200.
func TestCustomerSearchLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the server and drives it for a second")
	}
	dir := t.TempDir()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(dir, "crm.db"), sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, key, err := db.APIKeys.CreateAPIKey(ctx, "telco", "load", []crm.Role{crm.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	api := httpapi.New(httpapi.Config{Customers: db.Customers, Accounts: db.Accounts, APIKeys: db.APIKeys, Idempotency: db.Idempotency, Ready: db.Ping})
	srv := httptest.NewServer(api.Handler())
	defer srv.Close()
	d, err := newDriver(loadConfig{url: srv.URL, org: "telco", key: key, concurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	// The generated customers' values, as the generator's formula gives
	// them, made through the API: what customer_search will ask for.
	for i := 1; i <= 30; i++ {
		if err := createGenerated(ctx, d, i); err != nil {
			t.Fatal(err)
		}
	}
	var stdout, stderr bytes.Buffer
	args := []string{"--url", srv.URL, "--key", key, "--duration", "1s", "--concurrency", "2", "--seed", "5",
		"--mix", "customer_search=1", "--rate", "100", "--search-generated", "30"}
	if err := load(ctx, args, &stdout, &stderr); err != nil {
		t.Fatalf("load: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "customer_search") || strings.Contains(stdout.String(), "error:") {
		t.Errorf("customer_search did not run cleanly:\n%s", stdout.String())
	}
}

// createGenerated creates the i-th generated customer's searchable values
// (document, email, phone, external ids, IBAN) through the API.
func createGenerated(ctx context.Context, d *driver, i int) error {
	nif := (i*48271 + 13) % 30000000
	body := mustJSON(map[string]any{"type": "PRIVATE_CUSTOMER", "preferred_language": "es", "segment": "CONSUMER",
		"external_id": fmt.Sprintf("C%09d", i),
		"contact_info": map[string]any{
			"phone_numbers": []any{map[string]any{"country_code": "+34", "number": fmt.Sprintf("6%08d", i), "type": "MOBILE"}},
			"emails":        []any{map[string]any{"email": fmt.Sprintf("customer%d@example.com", i)}},
			"postal_address": map[string]any{"address_lines": []string{"Calle Mayor 2"}, "postal_code": "28039",
				"locality": "Fuenlabrada", "administrative_area": "Madrid", "region_code": "ES"}},
		"personal_info": map[string]any{"identity_document": map[string]any{"type": "NIF",
			"number": fmt.Sprintf("%08d%c", nif, "TRWAGMYFPDXBNJZSQVHLCKE"[nif%23])},
			"name": "Lucía", "first_surname": "García", "nationality": "ES", "birthdate": "1980-01-01"}})
	var c struct{ ID string }
	if err := d.do(ctx, "POST", "/customers", body, 201, &c); err != nil {
		return err
	}
	account := mustJSON(map[string]any{"external_id": fmt.Sprintf("A%09d", i), "modality": "POSTPAID",
		"payment_method": map[string]any{"type": "DIRECT_DEBIT", "details": map[string]any{"iban": generatedIBAN(i)}}})
	return d.do(ctx, "POST", "/customers/"+c.ID+"/accounts", account, 200, nil)
}
